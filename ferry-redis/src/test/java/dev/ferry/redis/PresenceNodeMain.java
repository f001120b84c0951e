package dev.ferry.redis;

import dev.ferry.server.FerryServer;
import java.time.Duration;

/**
 * One Ferry node with presence ({@link PresenceClusterTest#presence()}) in a process of its own, for a test that
 * kills it as a crash would: the Redis engine under the key prefix given as the only argument; prints
 * {@code PORT <n>} and serves until killed.
 */
public final class PresenceNodeMain {
    private PresenceNodeMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        FerryServer server = FerryServer.builder()
                .config(PresenceClusterTest.nodeConfig(args[0], Duration.ofSeconds(2)))
                .extension(new RedisExtension(PresenceClusterTest.redis(args[0])))
                .host("127.0.0.1").port(0).build();
        System.out.println("PORT " + server.start());
        System.out.flush();
        Thread.currentThread().join();
    }
}

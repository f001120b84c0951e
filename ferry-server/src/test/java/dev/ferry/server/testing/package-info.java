/**
 * Test support shared by every module's tests (published as ferry-server's test-jar): {@link
 * dev.ferry.server.testing.LeakGuard} fails a test class when Netty reports a leak,
 * {@link dev.ferry.server.testing.FerryServerExtension} runs a real server on port 0,
 * {@link dev.ferry.server.testing.WsTestClient} is an independent client on the JDK's WebSocket, and
 * {@link dev.ferry.server.testing.Requirements} skips (or, under {@code CI=true}, fails) tests whose external
 * needs are missing, and {@link dev.ferry.server.testing.Await} waits for a condition that nothing signals, with a
 * timeout and without spinning: tests never sleep to let something happen, and pass on a busy machine.
 */
package dev.ferry.server.testing;

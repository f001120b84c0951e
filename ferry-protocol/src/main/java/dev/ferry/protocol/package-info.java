/**
 * The {@code ferry.v1} wire model shared by the server and the Java client: {@link dev.ferry.protocol.Frame}
 * (commands and pushes), {@link dev.ferry.protocol.FrameCodec} (text and binary messages),
 * {@link dev.ferry.protocol.ErrorCode}, {@link dev.ferry.protocol.CloseCodes} and the topic grammar in
 * {@link dev.ferry.protocol.Topics}. The normative description is {@code docs/protocol.md}. No Netty here.
 */
package dev.ferry.protocol;

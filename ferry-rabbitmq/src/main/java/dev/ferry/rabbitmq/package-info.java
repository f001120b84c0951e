/**
 * The RabbitMQ bridge: a {@link dev.ferry.server.extension.FerryExtension} that carries messages between
 * RabbitMQ exchanges and Ferry topics, configured under {@code rabbitmq.*} ({@link dev.ferry.rabbitmq.RabbitConfig})
 * and found by {@code ferry serve} through {@link dev.ferry.rabbitmq.RabbitExtensionProvider}. See
 * {@code docs/rabbitmq.md}.
 */
package dev.ferry.rabbitmq;

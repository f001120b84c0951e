package dev.ferry.server.auth;

/** What authentication gives: an {@link Identity}, or an {@link AuthError} to answer the client with. */
public sealed interface AuthOutcome permits Identity, AuthError {
}

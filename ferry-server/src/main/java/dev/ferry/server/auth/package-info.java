/**
 * Authentication, authorization, per-connection limits and the origin policy for browser pages
 * ({@link dev.ferry.server.auth.OriginPolicy}), independent of any transport.
 *
 * <p>A transport turns what a client presented into an {@link dev.ferry.server.auth.AuthRequest} and asks the
 * {@link dev.ferry.server.auth.Authenticator} for an {@link dev.ferry.server.auth.Identity} (or an
 * {@link dev.ferry.server.auth.AuthError} to answer with); it then asks {@link dev.ferry.server.auth.Permissions}
 * (once per identity, through an {@link dev.ferry.server.auth.AccessScope}) whether each action on each topic is
 * allowed. Tokens are JWTs verified with nimbus-jose-jwt against keys selected by issuer and key id. See
 * {@code docs/security.md}.
 */
package dev.ferry.server.auth;

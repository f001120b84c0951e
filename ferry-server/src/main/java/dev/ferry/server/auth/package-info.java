/**
 * Who may connect: the origin policy for browser pages ({@link dev.ferry.server.auth.OriginPolicy}).
 */
package dev.ferry.server.auth;

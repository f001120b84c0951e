/** Helpers of ferry-cli's integration tests: the built jar as a process, external interpreters. */
package dev.ferry.cli.testing;

/**
 * The {@code ferry} command line: {@link dev.ferry.cli.FerryCommand} and its subcommands {@code serve}, {@code pub},
 * {@code sub}, {@code call} and {@code register} (see docs/cli.md). Output meant for programs goes to stdout,
 * everything else (status lines, errors, logs) to stderr.
 */
package dev.ferry.cli;

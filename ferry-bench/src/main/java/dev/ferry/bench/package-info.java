/**
 * The {@code ferry-bench} command line ({@link dev.ferry.bench.FerryBench}): load generators against a Ferry
 * server. The load generators live in {@code dev.ferry.bench.fanout}; JMH micro-benchmarks in
 * {@code dev.ferry.bench.jmh}.
 */
package dev.ferry.bench;

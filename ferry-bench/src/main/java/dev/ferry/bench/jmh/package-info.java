/**
 * JMH micro-benchmarks of server and protocol hot paths. Run from the packaged jar:
 * {@code java -cp ferry-bench/target/ferry-bench.jar org.openjdk.jmh.Main TopicTreeBench}.
 */
package dev.ferry.bench.jmh;

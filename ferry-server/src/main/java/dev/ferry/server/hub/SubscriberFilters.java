package dev.ferry.server.hub;

import dev.ferry.protocol.Topics;
import dev.ferry.server.filter.Filter;
import dev.ferry.server.filter.FilterInput;
import java.util.HashMap;
import java.util.Map;

/**
 * The patterns one subscriber holds, each with its filter ({@link #NONE} for an unfiltered one). Immutable: the
 * hub swaps a new instance in on every change, so the fan-out reads it without locks. The arrays the fan-out
 * walks are built only while some pattern has a filter ({@code any}); otherwise they are null.
 */
record SubscriberFilters(Map<String, Filter> byPattern, String[] patterns, String[][] words, Filter[] filters,
                         boolean any) {
    /** Stands for "no filter" (maps hold no nulls). */
    static final Filter NONE = newNone();
    static final SubscriberFilters EMPTY = new SubscriberFilters(Map.of(), new String[0], new String[0][], new Filter[0], false);

    private static Filter newNone() {
        try {
            return Filter.compile("exists(tags.__none__)"); // identity matters, never evaluated
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** From a map the caller hands over (and no longer changes). */
    static SubscriberFilters of(Map<String, Filter> byPattern) {
        if (byPattern.values().stream().anyMatch(f -> f != NONE)) {
            return indexed(byPattern);
        }
        // unfiltered (the common case): an immutable copy, compact for the one or few patterns a connection holds
        return new SubscriberFilters(Map.copyOf(byPattern), null, null, null, false);
    }

    private static SubscriberFilters indexed(Map<String, Filter> byPattern) {
        // unfiltered patterns first, then filters over tags only, then those that need the payload parsed: the
        // cheapest way to an acceptance is tried first
        String[] patterns = byPattern.keySet().stream()
                .sorted(java.util.Comparator.comparingInt(p -> cost(byPattern.get(p))))
                .toArray(String[]::new);
        Filter[] filters = new Filter[patterns.length];
        String[][] words = new String[patterns.length][];
        boolean any = false;
        for (int i = 0; i < patterns.length; i++) {
            words[i] = Topics.hasWildcard(patterns[i]) ? patterns[i].split("\\.", -1) : null;
            filters[i] = byPattern.get(patterns[i]);
            any |= filters[i] != NONE;
        }
        return new SubscriberFilters(java.util.Collections.unmodifiableMap(byPattern), patterns, words, filters, any);
    }

    private static int cost(Filter f) {
        return f == NONE ? 0 : f.usesData() ? 2 : 1;
    }

    SubscriberFilters with(String pattern, Filter filter) {
        if (filter == null && byPattern.get(pattern) == NONE) {
            return this;
        }
        Map<String, Filter> next = new HashMap<>(byPattern);
        next.put(pattern, filter == null ? NONE : filter);
        return of(next);
    }

    SubscriberFilters without(String pattern) {
        if (!byPattern.containsKey(pattern)) {
            return this;
        }
        Map<String, Filter> next = new HashMap<>(byPattern);
        next.remove(pattern);
        return of(next);
    }

    /**
     * Whether the pattern {@code words} from {@code wi} matches {@code topic} from the word starting at {@code ti}
     * ({@code topic.length() + 1}: past the last word), as {@link Topics#matches} does, without allocating.
     */
    static boolean matches(String[] words, int wi, String topic, int ti) {
        return Topics.matches(words, wi, topic, ti);
    }

    boolean isEmpty() {
        return byPattern.isEmpty();
    }

    /** Whether a pattern of this subscriber that matches {@code topic} is unfiltered or accepts the input. */
    boolean accepts(String topic, FilterInput input) {
        for (int i = 0; i < patterns.length; i++) {
            String p = patterns[i];
            // the subscriber was matched, so a single pattern matches; a concrete one matches only itself
            boolean matches = patterns.length == 1 || p.equals(topic)
                    || (words[i] != null && matches(words[i], 0, topic, 0));
            if (matches && (filters[i] == NONE || filters[i].test(input))) {
                return true;
            }
        }
        return false;
    }
}

package dev.ferry.redis;

/**
 * The Lua scripts that make each topic operation atomic in Redis. A topic has a hash ({@code e}: epoch,
 * {@code o}: last offset) and, unless it keeps no history, a stream whose entry ids are {@code <offset>-0}
 * with fields {@code t} (server time, ms), {@code k} ({@code j}son or {@code b}inary) and {@code d} (data).
 */
final class Scripts {
    private Scripts() {
    }

    /** Shared helpers: the server time, age trimming, and the epoch check (history lost: new epoch). */
    private static final String COMMON = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function offset_of(id)
              return tonumber(string.match(id, '^(%d+)'))
            end
            -- drops entries older than ttl from the head of the stream; reads only the head entry when it is
            -- young enough (the common case), instead of a batch of entries with their data
            local function trim_age(stream, now, ttl)
              local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
              if #first == 0 or now - tonumber(first[1][2][2]) <= ttl then return end
              local cut = nil
              while true do
                local head = redis.call('XRANGE', stream, '-', '+', 'COUNT', 64)
                local more = #head == 64
                for _, e in ipairs(head) do
                  if now - tonumber(e[2][2]) > ttl then cut = offset_of(e[1]) else more = false; break end
                end
                if cut then redis.call('XTRIM', stream, 'MINID', (cut + 1) .. '-0') end
                if not more then break end
              end
            end
            -- the topic's epoch and offset; a new epoch (offsets from 0) when the hash or the stream is gone
            local function position(meta, stream, keeps, candidate)
              local epoch = redis.call('HGET', meta, 'e')
              local offset = tonumber(redis.call('HGET', meta, 'o') or '0')
              if epoch and keeps and offset > 0 and redis.call('EXISTS', stream) == 0 then
                epoch = false
              end
              if not epoch then
                if candidate == '' then return '', 0 end
                epoch = candidate
                offset = 0
                redis.call('DEL', stream)
                redis.call('HSET', meta, 'e', epoch, 'o', 0)
              end
              return epoch, offset
            end
            """;

    /**
     * Publish. KEYS: hash, stream, channel, and optionally the publication id's key. ARGV: kind, data, history size
     * (0: none), ttl ms, candidate epoch, and with the id's key how long it lives (ms).
     * Refuses a topic that is a state channel (its hash holds a document) with the error {@code STATE_CHANNEL}.
     * When the id's key exists (a retry of a publication made within its window), publishes nothing and returns the
     * {offset, epoch} the key holds. Otherwise assigns the next offset, appends to the stream (trimmed by count and
     * age), publishes {@code epoch LF offset LF kind data} on the channel, sets the id's key to
     * {@code epoch SP offset} (expiring after the window), and returns {offset, epoch}. Every refusal comes before
     * the first write.
     */
    static final String PUBLISH = COMMON + """
            local meta, stream, channel, pubid = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
            local size, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
            if redis.call('HEXISTS', meta, 'd') == 1 then return redis.error_reply('STATE_CHANNEL') end
            if pubid then
              local earlier = redis.call('GET', pubid)
              if earlier then
                local sep = string.find(earlier, ' ', 1, true)
                return {tonumber(string.sub(earlier, sep + 1)), string.sub(earlier, 1, sep - 1)}
              end
            end
            local epoch, offset = position(meta, stream, size > 0, ARGV[5])
            offset = offset + 1
            redis.call('HSET', meta, 'o', offset)
            if size > 0 then
              local now = now_ms()
              redis.call('XADD', stream, 'MAXLEN', size, offset .. '-0', 't', now, 'k', ARGV[1], 'd', ARGV[2])
              trim_age(stream, now, ttl)
            end
            redis.call('PUBLISH', channel, epoch .. '\\n' .. offset .. '\\n' .. ARGV[1] .. ARGV[2])
            if pubid then redis.call('SET', pubid, epoch .. ' ' .. offset, 'PX', ARGV[6]) end
            return {offset, epoch}
            """;

    /**
     * Read. KEYS: hash, stream. ARGV: after, before (0: latest + 1), limit, reverse (1/0), history size,
     * ttl ms, candidate epoch ('' to leave a topic never published to alone). Returns
     * {epoch ('' when none), offset, first retained, {offset, time, kind, data}...}.
     */
    static final String READ = COMMON + """
            local meta, stream = KEYS[1], KEYS[2]
            local after, before, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
            local reverse, size, ttl = ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6])
            local epoch, offset = position(meta, stream, size > 0, ARGV[7])
            local out = {epoch, offset, offset + 1}
            if epoch == '' or size == 0 then return out end
            trim_age(stream, now_ms(), ttl)
            local head = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
            if #head > 0 then out[3] = offset_of(head[1][1]) end
            if limit == 0 then return out end
            local entries
            if reverse then
              if before == 0 then before = offset + 1 end
              if before <= 1 then return out end
              entries = redis.call('XREVRANGE', stream, (before - 1) .. '-0', '-', 'COUNT', limit)
            else
              entries = redis.call('XRANGE', stream, (after + 1) .. '-0', '+', 'COUNT', limit)
            end
            for _, e in ipairs(entries) do
              table.insert(out, {offset_of(e[1]), tonumber(e[2][2]), e[2][4], e[2][6]})
            end
            return out
            """;

    /**
     * Clear a topic's history (docs/http-api.md, {@code DELETE /v1/admin/topics/{topic}/history}). KEYS: hash,
     * stream, channel. ARGV: the new epoch. Refuses a state channel with {@code STATE_CHANNEL}; a topic never
     * published to is left alone. Otherwise drops the stream and sets the new epoch at offset 0, so the next
     * publication is offset 1 of it. Returns how many publications the stream held.
     */
    static final String CLEAR = """
            local meta, stream = KEYS[1], KEYS[2]
            if redis.call('HEXISTS', meta, 'd') == 1 then return redis.error_reply('STATE_CHANNEL') end
            if redis.call('EXISTS', meta) == 0 then return 0 end
            local held = redis.call('XLEN', stream)
            redis.call('DEL', stream)
            redis.call('HSET', meta, 'e', ARGV[1], 'o', 0)
            return held
            """;

    /**
     * Read a state channel (docs/protocol.md §4.6). KEYS: hash, stream. ARGV: history size, ttl ms. The document
     * is the hash's field {@code d}, next to the epoch and offset it is the version of. Returns
     * {epoch ('' when none), offset, document or false}.
     */
    static final String STATE_READ = COMMON + """
            local meta, stream = KEYS[1], KEYS[2]
            local epoch, offset = position(meta, stream, tonumber(ARGV[1]) > 0, '')
            return {epoch, offset, redis.call('HGET', meta, 'd')}
            """;

    /**
     * Commit a state channel change. KEYS: hash, stream, channel. ARGV: patch (JSON), history size, ttl ms,
     * candidate epoch, expected epoch ('' for a topic that had none), expected offset, document. Only if the topic
     * is still at the expected epoch and offset: stores the document and publishes the patch exactly as PUBLISH
     * does (next offset, stream entry, channel message). Returns {1, epoch, new offset}, or {0, epoch, offset}
     * where the topic stands when it moved on.
     */
    static final String STATE_COMMIT = COMMON + """
            local meta, stream, channel = KEYS[1], KEYS[2], KEYS[3]
            local size, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
            local epoch, offset = position(meta, stream, size > 0, ARGV[4])
            local expected = ARGV[5]
            if (expected ~= '' and expected ~= epoch) or offset ~= tonumber(ARGV[6]) then
              return {0, epoch, offset}
            end
            offset = offset + 1
            redis.call('HSET', meta, 'o', offset, 'd', ARGV[7])
            if size > 0 then
              local now = now_ms()
              redis.call('XADD', stream, 'MAXLEN', size, offset .. '-0', 't', now, 'k', 'j', 'd', ARGV[1])
              trim_age(stream, now, ttl)
            end
            redis.call('PUBLISH', channel, epoch .. '\\n' .. offset .. '\\n' .. 'j' .. ARGV[1])
            return {1, epoch, offset}
            """;

    /**
     * A node has callees of a procedure. KEYS: the procedure's sorted set of nodes. ARGV: this node's id, how long
     * the registration lives (ms; the heartbeat renews it). The score is when it expires, in Redis time.
     */
    static final String REGISTER = COMMON + """
            redis.call('ZADD', KEYS[1], now_ms() + tonumber(ARGV[2]), ARGV[1])
            return false
            """;

    /**
     * Pick a node for a call. KEYS: the procedure's sorted set of nodes, its round-robin counter (one hash tag:
     * one slot). ARGV: this node's id. Forgets nodes whose registration expired; returns a live node other than
     * this one, round-robin, or false.
     */
    static final String PICK = COMMON + """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms())
            local members = redis.call('ZRANGE', KEYS[1], 0, -1)
            table.sort(members)
            local alive = {}
            for _, n in ipairs(members) do
              if n ~= ARGV[1] then table.insert(alive, n) end
            end
            if #alive == 0 then return false end
            local i = redis.call('INCR', KEYS[2])
            return alive[(i % #alive) + 1]
            """;
}

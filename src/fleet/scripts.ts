// The Lua scripts of the Redis stores. Redis runs a script alone (nothing interleaves), so each
// check-and-take below is atomic across every gw instance sharing the Redis. Counts are whole
// numbers (requests, tokens, ms); money travels as strings (Lua would round a float reply).
import { Script } from './redis-link.js';

/**
 * Sliding-window counters, the same semantics as MemoryRateCounter. Per counter two keys: a
 * sorted set (entry handle by time) and a hash ('s': the window's sum, 'n': the last handle,
 * one field per entry: its cost). KEYS: z1, h1, z2, h2, ...; ARGV: now, take (1) or peek (0),
 * then limit, windowMs, cost per counter. Reply: ok, refused (1-based, 0: none), waitMs (-1:
 * never), then the handles (when ok), remaining and resetMs of each counter.
 */
export const TAKE = new Script(`
local now = tonumber(ARGV[1])
local take = ARGV[2] == '1'
local n = #KEYS / 2
local sums = {}
local refused, wait = 0, 0
for i = 1, n do
  local z, h = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, win, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  local from = now - win
  local sum = tonumber(redis.call('HGET', h, 's') or '0')
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', from)
  if #old > 0 then
    for _, m in ipairs(old) do
      sum = sum - tonumber(redis.call('HGET', h, m) or '0')
      redis.call('HDEL', h, m)
    end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', from)
    if redis.call('ZCARD', z) == 0 then sum = 0 end
    redis.call('HSET', h, 's', sum)
  end
  sums[i] = sum
  if take and wait ~= -1 then
    local w = 0
    if cost > limit then
      w = -1
    elseif sum + cost > limit then
      w = -1
      local left = sum
      local entries = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
      for j = 1, #entries, 2 do
        left = left - tonumber(redis.call('HGET', h, entries[j]) or '0')
        if left + cost <= limit then
          w = tonumber(entries[j + 1]) + win - now
          break
        end
      end
    end
    if w == -1 or w > wait then
      wait = w
      refused = i
    end
  end
end
local ok = take and refused == 0
local out = { ok and 1 or 0, refused, wait }
for i = 1, n do
  local z, h = KEYS[2 * i - 1], KEYS[2 * i]
  local win, cost = tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if ok then
    local handle = redis.call('HINCRBY', h, 'n', 1)
    redis.call('ZADD', z, now, handle)
    sums[i] = sums[i] + cost
    redis.call('HSET', h, handle, cost, 's', sums[i])
    -- The hash outlives the entries by an hour so a late settle never meets a reused handle.
    redis.call('PEXPIRE', z, win)
    redis.call('PEXPIRE', h, win + 3600000)
    out[#out + 1] = handle
  end
end
for i = 1, n do
  local limit = tonumber(ARGV[3 * i])
  local left = limit - sums[i]
  if left < 0 then left = 0 end
  out[#out + 1] = left
end
for i = 1, n do
  local win = tonumber(ARGV[3 * i + 1])
  local first = redis.call('ZRANGE', KEYS[2 * i - 1], 0, 0, 'WITHSCORES')
  out[#out + 1] = first[2] and (tonumber(first[2]) + win - now) or 0
end
return out
`);

/** Replaces an entry's cost. KEYS: h; ARGV: handle, cost. A no-op once the entry left. */
export const SETTLE = new Script(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
local sum = tonumber(redis.call('HGET', KEYS[1], 's') or '0') + tonumber(ARGV[2]) - tonumber(old)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 's', sum)
return 1
`);

/**
 * A budget's check-and-hold, counting the fleet's spend in the same step. KEYS: held, spend;
 * ARGV: amount, budget, seed, heldTtlMs, spendTtlMs. A missing spend counter starts at `seed`
 * (what this instance's SQLite holds for the month). Holds when spend < budget and
 * spend + held + amount <= budget. Reply: 1 or 0, then the spend as a string.
 */
export const RESERVE = new Script(`
local spend = redis.call('GET', KEYS[2])
if not spend then
  spend = ARGV[3]
  redis.call('SET', KEYS[2], spend, 'PX', ARGV[5])
end
local s = tonumber(spend)
local budget, amount = tonumber(ARGV[2]), tonumber(ARGV[1])
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if s >= budget or s + held + amount > budget then return { 0, spend } end
redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return { 1, spend }
`);

/** Gives back a hold. KEYS: held; ARGV: amount. Drops the key at (about) zero. */
export const RELEASE = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local left = tonumber(redis.call('INCRBYFLOAT', KEYS[1], '-' .. ARGV[1]))
if left <= 1e-12 then redis.call('DEL', KEYS[1]) end
return 1
`);

/**
 * Adds a recorded cost to the fleet's spend. KEYS: spend; ARGV: usd. Only to a counter that
 * exists: a missing one is seeded from SQLite (which already holds this cost) at the next hold.
 */
export const ADD_SPEND = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
return 1
`);

-- The gate: one atomic step per request (window, duplicate user, quantity, PENDING status, hold)
-- for many users of one coupon in one call, in order, each seeing the effect of those before it:
-- the issue requests that arrived in one turn of the gateway's event loop, or a bulk grant's
-- users. Checks come before any write, so a refused request changes nothing.
-- KEYS: gate hash, reserved counter, requesters set, holds, seq, then one status hash per user
-- ARGV: now (epoch ms), status TTL (s), then per user: userId, eventId
-- Returns one code per user: 1 reserved; 2 already held by this same request (a resumed or
-- repeated grant: produce it again, the processor keys it by event id); -1 unknown coupon;
-- -2 outside window; -3 requested by another request; -4 sold out.
local n = (#ARGV - 2) / 2
local codes = {}
local function every(code)
  for i = 1, n do codes[i] = code end
  return codes
end
local gate = redis.call('HMGET', KEYS[1], 'total', 'startsAt', 'endsAt')
local total = tonumber(gate[1])
if not total then return every(-1) end
local now = tonumber(ARGV[1])
local endsAt = tonumber(gate[3]) or 0
if now < (tonumber(gate[2]) or 0) or (endsAt > 0 and now >= endsAt) then return every(-2) end
local reserved = tonumber(redis.call('GET', KEYS[2])) or 0
-- The requesters and holds of the reserved users are added at the end, in one SADD and one ZADD
-- (each user's own commands are most of a grant's Redis time, and every write is a line of the
-- append-only file); `added` answers for them meanwhile, for a user twice in one call.
local added, users, holds = {}, {}, {}
for i = 1, n do
  local user, event, status = ARGV[1 + 2 * i], ARGV[2 + 2 * i], KEYS[5 + i]
  if added[user] or redis.call('SISMEMBER', KEYS[3], user) == 1 then
    if redis.call('HGET', status, 'eventId') == event or redis.call('ZSCORE', KEYS[4], user .. ':' .. event) then
      codes[i] = 2
    else
      codes[i] = -3
    end
  elseif reserved + #users >= total then
    codes[i] = -4
  else
    redis.call('DEL', status)
    redis.call('HSET', status, 'status', 'PENDING', 'eventId', event, 'heldAt', ARGV[1])
    redis.call('EXPIRE', status, ARGV[2])
    added[user] = true
    users[#users + 1] = user
    holds[#holds + 1] = ARGV[1]
    holds[#holds + 1] = user .. ':' .. event
    codes[i] = 1
  end
end
-- unpack() is bounded by Lua's C stack (8,000 values): the arguments go in slices well below it.
local function variadic(command, key, values, step)
  for from = 1, #values, step do
    redis.call(command, key, unpack(values, from, math.min(from + step - 1, #values)))
  end
end
if #users > 0 then
  variadic('SADD', KEYS[3], users, 4000)
  variadic('ZADD', KEYS[4], holds, 4000)
  redis.call('INCRBY', KEYS[2], #users)
  -- One bump voids a reconciler's snapshot as surely as one per user would.
  redis.call('INCR', KEYS[5])
end
return codes

-- The gate: one atomic step per request (window, duplicate user, quantity, PENDING status, hold)
-- for many users of one coupon in one call, in order, each seeing the effect of those before it:
-- the issue requests that arrived in one turn of the gateway's event loop, or a bulk grant's
-- users. Checks come before any write, so a refused request changes nothing.
-- A request's PENDING status is the user's field in the coupon's statuses hash, one string
-- (schemas/status-value.ts). A grant's users get no status: the coupon's grants hash records which
-- grant holds each of them, by the grant's short code in the grant-codes hash, and the status
-- endpoint answers them from it and the ledger (docs/gate.md).
-- KEYS: gate hash, reserved counter, requesters set, holds, seq, then either the statuses hash
--       (requests) or the grants hash and the grant-codes hash (a grant)
-- ARGV: now (epoch ms), status TTL (s), grant id ('' for requests), '1' if the grant's holds name
--       its code ('grant-user' event ids, which the grant and the user give) else '', then per
--       user: userId, eventId ('' where the holds name the code: the grant and the user name the
--       request, so two of one user in a call are the same request)
-- Returns one code per user: 1 reserved; 2 already held by this same request (a resumed or
-- repeated grant: produce it again, the processor keys it by event id); -1 unknown coupon;
-- -2 outside window; -3 requested by another request; -4 sold out.
local n = (#ARGV - 4) / 2
local grant = ARGV[3]
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
-- The grant's code, '#' and a number (no grant id has a '#'): what its users' fields hold, and
-- its holds' members where ARGV[4] says so (a grant id is up to 64 bytes, an event id 36, a code a
-- few; each is written once per user, and again to the append-only file). The field '#' counts
-- the codes given. No TTL: a hold may name the code as long as the hold lives.
local code
if grant ~= '' then
  code = redis.call('HGET', KEYS[7], grant)
  if not code then
    code = '#' .. redis.call('HINCRBY', KEYS[7], '#', 1)
    redis.call('HSET', KEYS[7], grant, code, code, grant)
  end
end
local function holdOf(user, event)
  if ARGV[4] == '1' then return user .. ':' .. code end
  return user .. ':' .. event
end
-- Whether a requester's request is this very one, once its hold is settled: a request's status
-- carries its event id (after the state's initial, up to a tab); the grants hash names the grant
-- of a grant's user (release.lua removes the user's field with the user, so a field left there is
-- the user's request) — by its code, or by its id where a gateway before the codes wrote it.
local function sameRequest(user, event)
  local named = redis.call('HGET', KEYS[6], user)
  if grant == '' then return named ~= false and string.match(named, '^.([^\t]+)\t') == event end
  return named == code or named == grant
end
-- The requesters, holds (and PENDING statuses or grant users) of the reserved users are added at
-- the end, in one SADD, one ZADD and one HSET (each user's own commands are most of a grant's
-- Redis time, and every write is a line of the append-only file); `added` answers for them
-- meanwhile, for a user twice in one call: the same request (HELD) or another one.
local added, users, holds, fields = {}, {}, {}, {}
-- unpack() is bounded by Lua's C stack (8,000 values): variadic commands go in slices well below it.
local function sliced(command, key, values, step)
  local replies = {}
  for from = 1, #values, step do
    local reply = redis.call(command, key, unpack(values, from, math.min(from + step - 1, #values)))
    if type(reply) == 'table' then
      for j = 1, #reply do replies[from + j - 1] = reply[j] end
    end
  end
  return replies
end
-- Whether each user had requested before this call, in one SMISMEMBER instead of a SISMEMBER
-- each: Redis's CPU for a grant's users through this script went from 4.7 to 4.45 µs a user.
local candidates = {}
for i = 1, n do candidates[i] = ARGV[3 + 2 * i] end
local requestedBefore = sliced('SMISMEMBER', KEYS[3], candidates, 4000)
for i = 1, n do
  local user, event = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local earlier = added[user]
  if earlier or requestedBefore[i] == 1 then
    if earlier == event or (not earlier and (redis.call('ZSCORE', KEYS[4], holdOf(user, event)) or sameRequest(user, event))) then
      codes[i] = 2
    else
      codes[i] = -3
    end
  elseif reserved + #users >= total then
    codes[i] = -4
  else
    fields[#fields + 1] = user
    if grant == '' then
      fields[#fields + 1] = 'P' .. event .. '\t' .. ARGV[1]
    else
      fields[#fields + 1] = code
    end
    added[user] = event
    users[#users + 1] = user
    holds[#holds + 1] = ARGV[1]
    holds[#holds + 1] = holdOf(user, event)
    codes[i] = 1
  end
end
if #users > 0 then
  sliced('SADD', KEYS[3], users, 4000)
  sliced('ZADD', KEYS[4], holds, 4000)
  -- The statuses hash (requests) or the grants hash (a grant), whose TTL runs from its last write.
  sliced('HSET', KEYS[6], fields, 4000)
  redis.call('EXPIRE', KEYS[6], ARGV[2])
  redis.call('INCRBY', KEYS[2], #users)
  -- One bump voids a reconciler's snapshot as surely as one per user would.
  redis.call('INCR', KEYS[5])
end
return codes

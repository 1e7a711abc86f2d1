-- A consistent picture of one coupon's gate, taken before the evidence is read: the fix computed
-- from it is applied only if seq has not moved since (apply.lua).
-- KEYS: gate hash, reserved counter, requesters set, holds, seq, grant-codes hash
-- ARGV: 'members' to include the requesters (a full reconcile); anything else leaves them out (the
-- drift gauge and hold settling need only the counters and holds, and a large sale's requesters
-- would keep Redis busy for the whole SMEMBERS).
-- Returns { seq, reserved, gate exists (0/1), requesters..., '|', member, score, member, score ...,
-- '|', grant-codes field, value ... } (a grant's hold names the grant's code: the codes name the grant)
local out = { tonumber(redis.call('GET', KEYS[5])) or 0, tonumber(redis.call('GET', KEYS[2])) or 0, redis.call('EXISTS', KEYS[1]) }
if ARGV[1] == 'members' then
  for _, user in ipairs(redis.call('SMEMBERS', KEYS[3])) do out[#out + 1] = user end
end
out[#out + 1] = '|'
for _, v in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')) do out[#out + 1] = v end
out[#out + 1] = '|'
for _, v in ipairs(redis.call('HGETALL', KEYS[6])) do out[#out + 1] = v end
return out

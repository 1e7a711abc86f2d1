-- Writes a coupon's accounting (reconcile --fix, rebuild) if nothing was reserved or released since
-- the snapshot it was computed from; re-creates the gate hash when asked and it is missing, in the
-- same step, so the coupon starts accepting requests only with its accounting in place.
-- KEYS: gate hash, reserved counter, requesters set, seq
-- ARGV: snapshot seq, reserved, total ('' = leave the gate hash alone), startsAt, endsAt, user ids...
-- Returns 1 applied, 0 seq moved (nothing written).
if (tonumber(redis.call('GET', KEYS[4])) or 0) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
local batch = {}
for i = 6, #ARGV do
  batch[#batch + 1] = ARGV[i]
  if #batch == 1000 then
    redis.call('SADD', KEYS[3], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then redis.call('SADD', KEYS[3], unpack(batch)) end
if ARGV[3] ~= '' and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'total', ARGV[3], 'startsAt', ARGV[4], 'endsAt', ARGV[5])
end
-- The fix itself is a change a concurrent snapshot must not overwrite.
redis.call('INCR', KEYS[4])
return 1

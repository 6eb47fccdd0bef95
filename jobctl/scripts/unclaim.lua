-- unclaim: give back a job this worker claimed but will not run (it is stopping), putting it
-- back at the head of its queue. A job the claim also started (same round trip, see
-- _claim.lua) goes back to queued when it is still under that start's token; a job started
-- otherwise, reaped or re-claimed is left alone.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] queue list   KEYS[4] wake list
-- ARGV[1] job id   ARGV[2] the token the claim started it under, or "" if it did not
-- Returns 1 when the job went back to its queue, else 0.
local status = redis.call('HGET', KEYS[1], 'status')
if ARGV[2] ~= '' and status == 'started' then
  if redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then
    return 0
  end
  redis.call('HSET', KEYS[1], 'status', 'queued')
  redis.call('HDEL', KEYS[1], 'started_at', 'worker', 'token')
  local ttl = redis.call('HGET', KEYS[1], 'ttl')
  if ttl and tonumber(ttl) and tonumber(ttl) > 0 then
    redis.call('EXPIRE', KEYS[1], ttl) -- starting it had lifted its queue ttl
  end
  status = 'queued'
end
if status ~= 'queued' or redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('LPUSH', KEYS[4], '1')
redis.call('LTRIM', KEYS[4], 0, 0)
return 1

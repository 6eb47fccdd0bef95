-- cancel: take a job that has not started out of its queue or registry and keep it as canceled.
-- KEYS[1] job hash   KEYS[2] queue list   KEYS[3] deferred zset   KEYS[4] scheduled zset
-- KEYS[5] canceled zset
-- ARGV[1] job id   ARGV[2] now   ARGV[3] seconds to keep it (-1 forever)
-- Returns {"ok"} | {"missing"} | {"bad", status}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {'missing'}
end
if status ~= 'queued' and status ~= 'deferred' and status ~= 'scheduled' then
  return {'bad', status}
end
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'canceled', 'ended_at', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl == -1 then
  redis.call('PERSIST', KEYS[1])
  redis.call('ZADD', KEYS[5], '+inf', ARGV[1])
else
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[5], tonumber(ARGV[2]) + ttl, ARGV[1])
end
return {'ok'}

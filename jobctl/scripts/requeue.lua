-- requeue: put a failed, stopped or canceled job back at the end (or front) of its queue.
-- KEYS[1] job hash   KEYS[2] queue list   KEYS[3] wake list   KEYS[4] failed zset
-- KEYS[5] canceled zset   KEYS[6] queues set
-- ARGV[1] job id   ARGV[2] now   ARGV[3] "1" for the front   ARGV[4] queue name
-- Returns {"ok"} | {"missing"} | {"bad", status}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return {'missing'}
end
if status ~= 'failed' and status ~= 'stopped' and status ~= 'canceled' then
  return {'bad', status}
end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'queued', 'enqueued_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'exc_info', 'ended_at', 'started_at', 'worker', 'token', 'result')
redis.call('PERSIST', KEYS[1])
if ARGV[3] == '1' then
  redis.call('LPUSH', KEYS[2], ARGV[1])
else
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
redis.call('LPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], 0, 0)
redis.call('SADD', KEYS[6], ARGV[4])
return {'ok'}

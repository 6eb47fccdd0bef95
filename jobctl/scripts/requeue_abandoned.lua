-- requeue_abandoned: put a job whose worker died back in its queue, if the execution that was
-- leased is still the one recorded (token) and the job has not been requeued too often.
-- A job claimed but never started (no token) always goes back: it never ran.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] queue list   KEYS[4] wake list
-- ARGV[1] job id   ARGV[2] token seen when the lease was found expired ("" if none)
-- ARGV[3] now   ARGV[4] cap on requeues of abandoned runs (0 = only never-started jobs)
-- Returns {"requeued"} | {"fenced"} | {"capped"} | {"gone"}
local job, started = KEYS[1], KEYS[2]
if redis.call('EXISTS', job) == 0 then
  redis.call('ZREM', started, ARGV[1])
  return {'gone'}
end
local token = redis.call('HGET', job, 'token') or ''
if token ~= ARGV[2] or redis.call('ZSCORE', started, ARGV[1]) == false then
  return {'fenced'}
end
if token ~= '' then
  local count = tonumber(redis.call('HGET', job, 'abandoned') or '0')
  if count >= tonumber(ARGV[4]) then
    return {'capped'}
  end
  redis.call('HINCRBY', job, 'abandoned', 1)
end
redis.call('ZREM', started, ARGV[1])
redis.call('HSET', job, 'status', 'queued', 'enqueued_at', ARGV[3])
redis.call('HDEL', job, 'token', 'worker', 'started_at')
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('LPUSH', KEYS[4], '1')
redis.call('LTRIM', KEYS[4], 0, 0)
return {'requeued'}

-- fail: record a job's failure or stop, if this execution still owns it; retry it when it has
-- retries left, else keep it in the failed registry and release dependents that allow failure.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] failed zset   KEYS[4] worker hash
-- KEYS[5] the job's dependents set   KEYS[6] queue list   KEYS[7] wake list
-- KEYS[8] scheduled zset   KEYS[9] this minute's failed counter
-- KEYS[10..] dependent groups (see _dependents.lua)
-- ARGV[1] job id   ARGV[2] execution token ("" settles whatever execution owns it)
-- ARGV[3] now   ARGV[4] failure_ttl (-1 keeps forever)   ARGV[5] status: failed | stopped
-- ARGV[6] traceback text   ARGV[7] worker name or ""
-- ARGV[8] retry delay in seconds, or "" for no retry   ARGV[9] number of dependents
-- ARGV[10..] dependent groups
-- Returns {"failed", released ids...} | {"retried", status} | {"fenced"} | {"gone"} | {"dependents"}
local job, started, failed, worker, dependents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local job_id, now, ttl = ARGV[1], ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', job) == 0 then
  redis.call('ZREM', started, job_id)
  return {'gone'}
end
if ARGV[2] ~= '' and redis.call('HGET', job, 'token') ~= ARGV[2] then
  return {'fenced'}
end
local retries_left = tonumber(redis.call('HGET', job, 'retries_left') or '0')
local retry = ARGV[8] ~= '' and retries_left > 0
local ndependents = tonumber(ARGV[9])
if not retry and not dependents_match(dependents, 10, ndependents) then
  return {'dependents'}
end
if ARGV[7] ~= '' then
  redis.call('HSET', worker, 'state', 'idle', 'current_job', '')
  redis.call('HINCRBY', worker, 'failed', 1)
end
redis.call('ZREM', started, job_id)
if retry then
  redis.call('HSET', job, 'retries_left', retries_left - 1, 'exc_info', ARGV[6])
  redis.call('HDEL', job, 'token', 'worker')
  if tonumber(ARGV[8]) <= 0 then
    redis.call('HSET', job, 'status', 'queued', 'enqueued_at', now)
    redis.call('RPUSH', KEYS[6], job_id)
    redis.call('LPUSH', KEYS[7], '1')
    redis.call('LTRIM', KEYS[7], 0, 0)
    return {'retried', 'queued'}
  end
  redis.call('HSET', job, 'status', 'scheduled')
  redis.call('ZADD', KEYS[8], tonumber(now) + tonumber(ARGV[8]), job_id)
  return {'retried', 'scheduled'}
end
redis.call('HSET', job, 'status', ARGV[5], 'ended_at', now, 'exc_info', ARGV[6])
redis.call('INCR', KEYS[9])
redis.call('EXPIRE', KEYS[9], 3600)
local released = release_dependents(10, 10, ndependents, now)
for _, id in ipairs(released) do
  redis.call('SREM', dependents, id)
end
if ttl == 0 then
  redis.call('DEL', job)
else
  expire_or_persist(job, ttl)
  if redis.call('EXISTS', dependents) == 1 then
    expire_or_persist(dependents, ttl)
  end
  redis.call('ZADD', failed, expiry_score(now, ttl), job_id)
end
table.insert(released, 1, 'failed')
return released

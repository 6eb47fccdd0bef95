-- finish: record a job's success, if this execution still owns it, and release its dependents.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] finished zset   KEYS[4] worker hash
-- KEYS[5] the job's dependents set   KEYS[6] this minute's finished counter
-- KEYS[7..] dependent groups (see _dependents.lua)
-- ARGV[1] job id   ARGV[2] execution token   ARGV[3] now   ARGV[4] result_ttl (-1 keeps forever)
-- ARGV[5] serialized result   ARGV[6] worker name or ""   ARGV[7] number of dependents
-- ARGV[8..] dependent groups
-- Returns {"ok", released ids...} | {"fenced"} | {"gone"} | {"dependents"}
local job, started, finished, worker, dependents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local job_id, now, ttl = ARGV[1], ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', job) == 0 then
  redis.call('ZREM', started, job_id)
  return {'gone'}
end
-- No token: the job was requeued after its lease expired (and may be claimed again already).
if redis.call('HGET', job, 'token') ~= ARGV[2] then
  return {'fenced'}
end
local ndependents = tonumber(ARGV[7])
if not dependents_match(dependents, 8, ndependents) then
  return {'dependents'}
end
local started_at = tonumber(redis.call('HGET', job, 'started_at') or now)
redis.call('HSET', job, 'status', 'finished', 'ended_at', now, 'result', ARGV[5])
redis.call('HDEL', job, 'exc_info')
redis.call('ZREM', started, job_id)
if ARGV[6] ~= '' then
  redis.call('HSET', worker, 'state', 'idle', 'current_job', '')
  redis.call('HINCRBY', worker, 'successful', 1)
  redis.call('HINCRBYFLOAT', worker, 'working_time', tonumber(now) - started_at)
end
redis.call('INCR', KEYS[6])
redis.call('EXPIRE', KEYS[6], 3600)
local released = release_dependents(7, 8, ndependents, now)
redis.call('DEL', dependents)
if ttl == 0 then
  redis.call('DEL', job)
else
  expire_or_persist(job, ttl)
  redis.call('ZADD', finished, expiry_score(now, ttl), job_id)
end
table.insert(released, 1, 'ok')
return released

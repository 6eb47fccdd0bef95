-- fail: record a job's failure or stop, if this execution still owns it; retry it when it has
-- retries left, else keep it in the failed registry and release dependents that allow failure;
-- then (optionally) claim the worker's next job in the same round trip.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] failed zset   KEYS[4] dependents set
-- KEYS[5] queue list   KEYS[6] wake list   KEYS[7] scheduled zset
-- KEYS[8..] dependent groups (see _dependents.lua), then a claim group (see _claim.lua)
-- ARGV[1] job id   ARGV[2] execution token ("" settles whatever execution owns it)
-- ARGV[3] now   ARGV[4] failure_ttl (-1 keeps forever)   ARGV[5] status: failed | stopped
-- ARGV[6] traceback text   ARGV[7] retry delay in seconds, or "" for no retry
-- ARGV[8] number of dependents   ARGV[9] queues to claim from (0: none)
-- ARGV[10..] dependent groups, then the claim group
-- Returns {"failed", claim, released ids...} | {"retried", claim, new status} | {"fenced"}
--       | {"gone"} | {"resent", claim} (a resend of an attempt that did settle; see _claim.lua)
--       (claim: see claim_next in _claim.lua; "" when nothing was claimed)
--       | {"dependents"} (the dependents set changed: read it again and retry)
local job, started, failed, dependents = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local job_id, now, ttl = ARGV[1], ARGV[3], tonumber(ARGV[4])
local ndependents, nclaim = tonumber(ARGV[8]), tonumber(ARGV[9])
if redis.call('EXISTS', job) == 0 then
  redis.call('ZREM', started, job_id)
  return unsettled_reply('gone', nclaim)
end
if ARGV[2] ~= '' and redis.call('HGET', job, 'token') ~= ARGV[2] then
  return unsettled_reply('fenced', nclaim)
end
local retries_left = tonumber(redis.call('HGET', job, 'retries_left') or '0')
local retry = ARGV[7] ~= '' and retries_left > 0
if not retry and not dependents_match(dependents, 10, ndependents) then
  return {'dependents'}
end
redis.call('ZREM', started, job_id)
if retry then
  redis.call('HSET', job, 'retries_left', retries_left - 1, 'exc_info', ARGV[6])
  redis.call('HDEL', job, 'token', 'worker')
  local status = 'scheduled'
  if tonumber(ARGV[7]) <= 0 then
    status = 'queued'
    redis.call('HSET', job, 'status', status, 'enqueued_at', now)
    redis.call('RPUSH', KEYS[5], job_id)
    redis.call('LPUSH', KEYS[6], '1')
    redis.call('LTRIM', KEYS[6], 0, 0)
  else
    redis.call('HSET', job, 'status', status)
    redis.call('ZADD', KEYS[7], tonumber(now) + tonumber(ARGV[7]), job_id)
  end
  return settled_reply('retried', nclaim, {status})
end
redis.call('HSET', job, 'status', ARGV[5], 'ended_at', now, 'exc_info', ARGV[6])
local released = {}
if ndependents > 0 then
  released = release_dependents(8, 10, ndependents, now)
  for _, id in ipairs(released) do
    redis.call('SREM', dependents, id)
  end
end
if ttl == 0 then
  redis.call('DEL', job)
else
  expire_or_persist(job, ARGV[4])
  if ndependents > 0 and redis.call('EXISTS', dependents) == 1 then
    expire_or_persist(dependents, ARGV[4])
  end
  redis.call('ZADD', failed, expiry_score(now, ttl), job_id)
end
return settled_reply('failed', nclaim, released)

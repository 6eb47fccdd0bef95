-- finish: record a job's success, if this execution still owns it, release its dependents,
-- and (optionally) claim the worker's next job in the same round trip.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] finished zset   KEYS[4] dependents set
-- KEYS[5..] dependent groups (see _dependents.lua), then a claim group (see _claim.lua)
-- ARGV[1] job id   ARGV[2] execution token   ARGV[3] now   ARGV[4] result_ttl (-1: forever)
-- ARGV[5] serialized result   ARGV[6] number of dependents   ARGV[7] queues to claim from (0: none)
-- ARGV[8..] dependent groups, then the claim group
-- Returns {"ok", claim, released ids...} | {"fenced"} | {"gone"}
--       | {"resent", claim} (a resend of an attempt that did settle; see _claim.lua)
--       | {"dependents"} (the dependents set changed: read it again and retry)
-- (claim: see claim_next in _claim.lua; "" when nothing was claimed)
local job, started, finished, dependents = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local job_id, now, ttl = ARGV[1], ARGV[3], tonumber(ARGV[4])
local ndependents, nclaim = tonumber(ARGV[6]), tonumber(ARGV[7])
if redis.call('HGET', job, 'token') ~= ARGV[2] then
  if redis.call('EXISTS', job) == 0 then
    redis.call('ZREM', started, job_id)
    return unsettled_reply('gone', nclaim)
  end
  -- No token or another one: the job was requeued after its lease expired (maybe claimed
  -- again).
  return unsettled_reply('fenced', nclaim)
end
if not dependents_match(dependents, 8, ndependents) then
  return {'dependents'}
end
redis.call('HSET', job, 'status', 'finished', 'ended_at', now, 'result', ARGV[5])
-- The token has done its work (a late settle with it is fenced whether it is kept or not);
-- dropping it keeps less per finished job.
redis.call('HDEL', job, 'exc_info', 'token')
redis.call('ZREM', started, job_id)
local released = {}
if ndependents > 0 then
  released = release_dependents(5, 8, ndependents, now)
  redis.call('DEL', dependents)
end
if ttl == 0 then
  redis.call('DEL', job)
else
  expire_or_persist(job, ARGV[4])
  redis.call('ZADD', finished, expiry_score(now, ttl), job_id)
end
-- The token matched, so no earlier attempt of this call ran: it is not a resend.
return settled_reply('ok', nclaim, released, true)

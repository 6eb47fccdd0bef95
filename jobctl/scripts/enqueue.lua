-- enqueue: create a job and queue it, schedule it for later, or defer it behind unfinished
-- dependencies.
-- KEYS[1] job hash            KEYS[2] queue list          KEYS[3] queues set
-- KEYS[4] queue's wake list   KEYS[5] queue's deferred zset   KEYS[6] queue's scheduled zset
-- KEYS[7+2i] dependency i's hash, KEYS[8+2i] dependency i's dependents set (i = 0..n-1)
-- ARGV[1] job id   ARGV[2] queue name   ARGV[3] "1" to push at the front
-- ARGV[4] ttl seconds or ""   ARGV[5] now   ARGV[6] "1" when dependency failure is allowed
-- ARGV[7] due time (epoch seconds) or "" to queue now
-- ARGV[8] number of field pairs N, ARGV[9 .. 8+2N] field, value, ...
-- ARGV[9+2N+i] dependency i's id
-- ARGV[last] "1" when jobctl generated the id (128 random bits), "0" when the caller chose it
-- Returns {"ok", status} | {"exists", status} | {"missing", dependency id}
if redis.call('EXISTS', KEYS[1]) == 1 then
  local status = redis.call('HGET', KEYS[1], 'status') or ''
  if ARGV[#ARGV] == '1' then
    -- A generated id cannot collide: this is our own request, resent after its reply was
    -- lost (redis-py resends once on a dropped connection). Report what the first did.
    return {'ok', status}
  end
  return {'exists', status}
end
local npairs = tonumber(ARGV[8])
local ndeps = (#KEYS - 6) / 2
local allow_failure = ARGV[6] == '1'
local pending = {}
for i = 0, ndeps - 1 do
  local status = redis.call('HGET', KEYS[7 + 2 * i], 'status')
  local dep_id = ARGV[9 + 2 * npairs + i]
  if not status then
    return {'missing', dep_id}
  end
  local satisfied = status == 'finished' or (allow_failure and
    (status == 'failed' or status == 'stopped' or status == 'canceled'))
  if not satisfied then
    pending[#pending + 1] = i
  end
end
local status = 'queued'
if #pending > 0 then
  status = 'deferred'
elseif ARGV[7] ~= '' then
  status = 'scheduled'
end
-- One HSET with every field and the status. No enqueued_at: for a job queued at once it
-- equals created_at, which readers fall back to (about 30 bytes less per job).
local fields = {}
for i = 9, 8 + 2 * npairs do
  fields[#fields + 1] = ARGV[i]
end
fields[#fields + 1] = 'status'
fields[#fields + 1] = status
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SADD', KEYS[3], ARGV[2])
if status == 'deferred' then
  for _, i in ipairs(pending) do
    redis.call('SADD', KEYS[8 + 2 * i], ARGV[1])
  end
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
elseif status == 'scheduled' then
  redis.call('ZADD', KEYS[6], ARGV[7], ARGV[1])
else
  if ARGV[3] == '1' then
    redis.call('LPUSH', KEYS[2], ARGV[1])
  else
    redis.call('RPUSH', KEYS[2], ARGV[1])
  end
  redis.call('LPUSH', KEYS[4], '1')
  redis.call('LTRIM', KEYS[4], 0, 0)
end
if ARGV[4] ~= '' then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return {'ok', status}

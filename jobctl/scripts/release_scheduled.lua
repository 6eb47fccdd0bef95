-- release_scheduled: move due jobs from a scheduled registry into their queue, each exactly once
-- (ZREM succeeds for one caller only, so two schedulers cannot both queue a job).
-- KEYS[1] scheduled zset   KEYS[2] queue list   KEYS[3] wake list   KEYS[4+i] job i's hash
-- ARGV[1] now   ARGV[1+i+1] job i's id  (ARGV[2..])
-- Returns the number of jobs queued.
local moved = 0
for i = 2, #ARGV do
  local job_id = ARGV[i]
  local job = KEYS[2 + i]
  local score = redis.call('ZSCORE', KEYS[1], job_id)
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[1], job_id)
    if redis.call('EXISTS', job) == 1 then
      redis.call('HSET', job, 'status', 'queued', 'enqueued_at', ARGV[1])
      redis.call('RPUSH', KEYS[2], job_id)
      moved = moved + 1
    end
  end
end
if moved > 0 then
  redis.call('LPUSH', KEYS[3], '1')
  redis.call('LTRIM', KEYS[3], 0, 0)
end
return moved

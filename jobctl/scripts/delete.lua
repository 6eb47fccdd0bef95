-- delete: remove a job from wherever it is and forget it.
-- KEYS[1] job hash   KEYS[2] its dependents set   KEYS[3] queue list
-- KEYS[4..9] started, finished, failed, canceled, deferred, scheduled zsets
-- KEYS[10..] dependents sets of the job's dependencies (so they stop waiting on it)
-- ARGV[1] job id
-- Returns 1 if the job existed, else 0.
local existed = redis.call('EXISTS', KEYS[1])
redis.call('LREM', KEYS[3], 0, ARGV[1])
for i = 4, 9 do
  redis.call('ZREM', KEYS[i], ARGV[1])
end
for i = 10, #KEYS do
  redis.call('SREM', KEYS[i], ARGV[1])
end
redis.call('DEL', KEYS[1], KEYS[2])
return existed

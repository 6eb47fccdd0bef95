-- claim: move the next job id of the first non-paused queue into its started registry.
-- Ownership passes in one step: at every instant the id is either queued or leased.
-- KEYS[1] paused set   KEYS[2] suspended flag
-- KEYS[3+3i] queue i's list, KEYS[4+3i] its started zset, KEYS[5+3i] its wake list
-- ARGV[1] lease expiry (score)   ARGV[2+i] queue i's name
-- Returns {queue name, job id} or nil when nothing can be claimed.
if redis.call('EXISTS', KEYS[2]) == 1 then
  return nil
end
local nqueues = (#KEYS - 2) / 3
for i = 0, nqueues - 1 do
  local name = ARGV[2 + i]
  if redis.call('SISMEMBER', KEYS[1], name) == 0 then
    local job_id = redis.call('LPOP', KEYS[3 + 3 * i])
    if job_id then
      redis.call('ZADD', KEYS[4 + 3 * i], ARGV[1], job_id)
      if redis.call('LLEN', KEYS[3 + 3 * i]) > 0 then
        redis.call('LPUSH', KEYS[5 + 3 * i], '1')
        redis.call('LTRIM', KEYS[5 + 3 * i], 0, 0)
      end
      return {name, job_id}
    end
  end
end
return nil

-- Shared prelude: claiming the next job. Used by claim.lua on its own and by finish.lua and
-- fail.lua, which settle one job and claim the next in the same round trip.
-- The claim group is the LAST part of KEYS and ARGV (its size is known from nqueues):
--   KEYS: paused set, suspended flag, then per queue: its list, its started zset, its wake list
--   ARGV: lease expiry (score), then each queue's name, in priority order
-- A job id moves from its queue into the started registry in one step, so at every instant it
-- is either queued or leased.

local function claim_next(nqueues)
  if nqueues == 0 then
    return nil
  end
  local first_key = #KEYS - (2 + 3 * nqueues) + 1
  local first_arg = #ARGV - nqueues
  if redis.call('EXISTS', KEYS[first_key + 1]) == 1 then
    return nil -- every worker is suspended
  end
  local any_paused = redis.call('SCARD', KEYS[first_key]) > 0
  for i = 0, nqueues - 1 do
    local name = ARGV[first_arg + 1 + i]
    if not any_paused or redis.call('SISMEMBER', KEYS[first_key], name) == 0 then
      local queue = KEYS[first_key + 2 + 3 * i]
      local job_id = redis.call('LPOP', queue)
      if job_id then
        redis.call('ZADD', KEYS[first_key + 3 + 3 * i], ARGV[first_arg], job_id)
        if redis.call('LLEN', queue) > 0 then
          local wake = KEYS[first_key + 4 + 3 * i]
          redis.call('LPUSH', wake, '1')
          redis.call('LTRIM', wake, 0, 0)
        end
        return {name, job_id}
      end
    end
  end
  return nil
end

-- The reply of a settling script: {verdict, claimed queue, claimed id, extra...}, claiming the
-- next job first ({"", ""} when nothing was claimed or nqueues is 0).
local function settled_reply(verdict, nqueues, extra)
  local claimed = claim_next(nqueues) or {'', ''}
  local reply = {verdict, claimed[1], claimed[2]}
  for _, value in ipairs(extra) do
    reply[#reply + 1] = value
  end
  return reply
end

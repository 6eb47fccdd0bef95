-- Shared prelude: claiming the next job, and starting it in the same step when the worker
-- already holds its key. Used by claim.lua and start.lua on their own and by finish.lua and
-- fail.lua, which settle one job and claim the next in the same round trip.
-- The claim group is the LAST part of KEYS and ARGV (its size is known from nqueues and its
-- last ARGV, the number of candidates c):
--   KEYS: paused set, suspended flag, the worker's hash, then per queue: its list, its started
--         zset, its wake list; then c candidate job hashes
--   ARGV: lease expiry (score), each queue's name in priority order, the execution token for
--         the claimed job, the worker's name, now, the c candidate job ids, then c
-- A job id moves from its queue into the started registry in one step, so at every instant it
-- is either queued or leased. Candidates are the ids that stood at the head of the queue when
-- the worker last claimed (a peek, not a claim: other workers may take them). When the id
-- popped is one of them, its hash is a declared key, so the job is started here too and a
-- busy worker pays one round trip per job; otherwise the worker starts it with start.lua.
local CANDIDATES_PEEKED = 4

-- A claim's reply: one MessagePack array of strings {queue, job id, state, c, c next
-- candidates, field, value, ...}. The reply is mostly the job's fields, and one bulk string is
-- far cheaper for the worker to parse than a nested array of them; cmsgpack (C) builds it
-- without formatting a length per string in Lua, which cost Redis several microseconds a job.
local function claim_reply(queue, job_id, state, candidates, fields)
  local values = {queue, job_id, state, tostring(#candidates)}
  local n = 4
  for i = 1, #candidates do
    values[n + i] = candidates[i]
  end
  n = n + #candidates
  for i = 1, #fields do
    values[n + i] = fields[i]
  end
  return cmsgpack.pack(values)
end

-- Mark a claimed job started under ``token``; returns its fields as they were when claimed,
-- or nil when it may not run (it expired while queued, or was canceled or deleted).
local function start_claimed(job_key, started_key, job_id, token, worker_key, worker_name, now)
  local fields = redis.call('HGETALL', job_key)
  local status, has_ttl = nil, false
  for i = 1, #fields, 2 do
    if fields[i] == 'status' then
      status = fields[i + 1]
    elseif fields[i] == 'ttl' then
      has_ttl = true
    end
  end
  if status ~= 'queued' then
    redis.call('ZREM', started_key, job_id)
    return nil
  end
  if has_ttl then
    redis.call('PERSIST', job_key) -- ttl bounds the wait in the queue, not the run
  end
  redis.call('HSET', job_key, 'status', 'started', 'started_at', now,
    'worker', worker_name, 'token', token)
  if worker_name ~= '' then
    redis.call('HSET', worker_key, 'state', 'busy', 'current_job', job_id, 'claim_token', token)
  end
  return fields
end

-- The claim group's fixed positions: {first key, first arg, number of candidates}.
local function claim_layout(nqueues)
  local ncandidates = tonumber(ARGV[#ARGV])
  return #KEYS - (3 + 3 * nqueues + ncandidates) + 1,
    #ARGV - (1 + nqueues + 3 + ncandidates + 1) + 1, ncandidates
end

-- A claim resent after its reply was lost (redis-py and jobctl resend once on a dropped
-- connection) finds the job its first attempt started under the same token: reply with that
-- job again instead of claiming a second one (the first would wait for the reaper).
local function resent_claim(nqueues)
  if nqueues == 0 then
    return nil
  end
  local first_key, first_arg, ncandidates = claim_layout(nqueues)
  local own = first_arg + nqueues + 1
  local worker_key = KEYS[first_key + 2]
  if ARGV[own + 1] == '' or redis.call('HGET', worker_key, 'claim_token') ~= ARGV[own] then
    return nil
  end
  local job_id = redis.call('HGET', worker_key, 'current_job')
  for c = 1, ncandidates do
    if ARGV[own + 2 + c] == job_id then
      local job_key = KEYS[first_key + 2 + 3 * nqueues + c]
      local origin = redis.call('HGET', job_key, 'origin') or ''
      return claim_reply(origin, job_id, 'started', {}, redis.call('HGETALL', job_key))
    end
  end
  return nil
end

-- Returns claim_reply(queue name, job id, state, next candidates, fields) or nil when nothing
-- was claimed; state is "started" (fields given), "claimed" (start it with start.lua) or
-- "dropped" (it may not run and left the started registry).
-- ``first_attempt``: the caller knows this call cannot be a resend (finish.lua, whose job
-- still had this execution's token: an attempt that ran would have removed it), so the check
-- for one is skipped.
local function claim_next(nqueues, first_attempt)
  if nqueues == 0 then
    return nil
  end
  if not first_attempt then
    local again = resent_claim(nqueues)
    if again then
      return again
    end
  end
  local first_key, first_arg, ncandidates = claim_layout(nqueues)
  if redis.call('EXISTS', KEYS[first_key + 1]) == 1 then
    return nil -- every worker is suspended
  end
  local any_paused = redis.call('SCARD', KEYS[first_key]) > 0
  for i = 0, nqueues - 1 do
    local name = ARGV[first_arg + 1 + i]
    if not any_paused or redis.call('SISMEMBER', KEYS[first_key], name) == 0 then
      local queue = KEYS[first_key + 3 + 3 * i]
      local job_id = redis.call('LPOP', queue)
      if job_id then
        local started = KEYS[first_key + 4 + 3 * i]
        redis.call('ZADD', started, ARGV[first_arg], job_id)
        local next_ids = redis.call('LRANGE', queue, 0, CANDIDATES_PEEKED - 1)
        -- Jobs remain: leave a wake-up token for another worker (a wake list holds at most
        -- one, so a token already there is enough).
        local wake = KEYS[first_key + 5 + 3 * i]
        if #next_ids > 0 and redis.call('LLEN', wake) == 0 then
          redis.call('LPUSH', wake, '1')
        end
        local own = first_arg + nqueues + 1 -- token, worker name, now, candidates
        for c = 1, ncandidates do
          if ARGV[own + 2 + c] == job_id then
            local fields = start_claimed(KEYS[first_key + 2 + 3 * nqueues + c], started,
              job_id, ARGV[own], KEYS[first_key + 2], ARGV[own + 1], ARGV[own + 2])
            if fields then
              return claim_reply(name, job_id, 'started', next_ids, fields)
            end
            return claim_reply(name, job_id, 'dropped', next_ids, {})
          end
        end
        return claim_reply(name, job_id, 'claimed', next_ids, {})
      end
    end
  end
  return nil
end

-- What a settling script replies when its job is fenced or gone: {"resent", claim} when this
-- is the resend of an attempt that settled the job and started the next, else {verdict}.
local function unsettled_reply(verdict, nqueues)
  local again = resent_claim(nqueues)
  if again then
    return {'resent', again}
  end
  return {verdict}
end

-- The reply of a settling script: {verdict, claim, extra...}, claiming the next job first
-- (claim is claim_next's reply, or "" when nothing was claimed or nqueues is 0).
local function settled_reply(verdict, nqueues, extra, first_attempt)
  local reply = {verdict, claim_next(nqueues, first_attempt) or ''}
  for _, value in ipairs(extra) do
    reply[#reply + 1] = value
  end
  return reply
end

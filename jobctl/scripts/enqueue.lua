-- enqueue: create jobs and queue them, schedule them for later, or defer them behind unfinished
-- dependencies. One call writes one job (Queue.enqueue) or a batch of one queue's jobs
-- (Queue.enqueue_many): jobs are taken in order, each as if by its own call, so a job may
-- depend on an earlier one of the batch and a repeated explicit id conflicts with the first.
-- KEYS[1] queue list   KEYS[2] queues set   KEYS[3] queue's wake list
-- KEYS[4] queue's deferred zset   KEYS[5] queue's scheduled zset
-- then per job: its hash, then per dependency i: its hash, its dependents set
-- ARGV[1] queue name   ARGV[2] now (the deferred registry's score; "" when no job has
--   dependencies)
-- then per job: id, flags, ttl seconds or "", due time (epoch seconds) or "" to queue now,
--   number of field pairs N, number of dependencies D, N field/value pairs, D dependency ids
--   flags: three characters "1"/"0": push at the front, dependency failure allowed, jobctl
--   generated the id (at random: no other job can have it); for a chosen id, then the
--   request's random token, which the job's field pairs also store as "request"
-- Callers send at most 1000 jobs per call (unpack below has a limit of about 8000 values).
-- Returns one string: a code per job, in order (q queued, d deferred, s scheduled, r exists
-- and is this very request resent, e the id exists, m a dependency does not exist), then for
-- each r, e or m in order a newline and its detail: the status found, or the missing id.
-- (One bulk string: cheaper for the client to read than an array.)
--
-- Short form, for one job queued now that has no dependencies (Queue.enqueue's common case):
-- four KEYS, which the long form never has, and fewer arguments, run as straight-line code.
-- KEYS[1] queue list   KEYS[2] queues set   KEYS[3] queue's wake list   KEYS[4] the job's hash
-- ARGV[1] queue name   ARGV[2] id   ARGV[3] flags (as above)   ARGV[4] ttl seconds or ""
-- then the field pairs. Same effects and reply as the long form with that one job (a written
-- job's "q" comes as a status reply rather than a bulk string).

-- Whether the existing job is this very request, resent after its reply was lost (redis-py
-- resends once on a dropped connection): a generated id (49 is the byte of '1') cannot
-- collide, and a chosen id's job stores the token of the request that wrote it.
local function resent(job, flags)
  return string.byte(flags, 3) == 49 or
    (#flags > 3 and redis.call('HGET', job, 'request') == string.sub(flags, 4))
end

if #KEYS == 4 then
  local job, flags = KEYS[4], ARGV[3]
  if redis.call('EXISTS', job) == 1 then
    return (resent(job, flags) and 'r\n' or 'e\n') ..
      (redis.call('HGET', job, 'status') or '')
  end
  redis.call('HSET', job, 'status', 'queued', unpack(ARGV, 5))
  if ARGV[4] ~= '' then
    redis.call('EXPIRE', job, ARGV[4])
  end
  redis.call('SADD', KEYS[2], ARGV[1])
  local length
  if string.byte(flags, 1) == 49 then
    length = redis.call('LPUSH', KEYS[1], ARGV[2])
  else
    length = redis.call('RPUSH', KEYS[1], ARGV[2])
  end
  if length == 1 then -- the queue was empty: wake a blocked worker (see the end of the script)
    redis.call('LPUSH', KEYS[3], '1')
    redis.call('LTRIM', KEYS[3], 0, 0)
  end
  return {ok = 'q'} -- a status reply: the same bytes to the client, read in one step
end
local queue, wake = KEYS[1], KEYS[3]
local name, now = ARGV[1], ARGV[2]
local codes, details, front, back = {}, {}, {}, {}
local nfront, nback = 0, 0
local written = false
local k, a, nargs = 6, 3, #ARGV
while a <= nargs do
  local job, id, flags, ttl, due = KEYS[k], ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local first = a + 6
  local last = first + 2 * tonumber(ARGV[a + 4]) - 1
  local ndeps = tonumber(ARGV[a + 5])
  local code
  if redis.call('EXISTS', job) == 1 then
    details[#details + 1] = redis.call('HGET', job, 'status') or ''
    code = resent(job, flags) and 'r' or 'e' -- a resend reports what the first call did
  else
    local allow_failure = string.byte(flags, 2) == 49
    local pending = ndeps > 0 and {} or nil
    for i = 1, ndeps do
      local status = redis.call('HGET', KEYS[k + 2 * i - 1], 'status')
      if not status then
        code = 'm'
        details[#details + 1] = ARGV[last + i]
        break
      end
      local satisfied = status == 'finished' or (allow_failure and
        (status == 'failed' or status == 'stopped' or status == 'canceled'))
      if not satisfied then
        pending[#pending + 1] = KEYS[k + 2 * i]
      end
    end
    if not code then
      local status
      if pending and #pending > 0 then
        status, code = 'deferred', 'd'
      elseif due ~= '' then
        status, code = 'scheduled', 's'
      else
        status, code = 'queued', 'q'
      end
      -- One HSET with every field and the status. No enqueued_at: for a job queued at once
      -- it equals created_at, which readers fall back to (about 30 bytes less per job).
      redis.call('HSET', job, 'status', status, unpack(ARGV, first, last))
      written = true
      if code == 'd' then
        for _, dependents in ipairs(pending) do
          redis.call('SADD', dependents, id)
        end
        redis.call('ZADD', KEYS[4], now, id)
      elseif code == 's' then
        redis.call('ZADD', KEYS[5], due, id)
      elseif string.byte(flags, 1) == 49 then
        nfront = nfront + 1
        front[nfront] = id
      else
        nback = nback + 1
        back[nback] = id
      end
      if ttl ~= '' then
        redis.call('EXPIRE', job, ttl)
      end
    end
  end
  codes[#codes + 1] = code
  a = last + ndeps + 1
  k = k + 1 + 2 * ndeps
end
if written then
  redis.call('SADD', KEYS[2], name)
end
-- Pushes to the head and to the tail commute, so one LPUSH and one RPUSH leave the queue as
-- one push per job in order would.
local length = 0
if nfront > 0 then
  length = redis.call('LPUSH', queue, unpack(front))
end
if nback > 0 then
  length = redis.call('RPUSH', queue, unpack(back))
end
-- Wake a blocked worker only when the queue was empty before these pushes. A worker blocks
-- only after finding its queues empty, and whoever takes a job while more remain passes the
-- token on (claim_next in _claim.lua); so a queue that already held jobs either has a token
-- or a worker about to claim from it, and a token per push would only cost two writes.
if length > 0 and length == nfront + nback then
  redis.call('LPUSH', wake, '1')
  redis.call('LTRIM', wake, 0, 0)
end
if #details == 0 then
  return table.concat(codes)
end
return table.concat(codes) .. '\n' .. table.concat(details, '\n')

-- Shared prelude for the scripts that settle a job (finish, fail): releasing deferred
-- dependents. The caller passes each dependent as a group of keys and arguments:
--   KEYS: dependent's hash, its queue list, its deferred zset, its wake list,
--         then the hash of each of the dependent's own dependencies
--   ARGV: dependent's id, number of its dependencies
-- so every key touched is declared. The caller first learns the dependents by reading the
-- settled job's dependents set; dependents_match() makes the script refuse (and the caller
-- re-read) when that set changed in between.

local function dependents_match(set_key, first_arg, count)
  if redis.call('SCARD', set_key) ~= count then
    return false
  end
  for d = 0, count - 1 do
    if redis.call('SISMEMBER', set_key, ARGV[first_arg + 2 * d]) == 0 then
      return false
    end
  end
  return true
end

local function dependency_satisfied(status, allow_failure)
  if not status or status == 'finished' then
    return true -- a dependency whose record expired had finished and been kept its TTL
  end
  return allow_failure and (status == 'failed' or status == 'stopped' or status == 'canceled')
end

-- Queues every deferred dependent whose dependencies are now all satisfied; returns their ids.
local function release_dependents(first_key, first_arg, count, now)
  local released = {}
  local k = first_key
  local a = first_arg
  for _ = 1, count do
    local id, ndeps = ARGV[a], tonumber(ARGV[a + 1])
    local hash, queue, deferred, wake = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
    local ready = redis.call('HGET', hash, 'status') == 'deferred'
    local allow = redis.call('HGET', hash, 'allow_fail') == '1'
    for j = 0, ndeps - 1 do
      if ready and not dependency_satisfied(redis.call('HGET', KEYS[k + 4 + j], 'status'), allow) then
        ready = false
      end
    end
    if ready then
      redis.call('HSET', hash, 'status', 'queued', 'enqueued_at', now)
      redis.call('ZREM', deferred, id)
      if redis.call('HGET', hash, 'dep_front') == '1' then
        redis.call('LPUSH', queue, id)
      else
        redis.call('RPUSH', queue, id)
      end
      redis.call('LPUSH', wake, '1')
      redis.call('LTRIM', wake, 0, 0)
      released[#released + 1] = id
    end
    k = k + 4 + ndeps
    a = a + 2
  end
  return released
end

-- ttl: the TTL argument as sent (whole seconds; "-1" keeps the key forever). Passed to
-- EXPIRE as that string: a Lua number would be formatted again, which costs Redis a microsecond.
local function expire_or_persist(key, ttl)
  if tonumber(ttl) == -1 then
    redis.call('PERSIST', key)
  else
    redis.call('EXPIRE', key, ttl)
  end
end

local function expiry_score(now, ttl)
  if ttl == -1 then
    return '+inf'
  end
  return tostring(tonumber(now) + ttl)
end

-- start: mark a claimed job as started by this worker under a fresh execution token.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] worker hash
-- ARGV[1] job id   ARGV[2] token   ARGV[3] worker name   ARGV[4] now
-- Returns the job's fields (as they were when claimed) as a flat list, or nil when the claim's
-- lease was already reaped (a presumed-dead worker must not start it), the job expired while
-- queued, or it was canceled or deleted after it was claimed.
if redis.call('ZSCORE', KEYS[2], ARGV[1]) == false then
  return nil
end
local fields = redis.call('HGETALL', KEYS[1])
local status, has_ttl = nil, false
for i = 1, #fields, 2 do
  if fields[i] == 'status' then
    status = fields[i + 1]
  elseif fields[i] == 'ttl' then
    has_ttl = true
  end
end
if status ~= 'queued' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return nil
end
if has_ttl then
  redis.call('PERSIST', KEYS[1]) -- ttl bounds the wait in the queue, not the run
end
redis.call('HSET', KEYS[1], 'status', 'started', 'started_at', ARGV[4],
  'worker', ARGV[3], 'token', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], 'state', 'busy', 'current_job', ARGV[1])
end
return fields

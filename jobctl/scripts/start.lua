-- start: mark a claimed job as started by this worker under a fresh execution token.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] worker hash
-- ARGV[1] job id   ARGV[2] token   ARGV[3] worker name   ARGV[4] now
-- Returns the job's fields as a flat list, or nil when the job expired while queued or the
-- claim's lease was already reaped (a presumed-dead worker must not start it).
if redis.call('ZSCORE', KEYS[2], ARGV[1]) == false then
  return nil
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return nil
end
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'started', 'started_at', ARGV[4],
  'worker', ARGV[3], 'token', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], 'state', 'busy', 'current_job', ARGV[1])
end
return redis.call('HGETALL', KEYS[1])

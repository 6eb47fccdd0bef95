-- start: mark a claimed job as started by this worker under a fresh execution token.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] worker hash
-- ARGV[1] job id   ARGV[2] token   ARGV[3] worker name   ARGV[4] now
-- Returns the job's fields (as they were when claimed) as a flat list, or nil when the claim's
-- lease was already reaped (a presumed-dead worker must not start it), the job expired while
-- queued, or it was canceled or deleted after it was claimed.
if redis.call('ZSCORE', KEYS[2], ARGV[1]) == false then
  return nil
end
return start_claimed(KEYS[1], KEYS[2], ARGV[1], ARGV[2], KEYS[3], ARGV[3], ARGV[4])

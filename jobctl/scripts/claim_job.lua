-- claim_job: take one named job out of its queue into the started registry (synchronous runs).
-- KEYS[1] queue list   KEYS[2] started zset
-- ARGV[1] job id   ARGV[2] lease expiry
-- Returns 1 when the job was queued and is now leased, else 0.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1

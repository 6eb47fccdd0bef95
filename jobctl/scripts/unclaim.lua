-- unclaim: give back a job this worker claimed but will not start (it is stopping), putting it
-- back at the head of its queue; a job already started, reaped or re-claimed is left alone.
-- KEYS[1] job hash   KEYS[2] started zset   KEYS[3] queue list   KEYS[4] wake list
-- ARGV[1] job id
-- Returns 1 when the job went back to its queue, else 0.
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then
  return 0
end
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then
  return 0
end
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('LPUSH', KEYS[4], '1')
redis.call('LTRIM', KEYS[4], 0, 0)
return 1

-- remove_queued: delete a batch of queued jobs (emptying a queue), each only if still queued.
-- KEYS[1] queue list   KEYS[2+2i] job i's hash   KEYS[3+2i] job i's dependents set
-- ARGV[1+i] job i's id
-- Returns the number of jobs removed.
local removed = 0
for i = 0, #ARGV - 1 do
  if redis.call('LREM', KEYS[1], 0, ARGV[1 + i]) > 0 then
    redis.call('DEL', KEYS[2 + 2 * i], KEYS[3 + 2 * i])
    removed = removed + 1
  end
end
return removed

-- Raises a loaded pool to what a release plan has released by now.
-- KEYS: 1 epoch, 2 pool:<prize>, 3 rel:<prize>, 4 gen. ARGV: 1 target released.
-- Reply: units added (0 when the target is not above what was released), or -1 when the
-- activity is not loaded (its next load reads the release from SQL).
if redis.call('EXISTS', KEYS[1]) == 0 then
  -- A load reading SQL right now, from before this release, is left alone (a large
  -- activity's load would be read again and again under a job that runs every few
  -- seconds): it writes the released counter it read, and the next run adds the rest.
  return -1
end
local released = tonumber(redis.call('GET', KEYS[3]))
if released == nil then
  -- Loaded without a released counter: the pool's history is unknown, so adding to it
  -- could release twice. Dropping the load makes the next draw rebuild both from SQL.
  redis.call('DEL', KEYS[1])
  redis.call('INCR', KEYS[4])
  return -1
end
local target = tonumber(ARGV[1])
if target <= released then
  return 0
end
redis.call('INCRBY', KEYS[2], target - released)
redis.call('SET', KEYS[3], target)
return target - released

-- Adds released prizes to a loaded pool.
-- KEYS: 1 epoch, 2 pool:<prize>, 3 gen. ARGV: 1 amount.
-- Reply: 1 added, 0 not loaded (the next load reads the release from SQL).
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('INCRBY', KEYS[2], ARGV[1])
  return 1
end
-- A load may be reading SQL right now, from before this release: bumping gen fails
-- its optimistic transaction so it reads again.
redis.call('INCR', KEYS[3])
return 0

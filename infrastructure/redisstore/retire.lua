-- Drops a closed activity's counters unless an admission is in its journal (one taken
-- after the caller found it quiet). The caller holds the activity's load lock.
-- KEYS: 1 journal, 2 seen, then every other key to drop.
-- ARGV: 1 how long seen outlives the drop (s): the idempotency markers, which expire on
--       their own, were seen as long as they live.
-- Reply: 1 dropped, 0 busy.
if redis.call('XLEN', KEYS[1]) > 0 then
  return 0
end
redis.call('UNLINK', KEYS[1], unpack(KEYS, 3))
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return 1

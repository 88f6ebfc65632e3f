-- Gives back what one admission took, at most once.
-- KEYS: 1 journal, 2 epoch, 3 idem, 4 stock, 5 ut, 6 ud:<day>, 7 pool:<prize>, 8 pd:<prize>:<day>
-- ARGV: 1 journal id, 2 epoch of the admission, 3 user, 4 order id,
--       5 '1' if an idempotency key was set, 6 '1' if a prize was won
-- Reply: 0 nothing journaled (already settled or undone), 1 journal entry dropped but the
--        counters were rebuilt since (epoch changed), 2 counters given back.

-- XDEL is the once-only guard: of two concurrent undos (or an undo racing the recovery
-- job) only one deletes the entry.
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end

-- The key is freed whatever the epoch: it names an order that will never exist.
if ARGV[5] == '1' and redis.call('GET', KEYS[3]) == ARGV[4] then
  redis.call('DEL', KEYS[3])
end

-- After a reload the counters come from SQL, where this order never was: giving back
-- would count it twice.
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 1
end

local user = ARGV[3]
redis.call('INCR', KEYS[4])
for _, h in ipairs({KEYS[5], KEYS[6]}) do
  if (tonumber(redis.call('HGET', h, user)) or 0) > 0 then
    redis.call('HINCRBY', h, user, -1)
  end
end
if ARGV[6] == '1' then
  redis.call('INCR', KEYS[7])
  if (tonumber(redis.call('GET', KEYS[8])) or 0) > 0 then
    redis.call('DECR', KEYS[8])
  end
end
return 2

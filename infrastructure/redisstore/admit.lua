-- Admits a batch of draws, one after the other, each atomically: a script runs alone, so
-- the batch is the same as that many single calls in a row, minus a round trip and a
-- script call each. Every key of a batch belongs to one activity's hash tag.
--
-- ARGV: 1 n (admissions in the batch), then per admission j: 1+2j its key count, 2+2j its
--       argument count; then the admissions' arguments, one after the other. KEYS: the
--       admissions' keys, one after the other.
-- One admission's KEYS: 1 epoch, 2 idem, 3 rl:u, 4 rl:ip, 5 bl, 6 stock, 7 ut, 8 ud:<day>,
--       9 journal, then per candidate i: 8+2i pool:<prize>, 9+2i pd:<prize>:<day>
-- One admission's ARGV: 1 order id, 2 user, 3 day, 4 user total limit, 5 user daily limit,
--       6 idempotency key ('' = none), 7 idempotency TTL s, 8 user interval µs (0 = none),
--       9 ip interval µs (0 = none), 10 burst, 11 day TTL s,
--       then per candidate i: 10+2i prize id ('0' = no prize), 11+2i daily quota (0 = none)
-- Reply: one reply per admission, in order:
--        {0, prize, epoch, journal id, left total, left today, empty prizes...} admitted
--        {1} not loaded, {2, order id} duplicate, {3, retry after ms} rate limited,
--        {4} blacklisted, {5} user total reached, {6} user daily reached, {7} sold out
-- Ids stay strings: snowflake ids exceed the 2^53 a Lua number holds exactly.

-- GCRA: a key holds the theoretical arrival time (µs). Both limits are decided before
-- either is written, so a refused draw consumes neither. Returns the wait in ms, or 0
-- once both are taken.
local function rateLimit(K, k, A, a)
  local userIv, ipIv, burst = tonumber(A[a + 8]), tonumber(A[a + 9]), tonumber(A[a + 10])
  if userIv <= 0 and ipIv <= 0 then
    return 0
  end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local limits = {}
  local wait = 0
  for i, iv in ipairs({userIv, ipIv}) do
    if iv > 0 then
      local key = K[k + 2 + i]
      local tat = tonumber(redis.call('GET', key)) or now
      if tat < now then tat = now end
      local nextTat = tat + iv
      local allowAt = nextTat - burst * iv
      if now < allowAt and allowAt - now > wait then
        wait = allowAt - now
      end
      limits[#limits + 1] = {key, nextTat}
    end
  end
  if wait > 0 then
    return math.ceil(wait / 1000)
  end
  for _, l in ipairs(limits) do
    redis.call('SET', l[1], string.format('%.0f', l[2]), 'PX', math.ceil((l[2] - now) / 1000) + 1)
  end
  return 0
end

-- Admits the admission whose keys follow K[k] and whose arguments follow A[a].
local function admit(K, k, nk, A, a)
  local candidates = (nk - 9) / 2
  local idem = A[a + 6]
  -- One read for every plain key the decision may need: epoch, idempotency, stock, and
  -- each candidate's pool and day count.
  local reads = {K[k + 1], K[k + 2], K[k + 6]}
  for i = 1, candidates do
    reads[#reads + 1] = K[k + 8 + 2 * i]
    reads[#reads + 1] = K[k + 9 + 2 * i]
  end
  local got = redis.call('MGET', unpack(reads))

  local epoch = got[1]
  if not epoch then
    return {1}
  end
  if idem ~= '' and got[2] then
    return {2, got[2]}
  end

  local wait = rateLimit(K, k, A, a)
  if wait > 0 then
    return {3, wait}
  end

  local user = A[a + 2]
  if redis.call('SISMEMBER', K[k + 5], user) == 1 then
    return {4}
  end

  local total, daily = tonumber(A[a + 4]), tonumber(A[a + 5])
  if (tonumber(got[3]) or 0) <= 0 then
    -- Sold out; a user limit reached is still the reason given.
    local usedTotal = tonumber(redis.call('HGET', K[k + 7], user)) or 0
    if total > 0 and usedTotal >= total then
      return {5}
    end
    local usedToday = tonumber(redis.call('HGET', K[k + 8], user)) or 0
    if daily > 0 and usedToday >= daily then
      return {6}
    end
    return {7}
  end

  -- Stock is left: the draw is counted against the user's limits at once and taken back
  -- if it passes one, two commands fewer than reading the counts first. A refused user
  -- had a count already, so taking back leaves the hashes as they were. A day key is
  -- created by a count becoming 1 (or by a load, which sets its TTL), so it gets its TTL
  -- then; not on every draw.
  local usedTotal = redis.call('HINCRBY', K[k + 7], user, 1)
  if total > 0 and usedTotal > total then
    redis.call('HINCRBY', K[k + 7], user, -1)
    return {5}
  end
  local usedToday = redis.call('HINCRBY', K[k + 8], user, 1)
  if usedToday == 1 then
    redis.call('EXPIRE', K[k + 8], tonumber(A[a + 11]))
  end
  if daily > 0 and usedToday > daily then
    redis.call('HINCRBY', K[k + 7], user, -1)
    redis.call('HINCRBY', K[k + 8], user, -1)
    return {6}
  end

  -- Walk the candidates: the first "no prize", or prize with pool and daily quota left,
  -- decides; an empty prize is reported so the caller can stop sampling it.
  local prize, poolKey, dayKey = '0', nil, nil
  local empty = {}
  for i = 1, candidates do
    local p = A[a + 10 + 2 * i]
    if p == '0' then
      break
    end
    local quota = tonumber(A[a + 11 + 2 * i])
    local pool = tonumber(got[2 + 2 * i]) or 0
    if pool > 0 and (quota <= 0 or (tonumber(got[3 + 2 * i]) or 0) < quota) then
      prize, poolKey, dayKey = p, K[k + 8 + 2 * i], K[k + 9 + 2 * i]
      break
    end
    empty[#empty + 1] = p
  end

  redis.call('DECR', K[k + 6])
  if poolKey then
    redis.call('DECR', poolKey)
    if redis.call('INCR', dayKey) == 1 then
      redis.call('EXPIRE', dayKey, tonumber(A[a + 11]))
    end
  end
  if idem ~= '' then
    redis.call('SET', K[k + 2], A[a + 1], 'EX', tonumber(A[a + 7]))
  end
  local jid = redis.call('XADD', K[k + 9], '*', 'o', A[a + 1], 'u', user, 'd', A[a + 3],
    'p', prize, 'e', epoch, 'k', idem)

  local leftTotal, leftToday = -1, -1
  if total > 0 then leftTotal = total - usedTotal end
  if daily > 0 then leftToday = daily - usedToday end
  local reply = {0, prize, epoch, jid, leftTotal, leftToday}
  for _, p in ipairs(empty) do
    reply[#reply + 1] = p
  end
  return reply
end

local n = tonumber(ARGV[1])
local replies = {}
local k, a = 0, 1 + 2 * n
for j = 1, n do
  local nk, na = tonumber(ARGV[2 * j]), tonumber(ARGV[1 + 2 * j])
  replies[j] = admit(KEYS, k, nk, ARGV, a)
  k, a = k + nk, a + na
end
return replies

-- Admits a batch of one activity's draws, one after the other, each as if alone: a script
-- runs alone, so the batch is the same as that many single calls in a row, minus a round
-- trip and a script call each. Every key belongs to the activity's hash tag.
--
-- What every draw of the batch reads (epoch, stock, prize pools and day counts,
-- idempotency keys) is read once with one MGET and followed in the script as draws take
-- from it; the stock, pools and day counts are written once at the end. Each key is named
-- once in KEYS and an admission refers to it by index.
--
-- KEYS: 1 epoch, 2 stock, 3 bl, 4 ut, 5 journal, then the batch's other keys: ud:<day>,
--       idem, rl:u, rl:ip, pool:<prize>, pd:<prize>:<day>.
-- ARGV: 1 n (admissions in the batch), 2 idempotency TTL s, 3 day TTL s, then per
--       admission: order id, user, day, user total limit, user daily limit, idempotency
--       key ('' = none), its key's index (0 = none), the index of ud:<day>, then '0' (no
--       rate limit) or '1' followed by user interval µs (0 = none), ip interval µs
--       (0 = none), burst, index of rl:u, index of rl:ip; then the candidate count, and
--       per candidate: prize id ('0' = no prize), daily quota (0 = none), index of its
--       pool, index of its day count.
-- Reply: one reply per admission, in order:
--        {0, prize, epoch, journal id, left total, left today, empty prizes...} admitted
--        {1} not loaded, {2, order id} duplicate, {3, retry after ms} rate limited,
--        {4} blacklisted, {5} user total reached, {6} user daily reached, {7, user's
--        draws in all} sold out
-- Ids stay strings: snowflake ids exceed the 2^53 a Lua number holds exactly.

local n, idemTTL, dayTTL = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])

-- v[i] is what KEYS[i] holds as the batch goes on (rate-limit keys excepted: they are
-- read and written where they are decided).
local v = {}
do
  local got = redis.call('MGET', KEYS[1], KEYS[2], unpack(KEYS, 6))
  v[1], v[2] = got[1], got[2]
  for i = 3, #got do
    v[i + 3] = got[i]
  end
end
local epoch = v[1]

-- What the batch took, written at the end: draws admitted, units per pool, wins per day
-- count.
local taken, pools, days = 0, {}, {}
local blacklist -- whether the blacklist has members, asked once

-- GCRA: a key holds the theoretical arrival time (µs). Both limits are decided before
-- either is written, so a refused draw consumes neither. Returns the wait in ms, or 0
-- once both are taken.
local function rateLimit(userIv, ipIv, burst, userKey, ipKey)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local limits = {}
  local wait = 0
  for _, l in ipairs({{userIv, userKey}, {ipIv, ipKey}}) do
    local iv, key = l[1], l[2]
    if iv > 0 then
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

-- Admits the admission whose arguments start at ARGV[a]; returns its reply and where the
-- next admission's arguments start.
local function admit(a)
  local order, user = ARGV[a], ARGV[a + 1]
  local total, daily = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local idem, ki, kd = ARGV[a + 5], tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7])
  local rate = a + 8 -- '1' when the rate limit's five arguments follow
  local r = rate
  if ARGV[rate] == '1' then
    r = r + 5
  end
  local c = r + 2 -- the first candidate
  local nextA = c + 4 * tonumber(ARGV[r + 1])

  if idem ~= '' and v[ki] then
    return {2, v[ki]}, nextA
  end
  if r > rate then
    local wait = rateLimit(tonumber(ARGV[rate + 1]), tonumber(ARGV[rate + 2]),
      tonumber(ARGV[rate + 3]), KEYS[tonumber(ARGV[rate + 4])], KEYS[tonumber(ARGV[rate + 5])])
    if wait > 0 then
      return {3, wait}, nextA
    end
  end
  if blacklist == nil then
    blacklist = redis.call('SCARD', KEYS[3]) > 0
  end
  if blacklist and redis.call('SISMEMBER', KEYS[3], user) == 1 then
    return {4}, nextA
  end

  local udKey = KEYS[kd]
  if (tonumber(v[2]) or 0) - taken <= 0 then
    -- Sold out; a user limit reached is still the reason given.
    local usedTotal = tonumber(redis.call('HGET', KEYS[4], user)) or 0
    if total > 0 and usedTotal >= total then
      return {5}, nextA
    end
    local usedToday = tonumber(redis.call('HGET', udKey, user)) or 0
    if daily > 0 and usedToday >= daily then
      return {6}, nextA
    end
    return {7, usedTotal}, nextA
  end

  -- Stock is left: the draw is counted against the user's limits at once and taken back
  -- if it passes one, two commands fewer than reading the counts first. A refused user
  -- had a count already, so taking back leaves the hashes as they were. A day key is
  -- created by a count becoming 1 (or by a load, which sets its TTL), so it gets its TTL
  -- then; not on every draw.
  local usedTotal = redis.call('HINCRBY', KEYS[4], user, 1)
  if total > 0 and usedTotal > total then
    redis.call('HINCRBY', KEYS[4], user, -1)
    return {5}, nextA
  end
  local usedToday = redis.call('HINCRBY', udKey, user, 1)
  if usedToday == 1 then
    redis.call('EXPIRE', udKey, dayTTL)
  end
  if daily > 0 and usedToday > daily then
    redis.call('HINCRBY', KEYS[4], user, -1)
    redis.call('HINCRBY', udKey, user, -1)
    return {6}, nextA
  end

  -- Walk the candidates: the first "no prize", or prize with pool and daily quota left,
  -- decides; an empty prize is reported so the caller can stop sampling it.
  local prize, kp, kpd = '0', nil, nil
  local empty = {}
  for i = c, nextA - 1, 4 do
    local p = ARGV[i]
    if p == '0' then
      break
    end
    local quota = tonumber(ARGV[i + 1])
    local pk, dk = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
    if (tonumber(v[pk]) or 0) > 0 and (quota <= 0 or (tonumber(v[dk]) or 0) < quota) then
      prize, kp, kpd = p, pk, dk
      break
    end
    empty[#empty + 1] = p
  end

  if idem ~= '' then
    redis.call('SET', KEYS[ki], order, 'EX', idemTTL)
    v[ki] = order
  end
  local jid = redis.call('XADD', KEYS[5], '*', 'o', order, 'u', user, 'd', ARGV[a + 2],
    'p', prize, 'e', epoch, 'k', idem)
  -- Journaled: from here the draw is taken.
  taken = taken + 1
  if kp then
    v[kp] = (tonumber(v[kp]) or 0) - 1
    v[kpd] = (tonumber(v[kpd]) or 0) + 1
    pools[kp] = (pools[kp] or 0) + 1
    days[kpd] = (days[kpd] or 0) + 1
  end

  local leftTotal, leftToday = -1, -1
  if total > 0 then leftTotal = total - usedTotal end
  if daily > 0 then leftToday = daily - usedToday end
  local reply = {0, prize, epoch, jid, leftTotal, leftToday}
  for _, p in ipairs(empty) do
    reply[#reply + 1] = p
  end
  return reply, nextA
end

-- Writes what the batch took. It runs even when an admission failed halfway (a Redis
-- error), so every draw journaled before the failure has taken its stock and prize, as
-- the recovery job, which gives them back, expects.
local function settle()
  if taken > 0 then
    redis.call('DECRBY', KEYS[2], taken)
  end
  for k, units in pairs(pools) do
    redis.call('DECRBY', KEYS[k], units)
  end
  for k, wins in pairs(days) do
    if redis.call('INCRBY', KEYS[k], wins) == wins then
      redis.call('EXPIRE', KEYS[k], dayTTL)
    end
  end
end

local replies = {}
if not epoch then
  for j = 1, n do
    replies[j] = {1}
  end
  return replies
end
local ok, err = pcall(function()
  local a = 4
  for j = 1, n do
    replies[j], a = admit(a)
  end
end)
settle()
if not ok then
  error(err, 0)
end
return replies

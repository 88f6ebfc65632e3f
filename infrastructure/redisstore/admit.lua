-- Admits one draw atomically. Every key belongs to one activity's hash tag.
-- KEYS: 1 epoch, 2 idem, 3 rl:u, 4 rl:ip, 5 bl, 6 stock, 7 ut, 8 ud:<day>, 9 journal,
--       then per candidate i: 8+2i pool:<prize>, 9+2i pd:<prize>:<day>
-- ARGV: 1 order id, 2 user, 3 day, 4 user total limit, 5 user daily limit,
--       6 idempotency key ('' = none), 7 idempotency TTL s, 8 user interval µs (0 = none),
--       9 ip interval µs (0 = none), 10 burst, 11 day TTL s,
--       then per candidate i: 10+2i prize id ('0' = no prize), 11+2i daily quota (0 = none)
-- Reply: {0, prize, epoch, journal id, left total, left today, empty prizes...} admitted
--        {1} not loaded, {2, order id} duplicate, {3, retry after ms} rate limited,
--        {4} blacklisted, {5} user total reached, {6} user daily reached, {7} sold out
-- Ids stay strings: snowflake ids exceed the 2^53 a Lua number holds exactly.

local epoch = redis.call('GET', KEYS[1])
if not epoch then
  return {1}
end

local idem = ARGV[6]
if idem ~= '' then
  local prior = redis.call('GET', KEYS[2])
  if prior then
    return {2, prior}
  end
end

-- GCRA: a key holds the theoretical arrival time (µs). Both limits are decided before
-- either is written, so a refused draw consumes neither.
local userIv, ipIv, burst = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
if userIv > 0 or ipIv > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local limits = {}
  local wait = 0
  for i, iv in ipairs({userIv, ipIv}) do
    if iv > 0 then
      local key = KEYS[2 + i]
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
    return {3, math.ceil(wait / 1000)}
  end
  for _, l in ipairs(limits) do
    redis.call('SET', l[1], string.format('%.0f', l[2]), 'PX', math.ceil((l[2] - now) / 1000) + 1)
  end
end

local user = ARGV[2]
if redis.call('SISMEMBER', KEYS[5], user) == 1 then
  return {4}
end

local total, daily = tonumber(ARGV[4]), tonumber(ARGV[5])
local usedTotal = tonumber(redis.call('HGET', KEYS[7], user)) or 0
if total > 0 and usedTotal >= total then
  return {5}
end
local usedToday = tonumber(redis.call('HGET', KEYS[8], user)) or 0
if daily > 0 and usedToday >= daily then
  return {6}
end

if (tonumber(redis.call('GET', KEYS[6])) or 0) <= 0 then
  return {7}
end

-- Walk the candidates: the first "no prize", or prize with pool and daily quota left,
-- decides; an empty prize is reported so the caller can stop sampling it.
local prize, poolKey, dayKey = '0', nil, nil
local empty = {}
for i = 1, (#ARGV - 11) / 2 do
  local p = ARGV[10 + 2 * i]
  if p == '0' then
    break
  end
  local quota = tonumber(ARGV[11 + 2 * i])
  local pool = tonumber(redis.call('GET', KEYS[8 + 2 * i])) or 0
  if pool > 0 and (quota <= 0 or (tonumber(redis.call('GET', KEYS[9 + 2 * i])) or 0) < quota) then
    prize, poolKey, dayKey = p, KEYS[8 + 2 * i], KEYS[9 + 2 * i]
    break
  end
  empty[#empty + 1] = p
end

-- A day key is created by a count becoming 1 (or by a load, which sets its TTL), so it
-- gets its TTL then; not on every draw.
local dayTTL = tonumber(ARGV[11])
redis.call('DECR', KEYS[6])
usedTotal = redis.call('HINCRBY', KEYS[7], user, 1)
usedToday = redis.call('HINCRBY', KEYS[8], user, 1)
if usedToday == 1 then
  redis.call('EXPIRE', KEYS[8], dayTTL)
end
if poolKey then
  redis.call('DECR', poolKey)
  if redis.call('INCR', dayKey) == 1 then
    redis.call('EXPIRE', dayKey, dayTTL)
  end
end
if idem ~= '' then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[7]))
end
local jid = redis.call('XADD', KEYS[9], '*', 'o', ARGV[1], 'u', user, 'd', ARGV[3],
  'p', prize, 'e', epoch, 'k', idem)

local leftTotal, leftToday = -1, -1
if total > 0 then leftTotal = total - usedTotal end
if daily > 0 then leftToday = daily - usedToday end
local reply = {0, prize, epoch, jid, leftTotal, leftToday}
for _, p in ipairs(empty) do
  reply[#reply + 1] = p
end
return reply

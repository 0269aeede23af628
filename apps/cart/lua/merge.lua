-- Move an anonymous cart (KEYS[2]) into a user's cart (KEYS[1]) and delete the anonymous one,
-- in one step: a concurrent add to either cart lands wholly before or wholly after the merge.
-- ARGV[4] max units per line, ARGV[5] max lines per cart.
-- Same variant: quantities summed, capped at the line maximum. New variants join as lines
-- while the cart has room. The anonymous coupon is kept only when the user's cart has none.
local key = KEYS[1]
local source = KEYS[2]
local failed = mismatch(key, ARGV[1])
if failed then
  return failed
end
local max_quantity = tonumber(ARGV[4])
local max_lines = tonumber(ARGV[5])

local fields = redis.call('HGETALL', source)
local lines_now = line_count(key)
local changed = false
for i = 1, #fields, 2 do
  local field, value = fields[i], fields[i + 1]
  if is_line(field) then
    local incoming = cjson.decode(value)
    local item_id, line = variant_line(key, incoming.variant_id)
    if line then
      local summed = math.min(line.quantity + incoming.quantity, max_quantity)
      if summed ~= line.quantity then
        line.quantity = summed
        redis.call('HSET', key, 'line:' .. item_id, cjson.encode(line))
        changed = true
      end
    elseif lines_now < max_lines then
      incoming.quantity = math.min(incoming.quantity, max_quantity)
      redis.call('HSET', key, 'line:' .. incoming.id, cjson.encode(incoming),
        'variant:' .. incoming.variant_id, incoming.id)
      lines_now = lines_now + 1
      changed = true
    end
  elseif field == 'coupon_code' and not redis.call('HGET', key, 'coupon_code') then
    redis.call('HSET', key, 'coupon_code', value)
    changed = true
  end
end
redis.call('DEL', source)
if not changed then
  return {'unchanged', redis.call('HGETALL', key)}
end
return commit(key, ARGV[2], ARGV[3])

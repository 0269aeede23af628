-- Add units of a variant: to the variant's line when there is one, else as a new line.
-- ARGV[4] max units per line, ARGV[5] max lines per cart, ARGV[6] variant id,
-- ARGV[7] the new line as JSON (used only when the variant has no line yet; its quantity is
-- ignored), ARGV[8] units to add, ARGV[9] units available (-1 = no stock check),
-- ARGV[10] '1' when the cart must exist already (else {'no_cart'}, before any other check).
-- The sum is taken here, inside the script, so concurrent adds without If-Match all count.
local key = KEYS[1]
if ARGV[10] == '1' and redis.call('EXISTS', key) == 0 then
  return {'no_cart'}
end
local failed = mismatch(key, ARGV[1])
if failed then
  return failed
end
local max_quantity = tonumber(ARGV[4])
local max_lines = tonumber(ARGV[5])
local variant_id = ARGV[6]
local quantity = tonumber(ARGV[8])
local available = tonumber(ARGV[9])

local item_id, line = variant_line(key, variant_id)
if not line then
  if line_count(key) >= max_lines then
    return {'too_many_lines', max_lines}
  end
  line = cjson.decode(ARGV[7])
  item_id = line.id
  line.quantity = 0
end

local resulting = line.quantity + quantity
if resulting > max_quantity then
  return {'over_limit', resulting, max_quantity}
end
if available >= 0 and resulting > available then
  return {'insufficient', resulting, available}
end
line.quantity = resulting
redis.call('HSET', key, 'line:' .. item_id, cjson.encode(line), 'variant:' .. variant_id, item_id)
return commit(key, ARGV[2], ARGV[3])

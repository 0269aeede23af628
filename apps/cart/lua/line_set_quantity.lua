-- Set a line's quantity; 0 removes the line (and its variant index field).
-- ARGV[4] item id, ARGV[5] quantity, ARGV[6] units available (-1 = no stock check).
local key = KEYS[1]
local failed = mismatch(key, ARGV[1])
if failed then
  return failed
end
local line_field = 'line:' .. ARGV[4]
local raw = redis.call('HGET', key, line_field)
if not raw then
  return {'not_found'}
end
local line = cjson.decode(raw)
local quantity = tonumber(ARGV[5])
local available = tonumber(ARGV[6])
if quantity == 0 then
  redis.call('HDEL', key, line_field, 'variant:' .. line.variant_id)
else
  if available >= 0 and quantity > available then
    return {'insufficient', quantity, available}
  end
  line.quantity = quantity
  redis.call('HSET', key, line_field, cjson.encode(line))
end
return commit(key, ARGV[2], ARGV[3])

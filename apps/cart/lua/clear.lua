-- Remove every line and the coupon. The hash itself stays (with its version bumped) so that an
-- If-Match carrying a version from before the clear can never match again.
local key = KEYS[1]
local failed = mismatch(key, ARGV[1])
if failed then
  return failed
end
local fields = {}
for _, field in ipairs(redis.call('HKEYS', key)) do
  if is_line(field) or string.sub(field, 1, 8) == 'variant:' or field == 'coupon_code' then
    table.insert(fields, field)
  end
end
if #fields > 0 then
  redis.call('HDEL', key, unpack(fields))
end
return commit(key, ARGV[2], ARGV[3])

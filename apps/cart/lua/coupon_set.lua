-- Put a coupon code on the cart (replacing any), or remove it when ARGV[4] is ''.
local key = KEYS[1]
local failed = mismatch(key, ARGV[1])
if failed then
  return failed
end
if ARGV[4] == '' then
  redis.call('HDEL', key, 'coupon_code')
else
  redis.call('HSET', key, 'coupon_code', ARGV[4])
end
return commit(key, ARGV[2], ARGV[3])

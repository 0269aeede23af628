-- Create an empty anonymous cart for a newly issued token, so the token is known from then on.
-- ARGV[1] now, ARGV[2] TTL. Answers 1 when created, 0 when the key already existed.
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then
  return 0
end
redis.call('HSET', key, 'version', 0, 'created_at', ARGV[1], 'updated_at', ARGV[1])
redis.call('EXPIRE', key, ARGV[2])
return 1

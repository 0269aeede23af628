-- Prepended to every cart script when it is registered (store.py).
-- Conventions of the mutation scripts: KEYS[1] is the cart hash; ARGV[1] the expected version
-- ('' = the client sent no If-Match), ARGV[2] the TTL in seconds, ARGV[3] the time of the
-- change (ISO 8601 UTC). A script answers {'ok', <the hash after the change>} or a marker
-- ({'mismatch', current_version}, {'not_found'}, ...) after changing nothing.

local function current_version(key)
  return tonumber(redis.call('HGET', key, 'version') or '0')
end

-- The compare part of compare-and-set: checked before anything is written.
local function mismatch(key, expected)
  if expected == '' then
    return nil
  end
  local current = current_version(key)
  if tonumber(expected) ~= current then
    return {'mismatch', current}
  end
  return nil
end

-- Every successful mutation ends here, so the version bump and the TTL renewal can never be
-- forgotten, and the caller gets the state its own change produced (not a later writer's).
local function commit(key, ttl, now)
  redis.call('HSETNX', key, 'created_at', now)
  redis.call('HINCRBY', key, 'version', 1)
  redis.call('HSET', key, 'updated_at', now)
  redis.call('EXPIRE', key, ttl)
  return {'ok', redis.call('HGETALL', key)}
end

local function is_line(field)
  return string.sub(field, 1, 5) == 'line:'
end

local function line_count(key)
  local n = 0
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if is_line(field) then
      n = n + 1
    end
  end
  return n
end

-- The line of a variant, found through the `variant:<id>` index field; nil when none.
local function variant_line(key, variant_id)
  local item_id = redis.call('HGET', key, 'variant:' .. variant_id)
  if not item_id then
    return nil, nil
  end
  local raw = redis.call('HGET', key, 'line:' .. item_id)
  if not raw then
    return nil, nil
  end
  return item_id, cjson.decode(raw)
end

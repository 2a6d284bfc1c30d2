"""A Lua mining routine the action tests and the end-to-end scripts share: what a user writes
to mine with the documented API (findTiles, getPath, setPoint, hit, collectables, collect)."""

MINING_LUA = """
local SIDES = {Vector2i.new(1, 0), Vector2i.new(-1, 0), Vector2i.new(0, 1), Vector2i.new(0, -1)}

local function passable(w, p)
  local fg = w:tile(p).foreground
  return fg == 0 or bit32.band(getInfo(fg).collision, 0x1) == 0
end

function distance(a, b) return math.abs(a.x - b.x) + math.abs(a.y - b.y) end

-- A tile next to `block` the bot can walk to, or nil.
function standingSpot(c, block)
  local w, me = c:world(), c:point()
  for _, side in ipairs(SIDES) do
    local stand = block + side
    if stand == me or (passable(w, stand) and #c:getPath(stand) > 0) then return stand end
  end
end

-- Walk next to `block`, hit it until it breaks, pick up what it dropped.
-- Returns {[invKey] = amount} picked up and gems, or nil and why.
function mineAt(c, block)
  local w = c:world()
  local stand = standingSpot(c, block)
  if not stand then return nil, "unreachable " .. tostring(block) end
  local err = c:setPoint(stand)
  if err then return nil, "setPoint: " .. err end
  local id = w:tile(block).foreground
  while w:tile(block).foreground == id do
    err = c:hit(block)
    if err then return nil, "hit: " .. err end
  end
  local picked, gems = {}, 0
  for _, k in ipairs(w:collectables()) do
    if k.position:point() == block then
      local got = c:collect(k.id)
      if type(got) == "string" then return nil, "collect: " .. got end
      if k.isGem then
        gems = gems + k.amount
      else
        local key = (k.inventoryType << 16) | k.blockType
        picked[key] = (picked[key] or 0) + k.amount
      end
    end
  end
  return picked, gems
end

-- The reachable blocks `blockId`, nearest first, without those `skip(point)` rejects.
function nearestBlocks(c, blockId, skip)
  local me, out = c:point(), {}
  for _, p in ipairs(c:world():findTiles(blockId)) do
    if not (skip and skip(p)) then out[#out + 1] = p end
  end
  table.sort(out, function(a, b) return distance(a, me) < distance(b, me) end)
  return out
end

-- Mine the nearest reachable block `blockId`: its point, picked, gems; or nil and why.
function mineNearest(c, blockId, skip)
  for _, block in ipairs(nearestBlocks(c, blockId, skip)) do
    if standingSpot(c, block) then
      local picked, gems = mineAt(c, block)
      if not picked then return nil, gems end
      return block, picked, gems
    end
  end
  return nil, "no reachable block " .. blockId
end
"""

"""A Lua mining routine the action tests and the auto-mine script share: what a user writes
to mine with the documented API (findTiles, getPath, setPoint, hit, collectables, collect)."""

MINE_NEAREST_LUA = """
local SIDES = {Vector2i.new(1, 0), Vector2i.new(-1, 0), Vector2i.new(0, 1), Vector2i.new(0, -1)}

local function passable(w, p)
  local fg = w:tile(p).foreground
  return fg == 0 or getInfo(fg).collision ~= "solid"
end

local function distance(a, b) return math.abs(a.x - b.x) + math.abs(a.y - b.y) end

-- Walk next to the nearest reachable block `blockId`, hit it until it breaks, pick up what
-- it dropped. Returns the block's point and {[invKey] = amount} picked up, gems, or nil + why.
function mineNearest(c, blockId)
  local w, me = c:world(), c:point()
  local targets = w:findTiles(blockId)
  table.sort(targets, function(a, b) return distance(a, me) < distance(b, me) end)
  for _, block in ipairs(targets) do
    for _, side in ipairs(SIDES) do
      local stand = block + side
      if stand == me or (passable(w, stand) and #c:getPath(stand) > 0) then
        local err = c:setPoint(stand)
        if err then return nil, "setPoint: " .. err end
        while w:tile(block).foreground == blockId do
          err = c:hit(block)
          if err then return nil, "hit: " .. err end
        end
        local picked, gems = {}, 0
        for _, k in ipairs(w:collectables()) do
          if k.position:point() == block then
            local err = c:collect(k.id)
            if type(err) == "string" then return nil, "collect: " .. err end
            if k.isGem then
              gems = gems + k.amount
            else
              local key = (k.inventoryType << 16) | k.blockType
              picked[key] = (picked[key] or 0) + k.amount
            end
          end
        end
        return block, picked, gems
      end
    end
  end
  return nil, "no reachable block " .. blockId
end
"""

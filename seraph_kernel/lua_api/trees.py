"""``tile:tree()``: the tree or crop growing on a tile, as ``{point, blockType, mixed, kind,
seed, ready()}``, or ``nil``.

The tree is read from the fleet when asked (``bot_trees``), so it is current whatever world
snapshot the tile came from; ``tree:ready()`` asks again each time, and is ``true`` once the
server says the tree can be harvested (``false`` again once it is harvested or gone).
"""

from __future__ import annotations

from typing import Any

from seraph_kernel.commands.bots import COORD_MAX
from seraph_kernel.engine.contract import ModuleContext
from seraph_kernel.lua_api.client.conventions import game_call

TREE_LUA = """
local treeAt, new2i = ...
local Tree = {__name = "Tree"}
Tree.__index = Tree
Tree.__tostring = function(t)
  return "Tree(" .. tostring(t.blockType) .. " at " .. tostring(t.point) .. ")"
end
local where = setmetatable({}, {__mode = "k"})

function Tree:ready()
  local w = where[self]
  if w == nil then error("ready: expected a tree, got " .. type(self) .. " (call it as tree:ready())", 2) end
  local row = treeAt(w.client, w.x, w.y)
  return row ~= nil and row.seed == self.seed and row.ready
end

-- tile:tree(): the tile's point comes from the world snapshot, the tree from the fleet.
return function(client, point)
  local row = treeAt(client, point.x, point.y)
  if row == nil then return nil end
  local t = setmetatable({point = new2i(point.x, point.y), blockType = row.blockType, mixed = row.mixed,
                          kind = row.kind, seed = row.seed}, Tree)
  where[t] = {client = client, x = point.x, y = point.y}
  return t
end
"""


def define_tree_reader(ctx: ModuleContext, session: Any) -> Any:
    """The Lua function ``tree(client_id, point)`` behind ``tile:tree()``."""

    async def tree_at(client_id: str, x: int, y: int) -> dict[str, Any] | None:
        if not (0 <= x <= COORD_MAX and 0 <= y <= COORD_MAX):
            return None  # off the map: no tree
        rows = await game_call("tree", session.fleet.invoke("bot_trees", {"id": client_id, "x": x, "y": y}))
        if not isinstance(rows, dict) or not rows["trees"]:
            return None  # no tree there, or the bot is gone (a code)
        row = rows["trees"][0]
        return {
            "blockType": row["block_type"],
            "mixed": row["mixed"],
            "kind": row["kind"],
            "seed": row["seed"],
            "ready": row["ready"],
        }

    return ctx.lua(TREE_LUA, ctx.async_function("tree", tree_at), ctx.env.Vector2i.new)

"""Lua the attack tests share (importable as ``attack_sources``: pytest puts ``tests/`` on
the path for the root conftest)."""

#: Fills the VM until an allocation fails: afterwards less than ~64 KiB are left. Functions the
#: attack needs must be made before it (making a closure allocates).
FILL = """
hog = {}
local n = 0
local function big() n = n + 1; hog[n] = string.rep("x", 65536 + n) end
local function small() n = n + 1; hog[n] = tostring(n) .. "." end
while pcall(big) do end
while pcall(small) do end
"""

"""``regex``: PCRE-like regular expressions for scripts (``match``, ``find``, ``gmatch``, ``gsub``,
``split``), with captures and named groups; see ``docs/lua-api.md``, "regex".

The matcher is the ``regex`` package, which runs in C, where the instruction hook never fires.
Patterns are untrusted, so every way into it is bounded:

- matching: each call into C gets :data:`TIMEOUT_S` of CPU time (``regex``'s ``timeout``) and
  runs with the GIL released (``concurrent``), so a catastrophic pattern ends with a Lua error
  and the worker's other scripts and the event loop go on meanwhile. Iterations (``gmatch``,
  ``gsub``, ``split``) fetch matches in batches, each one such call; between batches the script
  runs Lua, where stop and the no-yield budget apply as everywhere.
- compiling: ``regex`` expands counted repetitions when it compiles (``a{4294967294}`` never
  returns), so :func:`repetition_cost` reads the pattern first and refuses one whose expansion
  passes :data:`MAX_EXPANSION`, or that is longer than :data:`MAX_PATTERN_CHARS`.
- memory: Python hands Lua only byte positions (a list of numbers that ``to_lua`` measures
  against the VM's room); the strings of a match are cut from the script's own subject in Lua.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import regex as _regex

from seraph_kernel.engine.contract import LuaArgumentError, ModuleContext

#: CPU seconds one call into the matcher may take (``regex`` counts the thread's CPU time).
TIMEOUT_S = 0.1
MAX_PATTERN_CHARS = 4096
#: What counted repetitions may expand a pattern to (the product of nested counts, summed).
MAX_EXPANSION = 20_000
#: Matches one call hands back at most (iterations fetch 16, 32, … up to this many per call).
MAX_BATCH = 4096
FLAGS = {"i": _regex.IGNORECASE, "m": _regex.MULTILINE, "s": _regex.DOTALL, "x": _regex.VERBOSE}
QUANTIFIER = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
BRACED_ESCAPES = frozenset("pPNx")

LUA = r"""
local env, api = ...
local type, error, tostring, pcall, pairs, min = type, error, tostring, pcall, pairs, math.min
local sub, find, smatch, concat, unpack = string.sub, string.find, string.match, table.concat,
  table.unpack
local tointeger, mtype = math.tointeger, math.type

-- Errors get the position of the user's call (rethrow is tail-called by the public function);
-- a user's own error (a gsub callback) keeps its position, a kill passes through unchanged.
local function rethrow(ok, ...)
  if ok then return ... end
  local e = ...
  if type(e) == "string" and not find(e, "^[^:\n]+:%-?%d+: ") then error(e, 2) end
  error(e, 0)
end

local CACHE_MAX = 64
local cache, cached = {}, 0

local function prepare(name, subject, pattern, flags)
  if mtype(subject) then subject = tostring(subject) end
  if type(subject) ~= "string" then
    error("regex." .. name .. ": expected string subject, got " .. type(subject), 0)
  end
  if type(pattern) ~= "string" then
    error("regex." .. name .. ": expected string pattern, got " .. type(pattern), 0)
  end
  if flags ~= nil and type(flags) ~= "string" then
    error("regex." .. name .. ": expected string flags, got " .. type(flags), 0)
  end
  flags = flags or ""
  local key = flags .. "\0" .. pattern
  local info = cache[key]
  if info == nil then
    local groups, names = api[name].info(pattern, flags)
    info = {groups = groups, names = names, flags = flags, pattern = pattern}
    if cached >= CACHE_MAX then cache, cached = {}, 0 end
    cache[key], cached = info, cached + 1
  end
  return subject, info
end

local function start_at(name, subject, init)
  if init == nil then return 1 end
  local i = tointeger(init)
  if i == nil then error("regex." .. name .. ": expected integer init, got " .. type(init), 0) end
  if i < 0 then i = #subject + i + 1 end
  if i < 1 then i = 1 end
  return i
end

-- A cursor over the matches of one call: `next()` gives the index of the next match in
-- `positions` (or nil), fetching the next batch when one runs out.
local function cursor(name, subject, info, init, limit)
  local scan = api[name].scan
  local positions, stride = {}, 2 * (info.groups + 1)
  local count, index, batch, more = 0, 0, 16, true
  local skip = false
  local c = {}
  function c.next()
    if limit and count >= limit then return nil end
    if index * stride >= #positions then
      if not more or init > #subject + 1 then return nil end
      local wanted = limit and min(batch, limit - count) or batch
      positions = scan(subject, info.pattern, info.flags, init, wanted, skip)
      index = 0
      local got = #positions // stride
      more = got == wanted
      if got == 0 then return nil end
      local last = (got - 1) * stride
      local s, e = positions[last + 1], positions[last + 2]
      init, skip = e + 1, e < s
      if batch < 4096 then batch = batch * 2 end
    end
    index, count = index + 1, count + 1
    return c, (index - 1) * stride
  end
  c.positions = function() return positions end
  return c
end

local function capture(subject, positions, at, g)
  local s = positions[at + 2 * g + 1]
  if s == 0 then return nil end
  return sub(subject, s, positions[at + 2 * g + 2])
end

local function match_table(subject, info, positions, at)
  local m = {}
  for g = 0, info.groups do m[g] = capture(subject, positions, at, g) end
  for nm, g in pairs(info.names) do m[nm] = m[g] end
  return m
end

local function first(name, subject, pattern, init, flags)
  local info
  subject, info = prepare(name, subject, pattern, flags)
  local c = cursor(name, subject, info, start_at(name, subject, init), 1)
  local _, at = c.next()
  return subject, info, at and c.positions(), at
end

local function find_impl(subject, pattern, init, flags)
  local s, info, positions, at = first("find", subject, pattern, init, flags)
  if at == nil then return nil end
  local caps = {}
  for g = 1, info.groups do caps[g] = capture(s, positions, at, g) end
  return positions[at + 1], positions[at + 2], unpack(caps, 1, info.groups)
end

local function match_impl(subject, pattern, init, flags)
  local s, info, positions, at = first("match", subject, pattern, init, flags)
  if at == nil then return nil end
  return match_table(s, info, positions, at)
end

local function gmatch_impl(subject, pattern, flags)
  local s, info = prepare("gmatch", subject, pattern, flags)
  local c = cursor("gmatch", s, info, 1)
  local function step()
    local _, at = c.next()
    if at == nil then return nil end
    return match_table(s, info, c.positions(), at)
  end
  return function() return rethrow(pcall(step)) end
end

-- "$1 and ${name}, $$ for a dollar" -> a list of literal strings and group numbers.
local function template(info, repl)
  local parts, i, n = {}, 1, #repl
  local text = {}
  while i <= n do
    local c = sub(repl, i, i)
    if c ~= "$" then
      text[#text + 1] = c
      i = i + 1
    elseif sub(repl, i + 1, i + 1) == "$" then
      text[#text + 1] = "$"
      i = i + 2
    else
      local digits = smatch(repl, "^%d+", i + 1)
      local ref, len
      if digits then
        ref, len = tointeger(digits), #digits
      else
        local inner = smatch(repl, "^{([%w_]+)}", i + 1)
        if inner == nil then
          error("regex.gsub: invalid replacement at '" .. sub(repl, i, i + 10)
                .. "' (use $1, ${name} or $$)", 0)
        end
        ref, len = tointeger(inner) or info.names[inner], #inner + 2
        if ref == nil then error("regex.gsub: no group named '" .. inner .. "'", 0) end
      end
      if ref > info.groups then error("regex.gsub: no group " .. ref .. " in the pattern", 0) end
      parts[#parts + 1] = concat(text)
      parts[#parts + 1] = ref
      text = {}
      i = i + 1 + len
    end
  end
  parts[#parts + 1] = concat(text)
  return parts
end

local function gsub_impl(subject, pattern, repl, n, flags)
  local s, info = prepare("gsub", subject, pattern, flags)
  local kind = type(repl)
  local parts, literal
  if kind == "string" or mtype(repl) then
    parts = template(info, tostring(repl))
    if #parts == 1 then literal = parts[1] end
  elseif kind ~= "table" and kind ~= "function" then
    error("regex.gsub: expected string, table or function replacement, got " .. kind, 0)
  end
  local limit
  if n ~= nil then
    limit = tointeger(n)
    if limit == nil then error("regex.gsub: expected integer n, got " .. type(n), 0) end
  end
  local c = cursor("gsub", s, info, 1, limit)
  local out, last, count = {}, 1, 0
  while true do
    local _, at = c.next()
    if at == nil then break end
    local positions = c.positions()
    local ms, me = positions[at + 1], positions[at + 2]
    local whole, value = sub(s, ms, me), nil
    if literal then
      value = literal
    elseif parts then
      local pieces = {}
      for k = 1, #parts do
        local p = parts[k]
        pieces[k] = type(p) == "string" and p or (capture(s, positions, at, p) or "")
      end
      value = concat(pieces)
    else
      if kind == "table" then
        value = repl[whole]
      else
        value = repl(match_table(s, info, positions, at))
      end
      if value == nil or value == false then
        value = whole
      elseif mtype(value) then
        value = tostring(value)
      elseif type(value) ~= "string" then
        error("regex.gsub: invalid replacement value (a " .. type(value) .. ")", 0)
      end
    end
    out[#out + 1] = sub(s, last, ms - 1)
    out[#out + 1] = value
    last, count = me + 1, count + 1
  end
  out[#out + 1] = sub(s, last)
  return concat(out), count
end

local function split_impl(subject, pattern, flags)
  local s, info = prepare("split", subject, pattern, flags)
  local c = cursor("split", s, info, 1)
  local out, last = {}, 1
  while true do
    local _, at = c.next()
    if at == nil then break end
    local positions = c.positions()
    out[#out + 1] = sub(s, last, positions[at + 1] - 1)
    last = positions[at + 2] + 1
  end
  out[#out + 1] = sub(s, last)
  return out
end

env.regex = {
  find = function(...) return rethrow(pcall(find_impl, ...)) end,
  match = function(...) return rethrow(pcall(match_impl, ...)) end,
  gmatch = function(...) return rethrow(pcall(gmatch_impl, ...)) end,
  gsub = function(...) return rethrow(pcall(gsub_impl, ...)) end,
  split = function(...) return rethrow(pcall(split_impl, ...)) end,
}
"""


def repetition_cost(pattern: str) -> int:
    """What the pattern's counted repetitions expand it to (nested counts multiply, siblings
    add); ``LuaArgumentError`` for a brace that is not a quantifier (``regex`` reads
    ``{e<=1}`` as fuzzy matching, which we do not offer: escape a literal brace as ``\\{``)."""
    frames = [[0, 0]]  # per open group: [cost so far, cost of the last atom]
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        atom = 1
        if char == "\\":
            i += 2
            if i - 1 < n and pattern[i - 1] in BRACED_ESCAPES and i < n and pattern[i] == "{":
                close = pattern.find("}", i)
                i = n if close < 0 else close + 1
        elif char == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
        elif char == "(":
            if pattern.startswith("(?#", i):
                close = pattern.find(")", i)
                i = n if close < 0 else close + 1
                continue
            frames.append([0, 0])
            i += 1
            continue
        elif char == ")" and len(frames) > 1:
            cost = frames.pop()[0]
            atom = max(cost, 1)
            i += 1
        elif char == "{":
            found = QUANTIFIER.match(pattern, i)
            if found is None or not (found.group(1) or found.group(3)):
                raise LuaArgumentError("a literal { must be escaped as \\{")
            count = max(int(found.group(1) or 0), int(found.group(3) or 0))
            frame = frames[-1]
            frame[0] += frame[1] * (count - 1)
            frame[1] *= count
            if frame[0] > MAX_EXPANSION:
                break
            i = found.end()
            continue
        else:
            i += 1
            if char in "*+?|":
                continue
        frames[-1][0] += atom
        frames[-1][1] = atom
    while len(frames) > 1:
        cost = frames.pop()[0]
        frames[-1][0] += cost
    return frames[0][0]


@lru_cache(maxsize=256)
def compiled(pattern: str, flags: str) -> Any:
    """The compiled pattern, once it passed the checks (cached: scripts reuse patterns)."""
    bits = 0
    for letter in flags:
        if letter not in FLAGS:
            raise LuaArgumentError(f"unknown flag {letter!r} (expected some of {''.join(FLAGS)})")
        bits |= FLAGS[letter]
    if len(pattern) > MAX_PATTERN_CHARS:
        raise LuaArgumentError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
    if repetition_cost(pattern) > MAX_EXPANSION:
        raise LuaArgumentError(f"pattern repeats too much (counted repetitions over {MAX_EXPANSION})")
    try:
        return _regex.compile(pattern, bits)
    except _regex.error as exc:
        raise LuaArgumentError(f"invalid pattern: {exc}") from None
    except (RecursionError, OverflowError, MemoryError) as exc:
        raise LuaArgumentError(f"invalid pattern: {type(exc).__name__}") from None


def pattern_info(pattern: str, flags: str) -> tuple[int, dict[str, int]]:
    """The number of groups and the named ones."""
    found = compiled(pattern, flags)
    return found.groups, dict(found.groupindex)


def char_index(subject: str, byte_pos: int) -> int:
    """The character index of a 0-based byte position of ``subject``'s UTF-8 (rounded up to
    the next character when it falls inside one)."""
    if subject.isascii():
        return byte_pos
    data = subject.encode("utf-8")
    index = len(data[:byte_pos].decode("utf-8", "ignore"))
    if byte_pos < len(data) and data[byte_pos] & 0xC0 == 0x80:
        index += 1
    return index


def to_bytes(subject: str, spans: list[int]) -> list[int]:
    """Character positions -> byte positions (``-1`` kept)."""
    if subject.isascii():
        return spans
    mapping: dict[int, int] = {}
    done, offset = 0, 0
    for pos in sorted({p for p in spans if p >= 0}):
        offset += len(subject[done:pos].encode("utf-8"))
        done = pos
        mapping[pos] = offset
    return [mapping.get(p, -1) for p in spans]


def scan(subject: str, pattern: str, flags: str, init: int, limit: int, skip_empty: bool) -> list[int]:
    """Up to ``limit`` matches from the 1-based byte position ``init``, flat: for each match
    and each group ``start, end`` (Lua's 1-based inclusive byte positions; ``0, 0`` for a
    group that did not take part). ``skip_empty``: the previous batch ended with an empty
    match at ``init``, so one there again is not a new match."""
    found = compiled(pattern, flags)
    limit = max(1, min(int(limit), MAX_BATCH))
    start = char_index(subject, max(0, int(init) - 1))
    matches: list[Any] = []
    try:
        for match in found.finditer(subject, start, timeout=TIMEOUT_S, concurrent=True):
            regs = match.regs
            if skip_empty and regs[0][0] == regs[0][1] == start:
                continue
            matches.append(regs)
            if len(matches) >= limit:
                break
    except TimeoutError:
        raise LuaArgumentError(
            f"pattern took more than {TIMEOUT_S} s of CPU (catastrophic backtracking?)"
        ) from None
    spans = to_bytes(subject, [p for regs in matches for span in regs for p in span])
    for k in range(0, len(spans), 2):
        if spans[k] < 0:
            spans[k] = spans[k + 1] = 0
        else:
            spans[k] += 1
    return spans


def install(ctx: ModuleContext) -> None:
    """Add ``regex`` to ``ctx.env``."""
    api = {}
    for name in ("find", "match", "gmatch", "gsub", "split"):
        api[name] = ctx.to_lua(
            {
                "info": ctx.function(f"regex.{name}", pattern_info),
                "scan": ctx.function(f"regex.{name}", scan),
            }
        )
    ctx.lua(LUA, ctx.env, ctx.to_lua(api))

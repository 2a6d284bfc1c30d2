-- string.find/match/gmatch/gsub for the sandbox. Lua's matcher (lstrlib.c) runs in C, where the
-- hook never fires: one call with a pattern that backtracks over a long subject cannot be
-- stopped. So each call first bounds its worst-case cost in C (a static model of the pattern,
-- cached per pattern string); a cheap call goes to C, an expensive one to the port of lstrlib's
-- matcher below, which runs as Lua inside the script's own coroutine and is therefore hooked:
-- stop, interrupt and the no-yield budget end it like any loop.
--
-- Trusted: loaded as bytecode (sandbox.bytecode) with the real standard library, by
-- lazy_chunks.lua on a VM's first pattern call, with the cost limit and lazy_chunks.lua's
-- `rethrow`; returns {find, match, gmatch, gsub, port, cost}.
local LIMIT, rethrow = ...

local type, tostring, error, pcall, select = type, tostring, error, pcall, select
local sbyte, ssub, schar, sformat = string.byte, string.sub, string.char, string.format
local sfind, smatch, sgmatch, sgsub = string.find, string.match, string.gmatch, string.gsub
local concat, unpack = table.concat, table.unpack
local tointeger, mtype = math.tointeger, math.type

-- The cost model counts matcher steps (a few ns each in C). A call may cost LIMIT steps plus
-- LINEAR steps per subject byte: linear work over a subject that fits in the memory cap ends
-- within a second like any other C string function; anything superlinear must stay small.
local LINEAR = 16
local CACHE_MAX, CACHEABLE = 256, 256 -- cached patterns, longest cached pattern
local ANALYZED = 4096 -- longest pattern the model reads (longer ones always run in Lua)

local CAP_UNFINISHED, CAP_POSITION = -1, -2
local MAXCCALLS, MAXCAPTURES = 200, 32

-- `rethrow` (lazy_chunks.lua's): errors get the position of the user's call; must be
-- tail-called by the function the user called.

---------------------------------------------------------------------------------------------
-- Character classes (%a, %d, ...), read from C once so they follow the process locale exactly.
---------------------------------------------------------------------------------------------
local CLASS
local function classes()
  if CLASS then return CLASS end
  local bytes = {}
  for i = 0, 255 do bytes[i + 1] = i end
  local all = schar(unpack(bytes))
  CLASS = {}
  for i = 1, 22 do
    local cl = sbyte("acdglpsuwxzACDGLPSUWXZ", i)
    local members = sgsub(all, "[^%" .. schar(cl) .. "]", "")
    local set = {}
    for j = 1, #members do set[sbyte(members, j)] = true end
    CLASS[cl] = set
  end
  return CLASS
end

-- A byte as a set member: letters and digits as themselves (%a would be a class), others escaped.
local function literal(c)
  if (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122) then return schar(c) end
  return "%" .. schar(c)
end

---------------------------------------------------------------------------------------------
-- The port of lstrlib.c's matcher (Lua 5.4). Positions are 1-based; N + 1 is the subject's
-- end and PLEN + 1 the pattern's. One state per call (gsub callbacks and gmatch loops nest).
---------------------------------------------------------------------------------------------
local function new_state(S, P)
  local N, PLEN = #S, #P
  local cls = classes()
  local level, depth = 0, MAXCCALLS
  local cinit, clen = {}, {}
  local counters, ends, sets = {}, {}, {}
  local match

  -- The pattern's bytes (a table is faster than string.byte; huge patterns fill it lazily).
  local PB = {}
  if PLEN <= 8192 then
    for i = 1, PLEN, 256 do
      local j = i + 255 < PLEN and i + 255 or PLEN
      local bytes = { sbyte(P, i, j) }
      for k = 1, j - i + 1 do PB[i + k - 1] = bytes[k] end
    end
  else
    setmetatable(PB, { __index = function(t, i)
      local b = sbyte(P, i)
      if b then t[i] = b end
      return b
    end })
  end

  local function match_class(c, cl)
    local set = cls[cl]
    if set then return set[c] == true end
    return cl == c
  end

  -- classend, remembered per position (it raises the first time, as C raises on each visit).
  local function classend(p)
    local ep = ends[p]
    if ep then return ep end
    ep = p
    local c = PB[ep]
    ep = ep + 1
    if c == 37 then -- '%'
      if ep > PLEN then error("malformed pattern (ends with '%')", 0) end
      ep = ep + 1
    elseif c == 91 then -- '['
      if PB[ep] == 94 then ep = ep + 1 end
      repeat
        if ep > PLEN then error("malformed pattern (missing ']')", 0) end
        local cc = PB[ep]
        ep = ep + 1
        if cc == 37 and ep <= PLEN then ep = ep + 1 end
      until PB[ep] == 93
      ep = ep + 1
    end
    ends[p] = ep
    return ep
  end

  -- p is the '[' and ec the ']' of the set.
  local function matchbracketclass(c, p, ec)
    local sig = true
    if PB[p + 1] == 94 then
      sig = false
      p = p + 1
    end
    p = p + 1
    while p < ec do
      local pc = PB[p]
      if pc == 37 then
        p = p + 1
        if match_class(c, PB[p]) then return sig end
      elseif PB[p + 1] == 45 and p + 2 < ec then
        if pc <= c and c <= PB[p + 2] then return sig end
        p = p + 2
      elseif pc == c then
        return sig
      end
      p = p + 1
    end
    return not sig
  end

  -- The bytes the single item p..ep-1 matches, as a table byte -> true (built on first use).
  local function item_bytes(p, ep)
    local pc = PB[p]
    local set
    if pc == 46 then -- '.'
      set = setmetatable({}, { __index = function() return true end })
    elseif pc == 37 then
      local cl = PB[p + 1]
      set = cls[cl] or { [cl] = true }
    elseif pc == 91 then
      local ec = ep - 1
      set = setmetatable({}, { __index = function(t, c)
        local r = matchbracketclass(c, p, ec)
        t[c] = r
        return r
      end })
    else
      set = { [pc] = true }
    end
    sets[p] = set
    return set
  end

  local function singlematch(s, p, ep)
    if s > N then return false end
    return (sets[p] or item_bytes(p, ep))[sbyte(S, s)] == true
  end

  local function matchbalance(s, p)
    if p >= PLEN then error("malformed pattern (missing arguments to '%b')", 0) end
    local b, e = PB[p], PB[p + 1]
    if (sbyte(S, s) or 0) ~= b or s > N then return nil end
    local stops = "[" .. literal(b) .. literal(e) .. "]"
    local cont = 1
    s = s + 1
    while s <= N do
      s = sfind(S, stops, s) -- C: one linear scan to the next bracket
      if not s then return nil end
      local ch = sbyte(S, s)
      if ch == e then
        cont = cont - 1
        if cont == 0 then return s + 1 end
      elseif ch == b then
        cont = cont + 1
      end
      s = s + 1
    end
    return nil
  end

  -- How many times the single item p..ep-1 matches from s on (C: one linear, anchored scan).
  local function count(s, p, ep)
    local pat = counters[p]
    if not pat then
      pat = "^" .. ssub(P, p, ep - 1) .. "*"
      counters[p] = pat
    end
    local _, e = sfind(S, pat, s)
    return e - s + 1
  end

  local function max_expand(s, p, ep)
    local i = count(s, p, ep)
    while i >= 0 do
      local res = match(s + i, ep + 1)
      if res then return res end
      i = i - 1
    end
    return nil
  end

  local function min_expand(s, p, ep)
    while true do
      local res = match(s, ep + 1)
      if res then return res end
      if singlematch(s, p, ep) then s = s + 1 else return nil end
    end
  end

  local function start_capture(s, p, what)
    if level >= MAXCAPTURES then error("too many captures", 0) end
    level = level + 1
    cinit[level], clen[level] = s, what
    local res = match(s, p)
    if res == nil then level = level - 1 end
    return res
  end

  local function end_capture(s, p)
    local l = level
    while l >= 1 and clen[l] ~= CAP_UNFINISHED do l = l - 1 end
    if l < 1 then error("invalid pattern capture", 0) end
    clen[l] = s - cinit[l]
    local res = match(s, p)
    if res == nil then clen[l] = CAP_UNFINISHED end
    return res
  end

  local function match_capture(s, c)
    local l = c - 48 -- 0-based capture index
    if l < 1 or l > level or clen[l] == CAP_UNFINISHED then
      error(sformat("invalid capture index %%%d", l), 0)
    end
    local len = clen[l]
    if len < 0 or N - s + 1 < len then return nil end -- a position capture never matches
    if len == 0 or ssub(S, cinit[l], cinit[l] + len - 1) == ssub(S, s, s + len - 1) then return s + len end
    return nil
  end

  match = function(s, p)
    if depth == 0 then error("pattern too complex", 0) end
    depth = depth - 1
    while p <= PLEN do
      local pc = PB[p]
      local nx = PB[p + 1]
      if pc == 40 then -- '('
        if nx == 41 then s = start_capture(s, p + 2, CAP_POSITION)
        else s = start_capture(s, p + 1, CAP_UNFINISHED) end
        break
      elseif pc == 41 then -- ')'
        s = end_capture(s, p + 1)
        break
      elseif pc == 36 and p == PLEN then -- '$' ending the pattern
        if s ~= N + 1 then s = nil end
        break
      elseif pc == 37 and nx == 98 then -- %b
        s = matchbalance(s, p + 2)
        if s == nil then break end
        p = p + 4
      elseif pc == 37 and nx == 102 then -- %f
        p = p + 2
        if PB[p] ~= 91 then error("missing '[' after '%f' in pattern", 0) end
        local ep = classend(p)
        local previous = s == 1 and 0 or sbyte(S, s - 1)
        local current = sbyte(S, s) or 0
        if matchbracketclass(previous, p, ep - 1) or not matchbracketclass(current, p, ep - 1) then
          s = nil
          break
        end
        p = ep
      elseif pc == 37 and nx and nx >= 48 and nx <= 57 then -- %0-%9
        s = match_capture(s, nx)
        if s == nil then break end
        p = p + 2
      else
        local ep = classend(p)
        local q = PB[ep]
        if not singlematch(s, p, ep) then
          if q == 42 or q == 63 or q == 45 then -- '*', '?', '-' accept empty
            p = ep + 1
          else
            s = nil
            break
          end
        elseif q == 63 then -- '?'
          local res = match(s + 1, ep + 1)
          if res then
            s = res
            break
          end
          p = ep + 1
        elseif q == 43 then -- '+'
          s = max_expand(s + 1, p, ep)
          break
        elseif q == 42 then -- '*'
          s = max_expand(s, p, ep)
          break
        elseif q == 45 then -- '-'
          s = min_expand(s, p, ep)
          break
        else
          s = s + 1
          p = ep
        end
      end
    end
    depth = depth + 1
    return s
  end

  local state = {}

  function state.match(s, p)
    level = 0
    return match(s, p)
  end

  -- get_onecapture: the i-th capture (0-based), or the whole match s..e-1 when there is none.
  local function capture(i, s, e)
    if i >= level then
      if i ~= 0 then error(sformat("invalid capture index %%%d", i + 1), 0) end
      return ssub(S, s, e - 1)
    end
    local l = clen[i + 1]
    if l == CAP_UNFINISHED then error("unfinished capture", 0) end
    if l == CAP_POSITION then return cinit[i + 1] end
    return ssub(S, cinit[i + 1], cinit[i + 1] + l - 1)
  end
  state.capture = capture

  -- push_captures: every capture, or the whole match when there is none and s is given.
  function state.captures(s, e)
    local n = level
    if n == 0 then
      if s then return ssub(S, s, e - 1) end
      return
    end
    local out = {}
    for i = 1, n do out[i] = capture(i - 1, s, e) end
    return unpack(out, 1, n)
  end

  return state
end

-- posrelatI of lstrlib.c: a relative start position, clipped to [1, inf).
local function start_position(pos, len)
  if pos > 0 then return pos end
  if pos == 0 or pos < -len then return 1 end
  return len + pos + 1
end

local function nospecials(p)
  return not sfind(p, "[%^%$%*%+%?%.%(%[%%%-]")
end

-- lmemfind: the first occurrence of p in s at or after init (1-based), as a Lua loop: C finds
-- the candidates for a short head of p, Lua checks the rest.
local HEAD = 16
local function plain_search(s, p, init)
  local m = #p
  if m == 0 then return init end
  local last = #s - m + 1
  if init > last then return nil end
  if m <= HEAD then return (sfind(s, p, init, true)) end
  local head = ssub(p, 1, HEAD)
  while init <= last do
    local i = sfind(s, head, init, true)
    if not i or i > last then return nil end
    if ssub(s, i, i + m - 1) == p then return i end
    init = i + 1
  end
  return nil
end

local function port_find(find, s, p, init, plain)
  local ls = #s
  init = start_position(init, ls)
  if init > ls + 1 then return nil end
  if find and (plain or nospecials(p)) then
    local i = plain_search(s, p, init)
    if i then return i, i + #p - 1 end
    return nil
  end
  local state = new_state(s, p)
  local anchor = sbyte(p, 1) == 94
  local first = anchor and 2 or 1
  local s1 = init
  while true do
    local e = state.match(s1, first)
    if e then
      if find then return s1, e - 1, state.captures(nil) end
      return state.captures(s1, e)
    end
    if anchor or s1 > ls then return nil end
    s1 = s1 + 1
  end
end

local function port_gmatch(s, p, init)
  local ls = #s
  init = start_position(init, ls)
  if init > ls + 1 then init = ls + 2 end
  local state = new_state(s, p)
  local src, lastmatch = init, nil
  local function step()
    for s1 = src, ls + 1 do
      local e = state.match(s1, 1)
      if e and e ~= lastmatch then
        src, lastmatch = e, e
        return state.captures(s1, e)
      end
    end
  end
  return function() return rethrow(pcall(step)) end
end

-- The replacement string of gsub as pieces: text, capture numbers (0-9), or false where a '%'
-- is misused (an error only once a match needs it, as in C).
local function replacement_pieces(r)
  local pieces, n, i = {}, 0, 1
  while true do
    local pct = sfind(r, "%", i, true)
    if not pct then
      if i <= #r then n = n + 1; pieces[n] = ssub(r, i) end
      return pieces, n
    end
    if pct > i then n = n + 1; pieces[n] = ssub(r, i, pct - 1) end
    local c = sbyte(r, pct + 1)
    n = n + 1
    if c == 37 then pieces[n] = "%"
    elseif c and c >= 48 and c <= 57 then pieces[n] = c - 48
    else
      pieces[n] = false
      return pieces, n
    end
    i = pct + 2
  end
end

local function port_gsub(s, p, repl, max_s)
  local ls = #s
  local tr = type(repl)
  if tr == "number" then repl, tr = tostring(repl), "string" end
  local state = new_state(s, p)
  local anchor = sbyte(p, 1) == 94
  local first = anchor and 2 or 1
  local pieces, npieces
  if tr == "string" then pieces, npieces = replacement_pieces(repl) end
  local out, no = {}, 0
  local src, copied, lastmatch, count, changed = 1, 1, nil, 0, false
  while count < max_s do
    local e = state.match(src, first)
    if e and e ~= lastmatch then
      count = count + 1
      if src > copied then no = no + 1; out[no] = ssub(s, copied, src - 1) end
      if pieces then
        for k = 1, npieces do
          local piece = pieces[k]
          if piece == false then error("invalid use of '%' in replacement string", 0) end
          if piece == 0 then piece = ssub(s, src, e - 1)
          elseif type(piece) == "number" then piece = tostring(state.capture(piece - 1, src, e)) end
          if piece ~= "" then
            no = no + 1
            out[no] = piece
          end
        end
        changed = true
      else
        local value
        if tr == "function" then value = repl(state.captures(src, e))
        else value = repl[state.capture(0, src, e)] end
        if not value then
          value = ssub(s, src, e - 1)
        elseif type(value) == "string" or type(value) == "number" then
          value = tostring(value)
          changed = true
        else
          error(sformat("invalid replacement value (a %s)", type(value)), 0)
        end
        no = no + 1
        out[no] = value
      end
      src, copied, lastmatch = e, e, e
    elseif src <= ls then
      src = src + 1
    else
      break
    end
    if anchor then break end
  end
  if not changed then return s, count end
  if copied <= ls then no = no + 1; out[no] = ssub(s, copied) end
  return concat(out, "", 1, no), count
end

---------------------------------------------------------------------------------------------
-- The cost model: an upper bound of lstrlib's steps for one call, as a function of the
-- subject length n. The pattern is read as match() reads it; per item, backwards:
--   C   the cost of one attempt from this item,
--   first/Wf  the bytes the rest can start consuming with, and the cost of walking the rest
--       at a byte it cannot start with (it fails, or succeeds empty, within Wf steps),
--   AS  the rest matches anywhere (only optional items and captures left),
--   Lin an attempt fails within W steps or succeeds in steps proportional to what it consumed.
-- A repetition x*, x+, x- multiplies the rest's cost by n unless x's bytes cannot start the
-- rest, in which case every retry but one fails at once (additive). %b and back-references
-- cost n. A malformed item ends the model like the pattern's end (C raises there).
---------------------------------------------------------------------------------------------
local OPEN, CLOSE, POSITION, DOLLAR, BALANCE, FRONTIER, BACKREF, SINGLE = 1, 2, 3, 4, 5, 6, 7, 8
local ALL = { -1, -1, -1, -1 }
local NONE = { 0, 0, 0, 0 }

local function byte_set(c)
  local set = { 0, 0, 0, 0 }
  set[(c >> 6) + 1] = 1 << (c & 63)
  return set
end

local function table_set(members, negate)
  local set = { 0, 0, 0, 0 }
  for c = 0, 255 do
    if (members[c] == true) ~= (negate == true) then
      local w = (c >> 6) + 1
      set[w] = set[w] | (1 << (c & 63))
    end
  end
  return set
end

local function union(a, b)
  return { a[1] | b[1], a[2] | b[2], a[3] | b[3], a[4] | b[4] }
end

local function disjoint(a, b)
  return (a[1] & b[1]) | (a[2] & b[2]) | (a[3] & b[3]) | (a[4] & b[4]) == 0
end

-- classend without errors: nil where C would raise.
local function item_end(P, p, plen)
  local c = sbyte(P, p)
  p = p + 1
  if c == 37 then
    if p > plen then return nil end
    return p + 1
  elseif c == 91 then
    if sbyte(P, p) == 94 then p = p + 1 end
    repeat
      if p > plen then return nil end
      local cc = sbyte(P, p)
      p = p + 1
      if cc == 37 and p <= plen then p = p + 1 end
    until sbyte(P, p) == 93
    return p + 1
  end
  return p
end

local SETS_ALL
local function item_set(P, p, ep)
  local c = sbyte(P, p)
  if c == 46 then return ALL end
  if c == 37 then
    local cl = sbyte(P, p + 1)
    local members = classes()[cl]
    if members then return table_set(members) end
    return byte_set(cl)
  end
  if c == 91 then
    if ep - p > 1024 then return ALL end
    if not SETS_ALL then
      local bytes = {}
      for i = 0, 255 do bytes[i + 1] = i end
      SETS_ALL = schar(unpack(bytes))
    end
    local outside = sgsub(SETS_ALL, ssub(P, p, ep - 1), "")
    local members = {}
    for i = 1, #outside do members[sbyte(outside, i)] = true end
    return table_set(members, true)
  end
  return byte_set(c)
end

-- The items of P from `start`, with everything about them that does not depend on n, and
-- `safe`: no match of P can raise an error (captures balanced and in range, nothing
-- malformed, recursion far from the matcher's depth limit), which C decides as it goes.
local function analyze(P, start)
  local plen = #P
  local kind, weight, set, quant = {}, {}, {}, {}
  local k, p = 0, start
  local safe, opened, open, closed, nested = true, 0, {}, {}, 0
  while p <= plen do
    local c, nx = sbyte(P, p), sbyte(P, p + 1)
    k = k + 1
    weight[k] = 1
    if c == 40 then
      opened, nested = opened + 1, nested + 1
      if nx == 41 then
        kind[k] = POSITION; p = p + 2
        closed[opened] = true
      else
        kind[k] = OPEN; p = p + 1
        open[#open + 1] = opened
      end
    elseif c == 41 then
      kind[k] = CLOSE; p = p + 1
      nested = nested + 1
      if #open == 0 then safe = false else closed[open[#open]] = true; open[#open] = nil end
    elseif c == 36 and p == plen then
      kind[k] = DOLLAR; p = p + 1
    elseif c == 37 and nx == 98 then
      if p + 3 > plen then k = k - 1; safe = false; break end
      kind[k], set[k] = BALANCE, byte_set(sbyte(P, p + 2)); p = p + 4
    elseif c == 37 and nx == 102 then
      local ep = sbyte(P, p + 2) == 91 and item_end(P, p + 2, plen)
      if not ep then k = k - 1; safe = false; break end
      kind[k], weight[k] = FRONTIER, ep - p; p = ep
    elseif c == 37 and nx and nx >= 48 and nx <= 57 then
      kind[k] = BACKREF; p = p + 2
      if not closed[nx - 48] then safe = false end
    else
      local ep = item_end(P, p, plen)
      if not ep then k = k - 1; safe = false; break end
      kind[k], weight[k], set[k] = SINGLE, ep - p, item_set(P, p, ep)
      local q = sbyte(P, ep)
      if q == 42 or q == 43 or q == 45 or q == 63 then
        quant[k] = q; p = ep + 1
        nested = nested + 1
      else
        p = ep
      end
    end
  end
  if #open > 0 or opened > MAXCAPTURES or nested >= MAXCCALLS - 10 then safe = false end
  -- backwards: first, Wf, AS, Lin, W, and whether each repetition is disjoint from its rest
  local items = { n = k, kind = kind, weight = weight, quant = quant, apart = {}, safe = safe }
  local first, wf, as, lin, wall, wmax = NONE, 1, true, true, 1, 1
  for i = k, 1, -1 do
    local kd, w, q = kind[i], weight[i], quant[i]
    if kd == SINGLE and q then items.apart[i] = disjoint(set[i], first) end
    local nlin = lin
    if kd == SINGLE then
      if w > wmax then wmax = w end
      if q then nlin = as and lin end
      if q == 43 or not q then as = false end
    elseif kd == BALANCE or kd == BACKREF then
      nlin, as = false, false
    elseif kd == DOLLAR then
      nlin, as = true, false
    elseif kd == FRONTIER then
      as = false
    end
    lin = nlin
    -- the rest seen from the item before
    if kd == OPEN or kd == CLOSE or kd == POSITION or kd == FRONTIER then
      wf = w + wf
    elseif kd == SINGLE and q and q ~= 43 then
      first, wf = union(set[i], first), w + wf
    elseif kd == SINGLE or kd == BALANCE then
      first, wf = set[i], w
    elseif kd == BACKREF then
      first, wf = ALL, w
    else
      first, wf = NONE, 1
    end
    items[i] = wf -- Wf of the rest starting at i
    wall = wall + w
  end
  items.lin, items.W, items.wmax = lin, wall, wmax
  return items
end

-- C(1): the cost of one attempt, for a subject of n bytes.
local function attempt_cost(items, n)
  local kind, weight, quant, apart = items.kind, items.weight, items.quant, items.apart
  local c = 1
  for i = items.n, 1, -1 do
    local kd, w = kind[i], weight[i]
    if kd == SINGLE then
      local q = quant[i]
      local rest_wf = items[i + 1] or 1
      if not q then
        c = w + c
      elseif q == 63 then
        c = apart[i] and (w + c + rest_wf) or (w + 2 * c)
      elseif apart[i] then
        c = n * (w + rest_wf) + c
      elseif q == 45 then
        c = (n + 1) * (w + c)
      else
        c = n * w + (n + 1) * c
      end
    elseif kd == BALANCE or kd == BACKREF then
      c = n + c
    elseif kd == DOLLAR then
      c = 1
    else
      c = w + c
    end
  end
  return c
end

local MATCH, GMATCH, GSUB = 1, 2, 3

local function call_cost(items, anchored, mode, n)
  local starts
  if anchored then starts = 1
  elseif mode == GSUB then starts = 2 * (n + 1)
  else starts = n + 1 end
  if items.lin then return starts * items.W + n * items.wmax end
  return starts * attempt_cost(items, n)
end

local function affordable(cost, n)
  return cost <= LIMIT + LINEAR * n
end

-- The longest subject C may match P against in `mode` (the cost is convex in n, so the
-- affordable lengths are 0..max), and whether P is safe (see analyze).
local function max_length(P, mode)
  if #P > ANALYZED then return -1, false end
  local anchored = mode ~= GMATCH and sbyte(P, 1) == 94
  local items = analyze(P, anchored and 2 or 1)
  local function ok(n) return affordable(call_cost(items, anchored, mode, n), n) end
  if not ok(0) then return -1, items.safe end
  local lo, hi = 0, 64
  while ok(hi) do
    if hi >= 1 << 40 then return hi, items.safe end
    lo, hi = hi, hi * 4
  end
  while hi - lo > 1 do
    local mid = (lo + hi) // 2
    if ok(mid) then lo = mid else hi = mid end
  end
  return lo, items.safe
end

-- The longest subject a plain search for m bytes may scan in C.
local function plain_max(m)
  if m <= 16 * (LINEAR - 1) then return 1 << 53 end
  return LIMIT // (m / 16 - (LINEAR - 1))
end

-- Per pattern string P (cached while short): `plain` (no special characters), `plainmax`, and,
-- once needed, the longest subjects of each mode [MATCH], [GMATCH], [GSUB], whether P is
-- `safe`, and `find` and `match`/`gsub` limits of the unprotected fast path (-1: never).
local cache, cached = {}, 0

local function limits(P)
  local entry = cache[P]
  if entry then return entry end
  entry = { plain = nospecials(P), plainmax = plain_max(#P) }
  if entry.plain then entry.find = entry.plainmax end
  if #P <= CACHEABLE then
    if cached >= CACHE_MAX then cache, cached = {}, 0 end
    cache[P] = entry
    cached = cached + 1
  end
  return entry
end

local function max_for(entry, P, mode)
  local m = entry[mode]
  if not m then
    local safe
    m, safe = max_length(P, mode)
    entry[mode] = m
    if mode ~= GMATCH then
      entry.safe = safe
      if mode == MATCH then
        entry.find = entry.plain and entry.plainmax or (safe and m or -1)
        entry.match = safe and m or -1
      else
        entry.gsub = safe and m or -1
      end
    else
      entry.gmatch = m
    end
  end
  return m
end

---------------------------------------------------------------------------------------------
-- The library functions. The fast path (strings, a cached pattern that cannot raise, a short
-- enough subject) tail-calls C: nothing can fail there, so nothing needs the pcall that gives
-- C's errors the user's position. Otherwise arguments that are not what C wants go to C under
-- pcall (it raises before matching anything), and expensive calls go to the port.
---------------------------------------------------------------------------------------------
local function as_text(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring(v) end
  return nil
end

local function opt_integer(v, default)
  if v == nil then return default end
  return tointeger(v)
end

local function find_checked(...)
  local s, p, init, plain = ...
  s, p = as_text(s), as_text(p)
  if s and p then
    local entry = limits(p)
    local most
    if plain or entry.plain then most = entry.plainmax else most = max_for(entry, p, MATCH) end
    if #s > most then
      local i = opt_integer(init, 1)
      if i then return rethrow(pcall(port_find, true, s, p, i, plain)) end
    end
  end
  return rethrow(pcall(sfind, ...))
end

local function match_checked(...)
  local s, p, init = ...
  s, p = as_text(s), as_text(p)
  if s and p and #s > max_for(limits(p), p, MATCH) then
    local i = opt_integer(init, 1)
    if i then return rethrow(pcall(port_find, false, s, p, i)) end
  end
  return rethrow(pcall(smatch, ...))
end

local function gmatch_checked(...)
  local s, p, init = ...
  s, p = as_text(s), as_text(p)
  if s and p and #s > max_for(limits(p), p, GMATCH) then
    local i = opt_integer(init, 1)
    if i then return rethrow(pcall(port_gmatch, s, p, i)) end
  end
  return rethrow(pcall(sgmatch, ...))
end

-- Every match scans a replacement string: its cost on top of the pattern's.
local function replacement_affordable(p, n, r)
  local attempts = sbyte(p, 1) == 94 and 1 or 2 * (n + 1)
  return affordable(attempts * #r, n)
end

local function gsub_checked(...)
  local s, p, repl, max_s = ...
  s, p = as_text(s), as_text(p)
  if s and p and select("#", ...) >= 3 then
    local n = #s
    local tr = type(repl)
    if tr == "number" then repl, tr = tostring(repl), "string" end
    if (tr == "string" or tr == "table" or tr == "function")
      and (n > max_for(limits(p), p, GSUB) or (tr == "string" and not replacement_affordable(p, n, repl))) then
      local m = opt_integer(max_s, n + 1)
      if m then return rethrow(pcall(port_gsub, s, p, repl, m)) end
    end
  end
  return rethrow(pcall(sgsub, ...))
end

local M = {}

-- (cache only holds strings, so a hit also says `p` is one)
function M.find(...)
  local s, p, init, plain = ...
  local entry = cache[p]
  if entry and type(s) == "string" and (init == nil or mtype(init) == "integer") then
    local most = entry.find
    if plain then most = entry.plainmax end
    if most and #s <= most then return sfind(...) end
  end
  return find_checked(...)
end

function M.match(...)
  local s, p, init = ...
  local entry = cache[p]
  if entry and type(s) == "string" and (init == nil or mtype(init) == "integer") then
    local most = entry.match
    if most and #s <= most then return smatch(...) end
  end
  return match_checked(...)
end

function M.gmatch(...)
  local s, p, init = ...
  local entry = cache[p]
  if entry and type(s) == "string" and (init == nil or mtype(init) == "integer") then
    local most = entry.gmatch
    if most and #s <= most then return sgmatch(...) end
  end
  return gmatch_checked(...)
end

function M.gsub(...)
  local s, p, repl, max_s = ...
  local entry = cache[p]
  if entry and type(s) == "string" and type(repl) == "string" and (max_s == nil or mtype(max_s) == "integer") then
    local most = entry.gsub
    if most and #s <= most and (#repl <= LINEAR // 2 or replacement_affordable(p, #s, repl))
      and not sfind(repl, "%", 1, true) then
      return sgsub(...)
    end
  end
  return gsub_checked(...)
end

-- For tests and benchmarks: the port itself, and the model's verdict.
M.port = {
  find = function(s, p, init, plain) return port_find(true, s, p, init or 1, plain) end,
  match = function(s, p, init) return port_find(false, s, p, init or 1) end,
  gmatch = function(s, p, init) return port_gmatch(s, p, init or 1) end,
  gsub = function(s, p, repl, max_s) return port_gsub(s, p, repl, max_s or #s + 1) end,
}

function M.cost(p, n, mode)
  local m = ({ match = MATCH, gmatch = GMATCH, gsub = GSUB })[mode or "match"]
  local anchored = m ~= GMATCH and sbyte(p, 1) == 94
  return call_cost(analyze(p, anchored and 2 or 1), anchored, m, n)
end

function M.safe(p)
  return analyze(p, sbyte(p, 1) == 94 and 2 or 1).safe
end

function M.max_length(p, mode)
  return (max_length(p, ({ match = MATCH, gmatch = GMATCH, gsub = GSUB })[mode or "match"]))
end

return M

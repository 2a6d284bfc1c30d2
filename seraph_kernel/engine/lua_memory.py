"""Room in a VM for values Python pushes into it.

Lua raises "not enough memory" with a ``longjmp`` to the nearest protected call. When Python
builds Lua values (a binding's result, arguments to resume a coroutine with, a source to
compile), there is no protected call between the allocation and Python's own frames: the
process aborts (``PANIC: unprotected error``) or the error unwinds through Python with the
GIL held. So every push of a size the script controls goes through here first:
:func:`lua_size` estimates what the value costs, :meth:`LuaMemory.fits` says whether the VM
has room for it (with :data:`SLACK` kept free for Lua's own bookkeeping), and tables are built
under :meth:`LuaMemory.lifted`, with the cap out of the way, so building can never fail half
way. A value that does not fit becomes the script's own Lua error, "not enough memory".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from seraph_kernel.engine.contract import LuaArgumentError

#: Bytes kept free below the cap for what a push costs besides the value (stack slots,
#: short strings, the error message Lua may have to make).
SLACK = 64 << 10
#: Bytes a script must leave free whenever it hands control to Python (loader.lua's
#: ``room_check``): room for lupa's own conversions and for the pushes that :data:`SLACK` guards.
RESERVE = 256 << 10
STRING_OVERHEAD = 40
TABLE_OVERHEAD = 96
#: A slot of an array or hash part, with the power-of-two growth of both.
SLOT_BYTES = 48
#: ``resume`` argument meaning "the value did not fit": a number, so pushing it allocates
#: nothing (loader.lua raises "not enough memory" in the script's coroutine on seeing it).
NO_ROOM = 0
NO_ROOM_MESSAGE = "not enough memory"


class NotEnoughLuaMemory(LuaArgumentError):
    """A value a binding returns does not fit in the script's memory."""

    def __init__(self) -> None:
        super().__init__(NO_ROOM_MESSAGE)


def string_size(text: str | bytes) -> int:
    """An upper bound of the bytes a Lua string of ``text`` takes."""
    if isinstance(text, bytes) or text.isascii():
        return STRING_OVERHEAD + len(text)
    return STRING_OVERHEAD + 4 * len(text)


def lua_size(value: Any, limit: int) -> int:
    """Estimated bytes the Lua copy of ``value`` takes; stops counting past ``limit``."""
    total = 0
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, (str, bytes)):
            total += string_size(item)
        elif isinstance(item, dict):
            total += TABLE_OVERHEAD + SLOT_BYTES * len(item)
            extend(item.keys())
            extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += TABLE_OVERHEAD + SLOT_BYTES * len(item)
            extend(item)
        if total > limit:
            break
    return total


def args_size(values: tuple[Any, ...]) -> int:
    """What pushing ``values`` as arguments costs (only strings allocate)."""
    total = 0
    for value in values:
        if isinstance(value, (str, bytes)):
            total += string_size(value)
    return total


class LuaMemory:
    """The memory cap of one lupa runtime, seen from Python."""

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self._capped = bool(runtime.get_max_memory())
        self._unbounded = False

    def room(self) -> int:
        """Bytes the VM may still allocate, :data:`SLACK` kept aside (huge when uncapped)."""
        if not self._capped or self._unbounded:  # no cap, or lifted out of the way
            return 1 << 62
        runtime = self._runtime
        return runtime.get_max_memory() - runtime.get_memory_used() - SLACK

    def fits(self, nbytes: int) -> bool:
        return nbytes <= self.room()

    def require(self, value: Any) -> None:
        """Raise :class:`NotEnoughLuaMemory` unless the Lua copy of ``value`` fits."""
        room = self.room()
        if lua_size(value, room) > room:
            raise NotEnoughLuaMemory()

    @contextmanager
    def lifted(self, extra: int | None = None) -> Iterator[None]:
        """Raise the cap while Python builds a value already known to fit (or, with ``extra``,
        by that many bytes, to tear a run down): no allocation can fail half way."""
        runtime = self._runtime
        if not self._capped or self._unbounded:
            yield
            return
        limit = runtime.get_max_memory()
        if extra is None:
            self._unbounded = True
            runtime.set_max_memory(0)
        else:
            runtime.set_max_memory(limit + extra)
        try:
            yield
        finally:
            runtime.set_max_memory(limit)
            self._unbounded = False

"""``lua`` in ``%%python``: the cell VM's globals as a dict-like view of plain data.

Reading gives the user's globals that are plain data (tables become dicts/lists, as the
runtime's ``from_lua`` converts them); writing converts dicts/lists back to tables. Functions
and library tables do not cross, so nothing Lua-side is called from Python by accident.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any


class LuaGlobals(MutableMapping[str, Any]):
    """Plain-data globals of a :class:`~seraph_kernel.kernel.cell_runner.CellRunner`'s VM."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getitem__(self, name: str) -> Any:
        return self._session.globals()[name]

    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise KeyError(f"not a Lua global name: {name!r}")
        self._session.set_global(name, value)

    def __delitem__(self, name: str) -> None:
        if name not in self._session.globals():
            raise KeyError(name)
        self._session.set_global(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._session.globals()))

    def __len__(self) -> int:
        return len(self._session.globals())

    def __repr__(self) -> str:
        return f"lua({self._session.globals()!r})"

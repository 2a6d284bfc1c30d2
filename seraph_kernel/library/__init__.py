"""The saved-script library (``002_…``): scripts with settings, versions, keys, sessions and
per-day execution counts, in the fleet's SQLite store. ``docs/library.md`` describes it."""

"""Seraph Notebook: a Lua Jupyter kernel and engine for scripting game bots."""

__version__ = "0.1.0"

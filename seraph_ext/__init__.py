"""Jupyter server extension mounting the Seraph REST API (bots, scripts, events)."""

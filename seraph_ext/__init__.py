"""Jupyter server extension mounting the Seraph REST API (bots, scripts, events).

Enabled by installing the package (``etc/jupyter/jupyter_server_config.d/seraph_ext.json``
ships as shared data); ``jupyter server extension list`` shows it.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from seraph_ext.app import SeraphExtension

    return [{"module": "seraph_ext.app", "app": SeraphExtension}]

"""What every Seraph widget shares: a deterministic ``text/plain`` and live-update wiring."""

from __future__ import annotations

from typing import Any

from seraph_kernel.kernel.widgets.live import LiveUpdates


class SeraphWidgetMixin:
    """Mix into an ipywidgets class: ``plain_text()`` becomes the output's ``text/plain`` (so
    nbval compares it, never the random model id), and ``close()`` stops live updates."""

    live: LiveUpdates | None = None

    def plain_text(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.plain_text()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = bundle[0] if isinstance(bundle, tuple) else bundle  # anywidget adds metadata
        data["text/plain"] = self.plain_text()
        return bundle

    def start_live(self, live: LiveUpdates) -> None:
        """Start ``live`` and stop it when the front end closes this widget's comm."""
        self.live = live
        live.start()
        comm = getattr(self, "comm", None)
        if comm is not None:
            comm.on_close(lambda message: self.stop_live())

    def stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()

    def close(self) -> None:
        self.stop_live()
        super().close()  # type: ignore[misc]

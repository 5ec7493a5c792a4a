"""``nblabel.watch``: pull a Label Studio project in the background and react to new labels.

The loop the active-learning notebooks run by hand ("poll for new annotations, retrain when
enough arrived") as a daemon thread: every ``every`` seconds an incremental pull (it costs what
changed, see :func:`nblabel.sync.pull`), then ``on_new(report)`` when at least ``min_new``
annotations arrived or changed. Errors (server down, a bad key) are kept in ``errors`` and the
loop goes on at the next tick; ``stop()`` ends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .labelstudio import LabelStudioError, Project
from .sync import PullReport

__all__ = ["Watcher", "watch"]


class Watcher:
    """A running watch: ``stop()``, ``running``, ``pulls`` (completed pulls), ``last`` (the last
    PullReport), ``errors`` (exceptions of failed pulls or callbacks, oldest first)."""

    def __init__(
        self, project: Project, lab: Any, every: float, on_new: Callable[[PullReport], Any] | None, min_new: int
    ) -> None:
        self.project, self.lab, self.every, self.on_new, self.min_new = project, lab, float(every), on_new, min_new
        self.pulls = 0
        self.last: PullReport | None = None
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nblabel-watch", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.lab.pull(self.project, progress=False)
                self.pulls += 1
                self.last = report
                if self.on_new is not None and report.annotations_new + report.annotations_updated >= self.min_new:
                    self.on_new(report)
            except (LabelStudioError, Exception) as exc:  # keep watching; the caller reads .errors
                self.errors.append(exc)
            self._stop.wait(self.every)

    def stop(self, timeout: float | None = 60.0) -> None:
        """End the loop (a pull in progress finishes first) and wait for the thread."""
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"Watcher({state}, every={self.every:g} s, pulls={self.pulls}, errors={len(self.errors)})"


def watch(
    project: Project,
    lab: Any,
    every: float = 300,
    on_new: Callable[[PullReport], Any] | None = None,
    *,
    min_new: int = 1,
) -> Watcher:
    """Pull ``project`` into labeler ``lab`` every ``every`` seconds in a background thread.

    ``on_new(report)`` runs (in that thread) after a pull that brought at least ``min_new`` new or
    changed annotations, e.g. to retrain a model once enough labels arrived. Returns a
    :class:`Watcher`; call ``.stop()`` to end it.
    """
    if every <= 0:
        raise ValueError("every must be a positive number of seconds")
    return Watcher(project, lab, every, on_new, int(min_new))

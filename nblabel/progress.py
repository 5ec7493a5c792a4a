"""Progress of long sync steps: a bar in a notebook, a line on stderr in a terminal, or nothing.

Why not tqdm: one dependency less, and the notebook bar is a plain ``ipywidgets`` bar (already a
dependency through anywidget), so it renders wherever the labeler does.

    with progress_reporter("push tasks", total=10_000, enabled=True) as bar:
        bar.update(500)

Updates are throttled (a notebook bar at most ~10 times a second, a terminal line at most every
half second), so reporting per item costs nothing noticeable. Thread-safe.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

__all__ = ["Reporter", "progress_reporter", "in_notebook_kernel"]


def in_notebook_kernel() -> bool:
    """True inside a Jupyter kernel (where a widget bar can be displayed)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Reporter:
    """Counts done items of one step; subclasses show them. The base class shows nothing."""

    min_interval = 0.0

    def __init__(self, desc: str, total: int | None = None) -> None:
        self.desc = desc
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._shown_at = 0.0
        self._lock = threading.Lock()
        self._closed = False
        self.waiting_for: str | None = None

    def update(self, n: int = 1) -> None:
        """Add ``n`` done items."""
        with self._lock:
            self.done += n
            now = time.monotonic()
            if now - self._shown_at >= self.min_interval:
                self._shown_at = now
                self._show(final=False)

    def wait_for(self, what: str | None) -> None:
        """Say what the step is waiting for (shown after the count until cleared with None), so a
        long wait on a server does not look like a hang."""
        with self._lock:
            self.waiting_for = what
            self._show(final=False)

    def set_total(self, total: int | None) -> None:
        with self._lock:
            self.total = total
            self._show(final=False)

    def close(self, error: bool = False) -> None:
        """Show the final state once (``error``: the step failed)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._show(final=True, error=error)

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        self.close(error=exc_type is not None)

    def text(self) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        wait = f" - waiting for {self.waiting_for}" if self.waiting_for else ""
        return f"{self.desc}: {self.done}{of} ({time.monotonic() - self.started:.1f} s){wait}"

    def _show(self, final: bool, error: bool = False) -> None:
        pass


class _StderrReporter(Reporter):
    """A single line, rewritten in place on a terminal; on a pipe, the final line only."""

    min_interval = 0.5

    def __init__(self, desc: str, total: int | None = None, stream: TextIO | None = None) -> None:
        super().__init__(desc, total)
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def _show(self, final: bool, error: bool = False) -> None:
        if not self.tty and not final:
            return
        line = self.text() + (" - failed" if error else "")
        end = "\n" if final else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


class _WidgetReporter(Reporter):
    """An ipywidgets bar with a label, displayed when created."""

    min_interval = 0.1

    def __init__(self, desc: str, total: int | None = None) -> None:
        super().__init__(desc, total)
        import ipywidgets as w
        from IPython.display import display

        self.bar = w.IntProgress(value=0, min=0, max=max(1, total or 1), description=desc[:20],
                                 style={"description_width": "initial"})
        self.label = w.Label(value="")
        display(w.HBox([self.bar, self.label]))

    def _show(self, final: bool, error: bool = False) -> None:
        self.bar.max = max(1, self.total or self.done or 1)
        self.bar.value = min(self.done, self.bar.max)
        self.label.value = self.text().split(": ", 1)[1]
        if final:
            self.bar.bar_style = "danger" if error else "success"


def progress_reporter(desc: str, total: int | None = None, *, enabled: bool = True) -> Reporter:
    """The reporter for where the code runs: a bar in a kernel, stderr elsewhere, silent if not ``enabled``."""
    if not enabled:
        return Reporter(desc, total)
    if in_notebook_kernel():
        try:
            return _WidgetReporter(desc, total)
        except Exception:  # no widget support in this front end: fall back to text
            pass
    return _StderrReporter(desc, total)

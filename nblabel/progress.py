"""Progress of long operations (push, pull, big exports) through tqdm: a notebook bar in a Jupyter
kernel (``tqdm.notebook``, an ipywidgets bar), a line on stderr elsewhere, or nothing.

    with progress_reporter("push tasks", total=10_000, enabled=True) as bar:
        bar.update(500)

Quiet when ``enabled`` is false (``progress=False`` in the API, ``--no-progress`` on the command
line) or when the environment sets ``NBL_PROGRESS=0`` (the nbval runs do). tqdm throttles redraws
itself (``mininterval``), so reporting per item costs nothing noticeable. On a stream that is not a
terminal (a CI log) only the first and the final line are written.

Why the choice between the notebook and the terminal bar is made here rather than by
``tqdm.auto``: tqdm.auto decides once, when it is imported; this decides per operation (and tests
can steer it through :func:`in_notebook_kernel`).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, TextIO

__all__ = ["Reporter", "progress_reporter", "in_notebook_kernel"]

# "{desc}: {n}/{total} ({elapsed} s)", then ", waiting for ..." (tqdm puts ", " before a postfix)
_FORMAT = "{desc}: {n_fmt}{total_part} ({elapsed_s:.1f} s){postfix}"


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
    """Counts done items of one step. This base class shows nothing (``progress=False``)."""

    def __init__(self, desc: str, total: int | None = None) -> None:
        self.desc = desc
        self.total = total
        self.done = 0
        self.waiting_for: str | None = None
        self._lock = threading.Lock()
        self._closed = False

    def update(self, n: int = 1) -> None:
        """Add ``n`` done items."""
        with self._lock:
            self.done += n
            self._advance(n)

    def wait_for(self, what: str | None) -> None:
        """Say what the step is waiting for (shown after the count until cleared with None), so a
        long wait on a server does not look like a hang."""
        with self._lock:
            self.waiting_for = what
            self._refresh()

    def set_total(self, total: int | None) -> None:
        with self._lock:
            self.total = total
            self._refresh()

    def close(self, error: bool = False) -> None:
        """Show the final state once (``error``: the step failed)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._finish(error)

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        self.close(error=exc_type is not None)

    # what a subclass shows
    def _advance(self, n: int) -> None:
        pass

    def _refresh(self) -> None:
        pass

    def _finish(self, error: bool) -> None:
        pass


class TqdmReporter(Reporter):
    """A tqdm bar: ``tqdm.notebook`` in a kernel, ``tqdm.std`` on ``stream`` elsewhere."""

    def __init__(
        self, desc: str, total: int | None = None, *, notebook: bool = False, stream: TextIO | None = None
    ) -> None:
        super().__init__(desc, total)
        self.notebook = notebook
        kw: dict[str, Any] = {"desc": desc, "total": total, "leave": True, "disable": False}
        if notebook:
            from tqdm.notebook import tqdm as bar_class

            kw["mininterval"] = 0.1
        else:
            from tqdm.std import tqdm as bar_class

            stream = stream or sys.stderr
            tty = bool(getattr(stream, "isatty", lambda: False)())
            # on a terminal the line is rewritten in place; in a log only the first and final lines
            kw.update(
                file=stream,
                mininterval=0.5 if tty else float("inf"),
                miniters=None if tty else sys.maxsize,
                dynamic_ncols=tty,
                bar_format=_FORMAT.replace("{total_part}", "/{total_fmt}" if total is not None else ""),
            )
        self.bar = bar_class(**kw)

    def _advance(self, n: int) -> None:
        self.bar.update(n)

    def _refresh(self) -> None:
        if self.bar.total != self.total:
            self.bar.total = self.total
            if not self.notebook:
                part = "/{total_fmt}" if self.total is not None else ""
                self.bar.bar_format = _FORMAT.replace("{total_part}", part)
        self.bar.set_postfix_str(f"waiting for {self.waiting_for}" if self.waiting_for else "", refresh=True)

    def _finish(self, error: bool) -> None:
        if self.waiting_for:
            self.waiting_for = None
            self.bar.set_postfix_str("", refresh=False)
        if error:
            self.bar.set_postfix_str("failed", refresh=False)
        if self.notebook and not error and self.total is None:
            self.bar.total = self.done  # an unknown total ends as a full bar
        if error and self.notebook:
            self.bar.bar_style = "danger"  # tqdm.notebook's red bar; close() keeps it
        self.bar.close()


def progress_reporter(desc: str, total: int | None = None, *, enabled: bool = True) -> Reporter:
    """The reporter for where the code runs: a notebook bar in a kernel, stderr elsewhere, silent
    if not ``enabled`` or ``NBL_PROGRESS=0``."""
    if not enabled or os.environ.get("NBL_PROGRESS", "1").strip().lower() in ("0", "false", "no", "off"):
        return Reporter(desc, total)
    if in_notebook_kernel():
        try:
            return TqdmReporter(desc, total, notebook=True)
        except Exception:  # no widget support in this front end: fall back to text
            pass
    return TqdmReporter(desc, total)

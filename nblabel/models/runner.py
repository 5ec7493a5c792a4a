"""Predictions off the UI path: one kernel worker thread per labeler.

The worker predicts in batches, the rows around the position the user is on first, stores each
batch (store table ``predictions``) and hands it to ``on_batch`` (the widget streams it to the
browser). Widget messages are answered on other threads, so labeling never waits for a model.
Every model call runs in its own daemon thread, waited for at most ``timeout`` seconds: a model
that raises or hangs stops the worker with a message (``on_error``), never the labeler; a hung
call is abandoned (its late answer is dropped).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..config import ConfigSpec
from .contract import Prediction, PredictionError, model_version_of, normalize_batch, target_control


class ModelError(RuntimeError):
    """The model raised, hung or answered out of contract; the message says which and where."""


class PredictionRunner:
    """Runs ``model`` over a session's rows in the background. See the module docstring.

    ``session`` is a :class:`~nblabel.session.LabelSession` (its ``df``, ``focus`` and position
    ↔ row mapping are read, never written). ``probs`` holds, per DataFrame row, the probability
    of each of the target control's labels (NaN until predicted): what ``nblabel.active`` ranks.
    """

    def __init__(
        self,
        session: Any,
        model: Callable[[pd.DataFrame], Any],
        *,
        on_batch: Callable[[list[Prediction], np.ndarray], None],
        on_error: Callable[[str], None],
        on_pass: Callable[[], None] | None = None,
        batch_size: int = 64,
        timeout: float = 60.0,
        control: str | None = None,
    ) -> None:
        self.session = session
        self.spec: ConfigSpec = session.spec
        self.model = model
        self.batch_size = max(1, int(batch_size))
        self.timeout = float(timeout)
        self.control = control
        self.on_batch, self.on_error, self.on_pass = on_batch, on_error, on_pass
        try:
            name, info = target_control(self.spec, control)
            self.labels: list[str] = list(info.get("labels") or [])
            self.control = name
        except PredictionError:
            self.labels = []
        n = session.total
        self.done = np.zeros(n, dtype=bool)  # by DataFrame row: predicted by the current model
        self.probs = np.full((n, max(1, len(self.labels))), np.nan)
        self.error: str | None = None
        self.batches = 0
        self.passes = 0
        self.busy = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._jobs: list[Callable[[], None]] = []
        self._gen = 0  # bumped by restart(): a batch from before it is not marked done
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="nblabel-predict", daemon=True)
        self._thread.start()

    # ---- control ----------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the worker before the next batch (retraining)."""
        with self._lock:
            self._jobs.append(job)
        self._wake.set()

    def restart(self, model: Callable[[pd.DataFrame], Any] | None = None) -> None:
        """Predict every row again (a new or retrained model); clears a previous error."""
        with self._lock:
            if model is not None:
                self.model = model
            self.done[:] = False
            self.error = None
            self._gen += 1
        self._wake.set()

    def idle(self) -> bool:
        """True when every row is predicted (or the model stopped) and no job waits."""
        with self._lock:
            return not self._jobs and not self.busy and (self.error is not None or bool(self.done.all()))

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until :meth:`idle` (tests, scripts); returns whether it got there."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.idle():
                return True
            time.sleep(0.01)
        return self.idle()

    # ---- worker -----------------------------------------------------------------------------
    def _next_rows(self) -> np.ndarray:
        """Up to ``batch_size`` unpredicted rows: from the user's position on, then from the top."""
        s = self.session
        total = s.total
        focus = min(max(0, int(s.focus)), max(0, total - 1))
        want = self.batch_size
        for a0 in (focus, 0):
            a = a0
            while a < total:
                b = min(total, a + max(4 * want, 1024))
                rows = s.rows(a, b)
                todo = rows[~self.done[rows]]
                if todo.size:
                    return todo[:want]
                a = b
        return np.empty(0, dtype=np.intp)

    def _call(self, rows: pd.DataFrame) -> Any:
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["out"] = self.model(rows)
            except BaseException as exc:  # reported below, in the worker
                box["exc"] = exc

        t = threading.Thread(target=run, name="nblabel-model-call", daemon=True)
        t.start()
        t.join(self.timeout)
        first, last = rows.index[0], rows.index[-1]
        if t.is_alive():
            raise ModelError(
                f"the model did not answer within {self.timeout:g} s (rows {first!r}…{last!r}); "
                "predictions stopped — labeling goes on; call lab.predict() to try again"
            )
        if "exc" in box:
            exc = box["exc"]
            raise ModelError(
                f"the model raised {type(exc).__name__}: {exc} (rows {first!r}…{last!r}); "
                "predictions stopped — labeling goes on; call lab.predict() to try again"
            ) from exc
        return box.get("out")

    def _probs_row(self, p: Prediction) -> np.ndarray | None:
        k = len(self.labels)
        if not k:
            return None
        if p.probs:
            return np.array([p.probs.get(lab, 0.0) for lab in self.labels], dtype=float)
        if p.score is None:
            return None
        # only the top label's score: spread the rest evenly (exact for two labels)
        top = next(
            (
                it["value"].get("choices", [None])[0]
                for it in p.result
                if it.get("from_name") == self.control and it.get("type") == "choices"
            ),
            None,
        )
        if top not in self.labels:
            return None
        row = np.full(k, (1.0 - p.score) / (k - 1) if k > 1 else 0.0)
        row[self.labels.index(top)] = p.score
        return row

    def _predict_batch(self, rows_idx: np.ndarray) -> None:
        gen = self._gen
        df = self.session.df
        rows = df.iloc[rows_idx]
        answer = self._call(rows)
        version = model_version_of(self.model)
        try:
            preds = normalize_batch(self.spec, rows, answer, model_version=version, control=self.control)
        except PredictionError as exc:
            raise ModelError(f"{exc}; predictions stopped") from None
        by_key = {}
        for r, task_id in zip(rows_idx, rows.index):
            by_key[task_id] = r
        for p in preds:
            vec = self._probs_row(p)
            if vec is not None:
                self.probs[by_key[p.task_id]] = vec
        if preds:
            self.session.store.add_predictions((p.task_id, p.result, p.score, p.model_version) for p in preds)
        with self._lock:
            if gen != self._gen:  # restarted meanwhile: these rows need the new model
                return
            self.done[rows_idx] = True
        self.batches += 1
        self.on_batch(preds, rows_idx)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                job = self._jobs.pop(0) if self._jobs else None
                failed = self.error is not None
                self.busy = True
            try:
                if job is not None:
                    job()
                    continue
                rows = self._next_rows() if not failed and self.session.total else np.empty(0, dtype=np.intp)
                if rows.size:
                    self._predict_batch(rows)
                    if self.done.all():
                        self.passes += 1
                        if self.on_pass is not None:
                            self.on_pass()
                    continue
            except Exception as exc:  # the worker never dies of a model
                message = str(exc) if isinstance(exc, ModelError) else f"{type(exc).__name__}: {exc}"
                try:
                    self.on_error(message)  # before `error` is set: wait() returns after the report
                finally:
                    with self._lock:
                        self.error = message
                continue
            finally:
                with self._lock:
                    self.busy = False
            self._wake.wait(0.5)
            self._wake.clear()

"""A labeling session: which tasks the browser sees, how saves reach the store, progress.

This is the logic behind the ``Labeler`` widget, kept free of widget code so it can be tested and
reused directly. It answers the front end's messages (see docs/architecture.md, "Message
protocol"): ``save`` → commit to the store → ``ack``; ``need``/``seek`` → a chunk of tasks. It never
touches the whole dataset per message: a chunk costs O(chunk), a save O(1).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .config import ConfigSpec
from .frame import TaskSource, annotations_to_frame, task_key
from .regions import check_result_spans
from .spans import relations_frame, spans_frame
from .results import ResultError, validate_result
from .store import Store, StoreError


@dataclass(frozen=True)
class Progress:
    """Where labeling stands for one annotator over the current DataFrame."""

    done: int
    skipped: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.skipped

    def __str__(self) -> str:
        return f"{self.done}/{self.total} labeled, {self.skipped} skipped, {self.remaining} to go"


class LabelSession:
    """Tasks from a DataFrame, annotations in a Store, for one annotator and one config."""

    def __init__(
        self,
        df: pd.DataFrame,
        spec: ConfigSpec,
        store: Store,
        *,
        annotator: str,
        mapping: dict[str, str],
        chunk: int = 200,
        source: TaskSource | None = None,
    ) -> None:
        self.spec = spec
        self.store = store
        self.annotator = annotator
        self.chunk = max(10, int(chunk))
        self.df = df
        self.mapping = dict(mapping)  # config $var -> DataFrame column
        self.source = source if source is not None else TaskSource(df, mapping)  # a caller may have checked df already
        # Widget messages run on a kernel subshell thread while user cells run on the main one.
        self._lock = threading.RLock()
        states = store.annotated(annotator)
        # Two masks over positions: done (a real label) and skipped (was_cancelled).
        self._done = self.source.positions(k for k, cancelled in states.items() if not cancelled)
        self._skipped = self.source.positions(k for k, cancelled in states.items() if cancelled)

    # ---------------------------------------------------------------- state
    @property
    def total(self) -> int:
        return self.source.total

    @property
    def progress(self) -> Progress:
        with self._lock:
            return Progress(int(self._done.sum()), int(self._skipped.sum()), self.total)

    def first_unlabeled(self, start: int = 0) -> int | None:
        """The first position ≥ ``start`` with neither a label nor a skip, or None."""
        if start >= self.total:
            return None
        open_ = ~(self._done[start:] | self._skipped[start:])
        hits = np.flatnonzero(open_)
        return int(start + hits[0]) if hits.size else None

    def start_position(self) -> int:
        """Where a (re)opened labeler lands: the first unlabeled item, else the first item."""
        first = self.first_unlabeled(0)
        return 0 if first is None else first

    def window(self, around: int) -> dict[str, Any]:
        """The initial chunk of tasks a new view gets, mostly ahead of ``around``."""
        a = max(0, around - self.chunk // 4)
        b = min(self.total, around + self.chunk)
        return {"from": a, "to": b, "tasks": self.entries(a, b)}

    def entries(self, a: int, b: int) -> list[dict[str, Any]]:
        """Browser task entries for positions [a, b): data, this annotator's annotation, predictions."""
        rows = self.source.window(a, b)
        keys = [task_key(r["id"]) for r in rows]
        preds = self.store.predictions([r["id"] for r in rows]) if rows else {}
        out = []
        for row, key in zip(rows, keys):
            pos = row["pos"]
            annotation = None
            if self._done[pos] or self._skipped[pos]:
                stored = self.store.annotation(row["id"], self.annotator)
                if stored is not None:
                    annotation = {"result": stored["result"], "was_cancelled": stored["was_cancelled"]}
            out.append({**row, "annotation": annotation, "predictions": preds.get(key, [])})
        return out

    # ------------------------------------------------------------- messages
    def handle(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Answer one front-end message with one reply message."""
        with self._lock:
            return self._dispatch(msg)

    def _dispatch(self, msg: dict[str, Any]) -> dict[str, Any]:
        kind = msg.get("type")
        if kind == "save":
            return self.save(msg)
        if kind == "need":
            return self._need(msg)
        if kind == "seek":
            return self._seek(msg)
        return {"type": "error", "seq": msg.get("seq"), "message": f"unknown message type {kind!r}"}

    def save(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Validate and commit one annotation; the ack is only built after the commit."""
        seq = msg.get("seq")
        try:
            pos = self._position_of(msg)
            task_id = self.source.task_id(pos)
            result = msg.get("result", [])
            cancelled = bool(msg.get("was_cancelled", False))
            validate_result(self.spec, result, task_id=task_id)
            data = self.source.task(pos)["data"]
            # offsets must fit this task's text: a wrong span is refused, never stored
            check_result_spans(self.spec, result, data, task_id=task_id)
            lead_time = msg.get("lead_time")
            self.store.save(
                task_id,
                data,
                result,
                annotator=self.annotator,
                was_cancelled=cancelled,
                lead_time=float(lead_time) if isinstance(lead_time, (int, float)) else None,
                seq=seq if isinstance(seq, int) else None,
            )
        except (ResultError, StoreError, KeyError, IndexError, TypeError, ValueError) as exc:
            return {"type": "error", "seq": seq, "message": str(exc)}
        self._done[pos] = bool(result) and not cancelled
        self._skipped[pos] = cancelled
        progress = self.progress
        return {"type": "ack", "seq": seq, "task_id": task_id, "done": progress.done, "skipped": progress.skipped}

    def _position_of(self, msg: dict[str, Any]) -> int:
        pos = msg.get("pos")
        if not isinstance(pos, int) or not 0 <= pos < self.total:
            raise IndexError(f"position {pos!r} is outside the {self.total} tasks")
        if task_key(self.source.task_id(pos)) != task_key(msg.get("task_id")):
            raise KeyError(
                f"task {msg.get('task_id')!r} is no longer at position {pos} (the DataFrame changed); "
                "re-run the cell that shows the labeler"
            )
        return pos

    def _need(self, msg: dict[str, Any]) -> dict[str, Any]:
        a = max(0, int(msg.get("from", 0)))
        b = min(self.total, int(msg.get("to", a)), a + 2 * self.chunk)
        return {"type": "tasks", "req": msg.get("req"), "from": a, "to": max(a, b),
                "tasks": self.entries(a, b) if b > a else [], "skip": None}

    def _seek(self, msg: dict[str, Any]) -> dict[str, Any]:
        a = max(0, int(msg.get("from", 0)))
        count = max(1, min(int(msg.get("count", self.chunk)), 2 * self.chunk))
        p = self.first_unlabeled(a)
        if p is None:
            return {"type": "tasks", "req": msg.get("req"), "from": self.total, "to": self.total,
                    "tasks": [], "skip": [a, self.total]}
        b = min(self.total, p + count)
        return {"type": "tasks", "req": msg.get("req"), "from": p, "to": b,
                "tasks": self.entries(p, b), "skip": [a, p]}

    # ---------------------------------------------------------------- output
    def annotations(self) -> list[dict[str, Any]]:
        """Annotated tasks of this DataFrame as Label Studio task JSON (export-ready)."""
        with self._lock:
            mask = self._done | self._skipped
        by_key = {a["task_id"]: a for a in self.store.annotations(self.annotator)}
        tasks = []
        for pos in np.flatnonzero(mask):
            task = self.source.task(int(pos))
            ann = by_key.get(task_key(task["id"]))
            if ann is None:
                continue
            task["annotations"] = [{
                "result": ann["result"],
                "was_cancelled": ann["was_cancelled"],
                "ground_truth": False,
                "lead_time": ann["lead_time"],
                "created_at": ann["created_at"],
                "updated_at": ann["updated_at"],
                "completed_by": ann["annotator"],
            }]
            tasks.append(task)
        return tasks

    def to_dataframe(self, form: str = "wide", annotator: str | None = None) -> pd.DataFrame:
        """The DataFrame with labels (``wide``), one row per result item (``long``) or one row per
        text span (``spans``, see :func:`nblabel.spans.spans_frame`)."""
        who = annotator if annotator is not None else self.annotator
        rows = self.store.annotations(None if who == "*" else who)
        if form == "spans":
            return spans_frame(self.df, self.spec, rows, columns=self.mapping)
        return annotations_to_frame(self.df, self.spec.controls, rows, form=form)

    def relations(self, annotator: str | None = None) -> pd.DataFrame:
        """One row per relation between regions (see :func:`nblabel.spans.relations_frame`)."""
        who = annotator if annotator is not None else self.annotator
        return relations_frame(self.df, self.spec, self.store.annotations(None if who == "*" else who))

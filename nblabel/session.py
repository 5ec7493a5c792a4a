"""A labeling session: which tasks the browser sees, how saves reach the store, progress.

This is the logic behind the ``Labeler`` widget, kept free of widget code so it can be tested and
reused directly. It answers the front end's messages (see docs/architecture.md, "Message
protocol"): ``save`` → commit to the store → ``ack``; ``need``/``seek`` → a chunk of tasks. It never
touches the whole dataset per message: a chunk costs O(chunk), a save O(1).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from .config import ConfigSpec
from .frame import TaskSource, add_prediction_columns, annotations_to_frame, gc_paused, task_key
from .quality.review import REVIEW_DECISIONS, sample_tasks
from .quality.votes import CONSENSUS, consensus_results, resolved_frame
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
        mode: str = "label",
    ) -> None:
        if mode not in ("label", "review"):
            raise ValueError(f"mode must be 'label' or 'review', not {mode!r}")
        #: "label", or "review": the tasks are the flagged ones, each entry carries every
        #: annotator's labels (``others``) and its review, a save is a reviewer's fix
        self.mode = mode
        self.spec = spec
        self.store = store
        self.annotator = annotator
        self.chunk = max(10, int(chunk))
        self.df = df
        self.mapping = dict(mapping)  # config $var -> DataFrame column
        self.source = source if source is not None else TaskSource(df, mapping)  # a caller may have checked df already
        # Widget messages run on a kernel subshell thread while user cells run on the main one.
        self._lock = threading.RLock()
        if mode == "review":
            # done = reviewed (accepted, rejected or fixed); nothing is skipped in a review
            reviewed = [k for k, r in store.reviews().items() if r["state"] != "pending"]
            self._done = self.source.positions(reviewed)
            self._skipped = self.source.positions([])
        else:
            states = store.annotated(annotator)
            # Two masks over positions: done (a real label) and skipped (was_cancelled).
            self._done = self.source.positions(k for k, cancelled in states.items() if not cancelled)
            self._skipped = self.source.positions(k for k, cancelled in states.items() if cancelled)
        # The queue order: position -> DataFrame row (None: row order). Only unlabeled positions
        # after the one the user is on are ever permuted (`reorder`), so both masks stay valid.
        self._perm: np.ndarray | None = None
        self._inv: np.ndarray | None = None
        #: the position the front end last asked about or saved: where predictions go first
        self.focus = 0
        #: the version of the model now predicting (its predictions are shown first)
        self.model_version: str | None = None

    # ---------------------------------------------------------------- order
    def row(self, pos: int) -> int:
        """The DataFrame row shown at queue position ``pos``."""
        return int(pos) if self._perm is None else int(self._perm[pos])

    def rows(self, a: int, b: int) -> np.ndarray:
        """DataFrame rows of positions ``[a, b)``."""
        return np.arange(a, b) if self._perm is None else self._perm[a:b]

    def position_of_row(self, row: int) -> int:
        return int(row) if self._inv is None else int(self._inv[row])

    def reorder(self, after: int, rank: "Callable[[np.ndarray], np.ndarray]") -> int:
        """Re-rank the unlabeled items after position ``after``; labeled ones and everything up to
        ``after`` keep their positions, so the item on screen and the browser's history stay put.

        ``rank(rows)`` gets the DataFrame rows of those open positions and returns their order
        (an index array into ``rows``). Returns how many positions moved.
        """
        with self._lock:
            n = self.total
            perm = np.arange(n, dtype=np.intp) if self._perm is None else self._perm.copy()
            start = max(0, int(after) + 1)
            open_pos = start + np.flatnonzero(~(self._done[start:] | self._skipped[start:]))
            if open_pos.size < 2:
                return 0
            rows = perm[open_pos]
            order = np.asarray(rank(rows), dtype=np.intp)
            if order.shape != rows.shape:
                raise ValueError(f"an order for {rows.size} items has shape {order.shape}")
            new = rows[order]
            moved = int(np.count_nonzero(new != rows))
            perm[open_pos] = new
            inv = np.empty_like(perm)
            inv[perm] = np.arange(n, dtype=np.intp)
            self._perm, self._inv = perm, inv
            return moved

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
        if self._perm is None:
            rows = self.source.window(a, b)
        else:
            rows = []
            for pos in range(max(0, a), min(self.total, b)):
                r = self.row(pos)
                entry = self.source.window(r, r + 1)[0]
                entry["pos"] = pos
                rows.append(entry)
        keys = [task_key(r["id"]) for r in rows]
        preds = self.store.predictions([r["id"] for r in rows]) if rows else {}
        if self.mode == "review":
            return self._review_entries(rows, keys, preds)
        out = []
        for row, key in zip(rows, keys):
            pos = row["pos"]
            annotation = None
            if self._done[pos] or self._skipped[pos]:
                stored = self.store.annotation(row["id"], self.annotator)
                if stored is not None:
                    annotation = {"result": stored["result"], "was_cancelled": stored["was_cancelled"]}
            out.append({**row, "annotation": annotation, "predictions": self._shown_predictions(preds.get(key, []))})
        return out

    def _review_entries(self, rows: list[dict], keys: list[str], preds: dict) -> list[dict[str, Any]]:
        """Review mode: the consensus annotation is the one edited (a fix), ``others`` lists every
        annotator's latest annotation (consensus marked) and ``review`` the task's review row."""
        by_task: dict[str, list[dict]] = {}
        for a in self.store.annotations_of(keys) if keys else []:
            by_task.setdefault(a["task_id"], []).append(a)
        reviews = self.store.reviews()
        out = []
        for row, key in zip(rows, keys):
            anns = by_task.get(key, [])
            fixed = next((a for a in anns if a["annotator"] == CONSENSUS), None)
            others = [
                {
                    "annotator": a["annotator"],
                    "result": a["result"],
                    "was_cancelled": a["was_cancelled"],
                    "consensus": a["annotator"] == CONSENSUS,
                    "updated_at": a["updated_at"],
                }
                for a in sorted(anns, key=lambda a: (a["annotator"] == CONSENSUS, a["annotator"]))
            ]
            r = reviews.get(key)
            review = {"state": r["state"], "comment": r["comment"], "reviewer": r["reviewer"]} if r else None
            annotation = {"result": fixed["result"], "was_cancelled": False} if fixed else None
            out.append(
                {
                    **row,
                    "annotation": annotation,
                    "predictions": self._shown_predictions(preds.get(key, [])),
                    "others": others,
                    "review": review,
                }
            )
        return out

    def _shown_predictions(self, preds: list[dict]) -> list[dict]:
        """The browser shows the first prediction: the running model's, else the newest."""
        if len(preds) < 2:
            return preds
        ordered = preds[::-1]
        current = [p for p in ordered if p.get("model_version") == self.model_version]
        return current + [p for p in ordered if p.get("model_version") != self.model_version]

    def task_data(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Task key -> the data a save would snapshot, for the keys of rows this DataFrame has
        (an export's source for predicted rows the store has no snapshot of)."""
        found = self.source.locate(keys)
        return {k: self.source.task(int(p))["data"] for k, p in zip(keys, found) if p >= 0}

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
        if kind == "review":
            return self._review_msg(msg)
        return {"type": "error", "seq": msg.get("seq"), "message": f"unknown message type {kind!r}"}

    def _review_msg(self, msg: dict[str, Any]) -> dict[str, Any]:
        """``review {seq, task_id, decision, comment, result}`` → stored → an ack carrying the
        task's new review (``kind: "review"``, so the front end never mixes it with save acks)."""
        seq = msg.get("seq")
        task_id = msg.get("task_id")
        try:
            pos = int(self.source.locate([task_key(task_id)])[0])
            if pos < 0:
                raise KeyError(f"task {task_id!r} is not in this review")
            comment = msg.get("comment")
            comment = comment if isinstance(comment, str) and comment.strip() else None
            decision = msg.get("decision")
            result = msg.get("result") if decision == "fix" else None
            self.review(self.source.task_id(pos), str(decision), comment=comment, result=result)
        except (ResultError, StoreError, KeyError, IndexError, TypeError, ValueError) as exc:
            return {"type": "error", "kind": "review", "seq": seq, "task_id": task_id, "message": str(exc)}
        pos = self.position_of_row(pos)
        self._done[pos] = True
        r = self.store.reviews().get(task_key(task_id), {})  # one read of the small reviews table
        progress = self.progress
        return {
            "type": "ack",
            "kind": "review",
            "seq": seq,
            "task_id": task_id,
            "done": progress.done,
            "skipped": progress.skipped,
            "review": {"state": r.get("state"), "comment": r.get("comment"), "reviewer": r.get("reviewer")},
        }

    def save(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Validate and commit one annotation; the ack is only built after the commit.

        In review mode a save is the reviewer's fix: the result becomes the task's ``consensus``
        annotation and its review state ``fixed`` (an empty result is refused: nothing to fix with).
        """
        seq = msg.get("seq")
        if self.mode == "review":
            return self._review_save(msg)
        try:
            pos = self._position_of(msg)
            self.focus = pos
            task_id = self.source.task_id(self.row(pos))
            result = msg.get("result", [])
            cancelled = bool(msg.get("was_cancelled", False))
            validate_result(self.spec, result, task_id=task_id)
            data = self.source.task(self.row(pos))["data"]
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

    def _review_save(self, msg: dict[str, Any]) -> dict[str, Any]:
        seq = msg.get("seq")
        try:
            pos = self._position_of(msg)
            self.focus = pos
            task_id = self.source.task_id(self.row(pos))
            result = msg.get("result", [])
            if msg.get("was_cancelled"):
                raise ValueError("a review has no skip: accept, reject or fix the task")
            if not result:
                raise ValueError(f"task {task_id!r}: a fix needs a label (clearing it is not a review)")
            self.review(task_id, "fix", result=result)
        except (ResultError, StoreError, KeyError, IndexError, TypeError, ValueError) as exc:
            return {"type": "error", "seq": seq, "message": str(exc)}
        self._done[pos] = True
        progress = self.progress
        r = self.store.reviews().get(task_key(task_id), {})
        return {
            "type": "ack",
            "seq": seq,
            "task_id": task_id,
            "done": progress.done,
            "skipped": progress.skipped,
            "review": {"state": r.get("state"), "comment": r.get("comment"), "reviewer": r.get("reviewer")},
        }

    def _position_of(self, msg: dict[str, Any]) -> int:
        pos = msg.get("pos")
        if not isinstance(pos, int) or not 0 <= pos < self.total:
            raise IndexError(f"position {pos!r} is outside the {self.total} tasks")
        if task_key(self.source.task_id(self.row(pos))) != task_key(msg.get("task_id")):
            # A re-rank moved the task while this save was in flight: the id decides.
            if self._perm is not None:
                found = int(self.source.locate([task_key(msg.get("task_id"))])[0])
                if found >= 0:
                    return self.position_of_row(found)
            raise KeyError(
                f"task {msg.get('task_id')!r} is no longer at position {pos} (the DataFrame changed); "
                "re-run the cell that shows the labeler"
            )
        return pos

    def _need(self, msg: dict[str, Any]) -> dict[str, Any]:
        a = max(0, int(msg.get("from", 0)))
        b = min(self.total, int(msg.get("to", a)), a + 2 * self.chunk)
        self.focus = msg["pos"] if isinstance(msg.get("pos"), int) else a
        return {
            "type": "tasks",
            "req": msg.get("req"),
            "from": a,
            "to": max(a, b),
            "tasks": self.entries(a, b) if b > a else [],
            "skip": None,
        }

    def _seek(self, msg: dict[str, Any]) -> dict[str, Any]:
        a = max(0, int(msg.get("from", 0)))
        count = max(1, min(int(msg.get("count", self.chunk)), 2 * self.chunk))
        p = self.first_unlabeled(a)
        self.focus = a if p is None else p
        if p is None:
            return {
                "type": "tasks",
                "req": msg.get("req"),
                "from": self.total,
                "to": self.total,
                "tasks": [],
                "skip": [a, self.total],
            }
        b = min(self.total, p + count)
        return {"type": "tasks", "req": msg.get("req"), "from": p, "to": b, "tasks": self.entries(p, b), "skip": [a, p]}

    # ---------------------------------------------------------------- output
    def annotations(self) -> list[dict[str, Any]]:
        """Annotated tasks of this DataFrame as Label Studio task JSON (export-ready)."""
        with self._lock:
            mask = self._done | self._skipped
        by_key = {a["task_id"]: a for a in self.store.annotations(self.annotator)}
        tasks = []
        for pos in np.flatnonzero(mask):
            task = self.source.task(self.row(int(pos)))
            ann = by_key.get(task_key(task["id"]))
            if ann is None:
                continue
            task["annotations"] = [
                {
                    "result": ann["result"],
                    "was_cancelled": ann["was_cancelled"],
                    "ground_truth": False,
                    "lead_time": ann["lead_time"],
                    "created_at": ann["created_at"],
                    "updated_at": ann["updated_at"],
                    "completed_by": ann["annotator"],
                }
            ]
            tasks.append(task)
        return tasks

    def to_dataframe(self, form: str = "wide", annotator: str | None = None) -> pd.DataFrame:
        """Every annotator's labels, resolved per task (``wide``), one row per result item
        (``long``) or one row per text span (``spans``, see :func:`nblabel.spans.spans_frame`).

        ``annotator="ana"`` gives one person's view (``"*"`` or None: everyone). The wide form
        over everyone resolves each control by vote (:func:`nblabel.quality.votes.resolved_frame`).
        """
        with gc_paused():  # bulk work over every annotation: see nblabel.frame.gc_paused
            return self._to_dataframe(form, annotator)

    def _to_dataframe(self, form: str, annotator: str | None) -> pd.DataFrame:
        who = None if annotator in (None, "*") else annotator
        rows = self.store.annotations(who)
        if form == "spans":
            return spans_frame(self.df, self.spec, rows, columns=self.mapping)
        if form == "wide" and who is None:
            frame = self._with_reviews(resolved_frame(self.df, self.spec.controls, rows))
        else:
            frame = annotations_to_frame(self.df, self.spec.controls, rows, form=form)
            if form == "wide":
                frame = self._with_reviews(frame)
        if form == "wide" and len(self.df):
            preds = self.store.predictions(self.df.index)
            if any(preds.values()):
                add_prediction_columns(frame, self.spec.controls, preds, prefer=self.model_version)
        return frame

    def _with_reviews(self, wide: pd.DataFrame) -> pd.DataFrame:
        """``review_state`` (pending / accepted / rejected / fixed, NA if never flagged) and
        ``review_comment`` columns, once any task was flagged for review."""
        reviews = self.store.reviews()
        if not reviews:
            return wide
        keys = [task_key(self.source.task_id(p)) for p in range(self.total)]
        taken = set(wide.columns)
        for field, name in (("state", "review_state"), ("comment", "review_comment")):
            col = name if name not in taken else f"{name}_label"
            wide[col] = pd.array([reviews.get(k, {}).get(field) for k in keys], dtype="string")
        return wide

    def review_sample(
        self, rate: float = 0.2, by: str = "random", seed: int = 0, control: str | None = None
    ) -> list[Any]:
        """Flag a share of this DataFrame's labeled tasks for review (see nblabel.quality.review);
        returns their ids. Tasks flagged before keep their state."""
        keys = {task_key(self.source.task_id(p)) for p in range(self.total)}
        chosen = sample_tasks(
            self.store.annotations(), keys, self.spec.controls, rate=rate, by=by, seed=seed, control=control
        )
        self.store.flag_for_review(chosen, by)
        positions = sorted(int(p) for p in (self.source.locate(chosen) if chosen else []) if p >= 0)
        return [self.source.task_id(p) for p in positions]  # in DataFrame order

    def review(
        self,
        task_id: Any,
        decision: str,
        *,
        comment: str | None = None,
        result: list[dict] | None = None,
        reviewer: str | None = None,
    ) -> None:
        """Record a review: ``"accept"``, ``"reject"`` (with ``comment``) or ``"fix"`` (``result``
        becomes the task's consensus annotation, checked against the config)."""
        if decision not in REVIEW_DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(REVIEW_DECISIONS)}, not {decision!r}")
        pos = self.source.locate([task_key(task_id)])[0]
        if pos < 0:
            raise KeyError(f"task {task_id!r} is not in this labeler's DataFrame")
        fix = None
        if decision == "fix":
            if not result:
                raise ValueError("a fix needs the corrected result (result=[...])")
            validate_result(self.spec, result, task_id=task_id)
            data = self.source.task(int(pos))["data"]
            check_result_spans(self.spec, result, data, task_id=task_id)
            fix = (data, result)
        elif result is not None:
            raise ValueError(f"result= goes with decision='fix', not {decision!r}")
        state = {"accept": "accepted", "reject": "rejected", "fix": "fixed"}[decision]
        self.store.set_review(task_id, state, comment=comment, reviewer=reviewer or self.annotator, fix=fix)

    def save_consensus(self, *, overwrite: bool = False) -> int:
        """Store the majority vote of every task of this DataFrame as annotator ``consensus``.

        Ties are left for a reviewer. An existing consensus annotation (a reviewer's fix, an
        imported ground truth) is kept unless ``overwrite``. Returns how many were written.
        """
        results = consensus_results(self.store.annotations(), self.spec.controls)
        if not overwrite:
            for a in self.store.annotations(CONSENSUS):
                results.pop(a["task_id"], None)
        keys = list(results)
        positions: list[int] = self.source.locate(keys).tolist() if keys else []
        written = 0
        for key, pos in zip(keys, positions):
            if pos < 0:
                continue
            task = self.source.task(int(pos))
            self.store.save(task["id"], task["data"], results[key], annotator=CONSENSUS)
            written += 1
        return written

    def relations(self, annotator: str | None = None) -> pd.DataFrame:
        """One row per relation between regions (see :func:`nblabel.spans.relations_frame`)."""
        who = annotator if annotator is not None else self.annotator
        return relations_frame(self.df, self.spec, self.store.annotations(None if who == "*" else who))

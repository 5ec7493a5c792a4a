"""Label Studio JSON exports into a store, without a server: ``nblabel.import_labelstudio``.

Why: labels move between teams as export files as often as through a server. An export (a JSON
list of tasks with ``data``, ``annotations``, ``predictions``, ``meta``) is read whole and checked
whole before anything is written; then everything goes into the store in one transaction, so a
malformed file leaves the store as it was, and the error names the task. Importing the same file
again changes nothing (annotations that are already stored with the same content are skipped).

Keys and names follow the sync rules (docs/label-studio.md): a task pushed by nblabel keeps the
key in its ``meta.nblabel.key`` (so its labels meet the DataFrame row again), any other task is
keyed by its Label Studio id (or by ``key=<data field>``); an annotation is stored under the
notebook name kept in ``meta.nblabel.annotators``, else its author's e-mail (``completed_by`` as
``{"id", "email"}``, in snapshots asked for user details), else ``annotators[<user id>]``, else
``user-<id>`` (Label Studio's exports name authors by user id only). A
second annotation by the same author of one task is kept apart as ``"<name> (ls#<id>)"``.

Ground truth: an annotation marked ``ground_truth`` while other annotations of its task are not
is that task's resolved answer and is stored as the ``consensus`` annotator too (Label Studio
marks every annotation imported with a task as ground truth, so "all of them" says nothing).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigSpec, parse_config
from .frame import task_key
from .quality.votes import CONSENSUS
from .results import ResultError, validate_result
from .store import Store, annotation_fingerprint
from .sync import _utc

__all__ = ["ImportReport", "LabelStudioExportError", "import_labelstudio"]


class LabelStudioExportError(ValueError):
    """The file is not a Label Studio JSON export; the message names the task and the field."""


@dataclass
class ImportReport:
    """What an import wrote (``skipped``: already in the store, unchanged)."""

    tasks: int = 0
    annotations: int = 0
    skipped: int = 0
    consensus: int = 0
    predictions: int = 0
    predictions_without_result: int = 0

    def __str__(self) -> str:
        parts = [
            f"{self.tasks} tasks",
            f"{self.annotations} annotations ({self.skipped} already stored)",
            f"{self.predictions} predictions",
        ]
        if self.consensus:
            parts.append(f"{self.consensus} ground-truth answers as consensus")
        if self.predictions_without_result:
            parts.append(
                f"{self.predictions_without_result} predictions exported as ids only (not imported: "
                "export with full predictions)"
            )
        return "imported " + ", ".join(parts)


def import_labelstudio(
    path: str | os.PathLike,
    store: Store | str | os.PathLike,
    config: str | ConfigSpec | None = None,
    *,
    key: str | None = None,
    annotators: Mapping[int | str, str] | None = None,
    project: str = "default",
) -> ImportReport:
    """Load a Label Studio JSON export (annotations, predictions, annotators, ground truth) into a store.

    ``store``: a :class:`Store` or a path (opened on ``project``). ``config``: the labeling config
    (XML or ConfigSpec); when given, every result must fit it. ``key``: a ``data`` field that
    holds the task's id in your DataFrame (default: ``meta.nblabel.key``, else the Label Studio
    task id). ``annotators`` maps Label Studio user ids to names. Raises
    :class:`LabelStudioExportError` (nothing written) for a malformed file.
    """
    file = Path(path)
    try:
        tasks = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelStudioExportError(f"{file}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelStudioExportError(f"{file} is not JSON: {exc}") from None
    if isinstance(tasks, dict) and "data" in tasks:
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise LabelStudioExportError(
            f"{file}: a Label Studio JSON export is a list of tasks, not a {type(tasks).__name__}"
        )
    spec = parse_config(config) if isinstance(config, str) else config
    plan = _Plan(file, spec, key, dict(annotators or {}))
    for i, task in enumerate(tasks):
        plan.add(i, task)
    own = store if isinstance(store, Store) else Store(store, project=project)
    try:
        return plan.write(own)
    finally:
        if own is not store:
            own.close()


class _Plan:
    def __init__(self, file: Path, spec: ConfigSpec | None, key: str | None, annotators: dict) -> None:
        self.file, self.spec, self.key = file, spec, key
        self.names = {str(k): v for k, v in annotators.items()}
        self.tasks: list[tuple[str, dict, dict | None]] = []
        self.annotations: list[dict] = []
        self.predictions: list[tuple[str, list, float | None, str]] = []
        self.report = ImportReport()
        self.keys: set[str] = set()

    def fail(self, i: int, task: Any, what: str) -> LabelStudioExportError:
        tid = task.get("id") if isinstance(task, dict) else None
        which = f"task {i}" + (f" (id {tid})" if tid is not None else "")
        return LabelStudioExportError(f"{self.file}: {which}: {what}; nothing was imported")

    def add(self, i: int, task: Any) -> None:
        if not isinstance(task, dict):
            raise self.fail(i, task, f"a task is an object, not a {type(task).__name__}")
        data, meta = task.get("data"), task.get("meta")
        if not isinstance(data, dict):
            raise self.fail(i, task, "'data' must be an object")
        if meta is not None and not isinstance(meta, dict):
            raise self.fail(i, task, "'meta' must be an object")
        k = self._key(i, task, data, meta or {})
        if k in self.keys:
            raise self.fail(i, task, f"a second task with key {k!r}")
        self.keys.add(k)
        self.tasks.append((k, data, meta))
        anns = task.get("annotations") or []
        if not isinstance(anns, list):
            raise self.fail(i, task, "'annotations' must be a list")
        names = ((meta or {}).get("nblabel") or {}).get("annotators") or {}
        taken: set[str] = set()
        flags = [bool(a.get("ground_truth")) for a in anns if isinstance(a, dict)]
        truth_alone = flags.count(True) == 1 and len(flags) > 1
        for j, a in enumerate(anns):
            if not isinstance(a, dict):
                raise self.fail(i, task, f"annotations[{j}] must be an object")
            result = a.get("result", [])
            if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
                raise self.fail(i, task, f"annotations[{j}].result must be a list of result objects")
            if self.spec is not None and not a.get("was_cancelled"):
                try:
                    validate_result(self.spec, result)
                except ResultError as exc:
                    raise self.fail(i, task, f"annotations[{j}]: {exc}") from None
            who = self._author(a, names)
            if who in taken:
                who = f"{who} (ls#{a.get('id')})"
            taken.add(who)
            row = {
                "task_id": k,
                "annotator": who,
                "result": result,
                "was_cancelled": bool(a.get("was_cancelled")),
                "lead_time": _number(a.get("lead_time")),
                "created_at": _utc(a.get("created_at")),
                "updated_at": _utc(a.get("updated_at")),
            }
            self.annotations.append(row)
            if truth_alone and a.get("ground_truth") and not a.get("was_cancelled"):
                self.annotations.append({**row, "annotator": CONSENSUS})
        preds = task.get("predictions") or []
        if not isinstance(preds, list):
            raise self.fail(i, task, "'predictions' must be a list")
        for j, p in enumerate(preds):
            if isinstance(p, int):  # the plain export lists prediction ids only
                self.report.predictions_without_result += 1
                continue
            if not isinstance(p, dict) or not isinstance(p.get("result"), list):
                raise self.fail(i, task, f"predictions[{j}] must be an object with a result list")
            score = p.get("score")
            if score is not None and not isinstance(score, (int, float)):
                raise self.fail(i, task, f"predictions[{j}].score must be a number")
            self.predictions.append((k, p["result"], score, str(p.get("model_version") or "undefined")))

    def _key(self, i: int, task: dict, data: dict, meta: dict) -> str:
        if self.key is not None:
            if self.key not in data:
                raise self.fail(i, task, f"no data field {self.key!r} (key={self.key!r})")
            return task_key(data[self.key])
        nb = meta.get("nblabel")
        if isinstance(nb, dict) and isinstance(nb.get("key"), str):
            return nb["key"]
        if task.get("id") is None:
            raise self.fail(i, task, "no 'id' (pass key=<data field> to key tasks by a field)")
        return task_key(task["id"])

    def _author(self, a: dict, names: Any) -> str:
        kept = names.get(str(a.get("import_id"))) if isinstance(names, dict) else None
        if isinstance(kept, str) and kept:
            return kept
        by = a.get("completed_by")
        if isinstance(by, dict):
            if isinstance(by.get("email"), str) and by["email"]:
                return by["email"]
            by = by.get("id")
        if by is not None and str(by) in self.names:
            return self.names[str(by)]
        if isinstance(by, str) and by:
            return by
        return f"user-{by}" if by is not None else "unknown"

    def write(self, store: Store) -> ImportReport:
        stored = {
            (a["task_id"], a["annotator"]): annotation_fingerprint(a["result"], a["was_cancelled"])
            for a in store.annotations_of(sorted(self.keys))
        }
        fresh = []
        for a in self.annotations:
            if stored.get((a["task_id"], a["annotator"])) == annotation_fingerprint(a["result"], a["was_cancelled"]):
                self.report.skipped += 1
            else:
                fresh.append(a)
        store.write_imported(tasks=self.tasks, annotations=fresh, predictions=self.predictions)
        self.report.tasks = len(self.tasks)
        self.report.annotations = len(fresh)
        self.report.consensus = sum(1 for a in fresh if a["annotator"] == CONSENSUS)
        self.report.predictions = len(self.predictions)
        return self.report


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

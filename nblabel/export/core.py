"""The one export registry, and the store read as Label Studio task JSON.

    from nblabel.export import export_store, FORMATS

    export_store(store, spec, "labels.json", fmt="json_min", annotator="*")

Two layers, so every format works on any source of Label Studio task JSON:

* :func:`store_tasks` reads a :class:`~nblabel.store.Store` as Label Studio *task JSON*, the shape
  the server's ``JSON`` export and ``/import`` use: ``{"id", "data", "meta"?, "annotations": [...],
  "predictions": [...]}``.
* A format is an :class:`ExportFormat` in the registry :data:`FORMATS` (key: the lower-case name
  used on the command line and by ``Labeler.export``). Its ``write(tasks, spec, path)`` turns task
  JSON into a file and returns how many records it wrote. Each format family lives in its own
  module of this package and registers itself with :func:`register`; a format that writes a
  folder or an archive may treat ``path`` accordingly.

:func:`annotation_items` is Label Studio's converter's first step, shared by the flat formats:
per task, its non-cancelled annotations newest first, each with its results grouped by control
(``from_name`` -> value dicts carrying the control's tag as ``type``); a task without annotations
gives one item without outputs, a task whose annotations are all cancelled gives none.

Annotator identity: a store annotation's ``completed_by`` is ``{"email": name}`` when the name is
an e-mail address (what the server matches members by on import) and the bare name otherwise;
JSON_MIN/CSV show the name either way. Label Studio's own exports name annotators by user id.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigSpec
from ..frame import gc_paused
from ..quality.votes import CONSENSUS
from ..store import Store

# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class ExportFormat:
    """One export format. ``write(tasks, spec, path)`` writes Label Studio task JSON ``tasks`` to
    ``path`` and returns the number of records written (tasks for JSON, rows for JSON_MIN/CSV)."""

    name: str  # Label Studio's name: "JSON", "JSON_MIN", "CSV", ...
    suffix: str  # the usual file suffix, ".json"
    description: str
    write: Callable[[Iterable[Mapping[str, Any]], ConfigSpec, Path], int]


#: Lower-case format key -> format. Add formats with :func:`register`.
FORMATS: dict[str, ExportFormat] = {}


def register(key: str, fmt: ExportFormat) -> ExportFormat:
    """Add ``fmt`` to :data:`FORMATS` under ``key`` (lower-case, e.g. ``"coco"``); returns it."""
    key = key.lower()
    if key in FORMATS:
        raise ValueError(f"export format {key!r} is already registered")
    FORMATS[key] = fmt
    return fmt


# --------------------------------------------------------------------------- store -> task JSON

#: ``meta`` flag of an exported task whose data the store does not have (see :func:`store_tasks`).
MISSING_DATA = "nblabel_missing_data"

_INT_KEY = re.compile(r"-?(0|[1-9][0-9]*)")
_JS_MAX_SAFE_INT = 2**53 - 1


def _task_id(key: str) -> int | str:
    """The store key as a task id: integer keys ("17") as ints, like Label Studio's ids."""
    if _INT_KEY.fullmatch(key) and abs(int(key)) <= _JS_MAX_SAFE_INT:
        return int(key)
    return key


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _completed_by(annotator: str) -> Any:
    return {"email": annotator} if _EMAIL.fullmatch(annotator) else annotator


#: ``task_data(keys)`` -> ``{key: data}`` for the keys it knows: task data from outside the store
TaskData = Callable[[list[str]], Mapping[str, dict[str, Any]]]


def store_tasks(
    store: Store, annotator: str | None = "*", *, all_tasks: bool = False, task_data: TaskData | None = None
) -> Iterator[dict[str, Any]]:
    """The store's tasks as Label Studio task JSON, in the order they were first stored.

    ``annotator``: ``"*"`` or None for every annotator's annotations, else only that annotator's.
    By default only tasks with at least one of those annotations (the server's default too);
    ``all_tasks=True`` adds every other stored task with ``"annotations": []``, and every task
    with a prediction: a model predicts a whole pool but the store keeps the data snapshot of
    labeled tasks only, so ``task_data`` (a :class:`~nblabel.Labeler` passes its DataFrame's
    rows) supplies the data of tasks without one. Each task carries its stored predictions in
    full, as Label Studio's full-prediction export writes them (``id, result, model_version,
    score, created_at, updated_at, task``; the server-only keys ``created_ago, cluster,
    neighbors, mislabeling, model, model_run, project`` are left out). A task with no data
    anywhere (labeled only on a server, pushed from a DataFrame) comes with ``"data": {}`` and
    ``"meta": {MISSING_DATA: True}``.
    """
    who = None if annotator in (None, "*") else annotator
    by_task: dict[str, list[dict[str, Any]]] = {}
    for ann in store.annotations(who):
        by_task.setdefault(ann["task_id"], []).append(ann)
    stored = store.tasks()
    reviews = store.reviews()
    known = {t["id"] for t in stored}
    # tasks the store has no data snapshot of: annotated ones, and with all_tasks predicted ones
    missing = [k for k in by_task if k not in known]
    if all_tasks:
        seen = known.union(missing)
        missing += [k for k in store.predicted_keys() if k not in seen]
    # their data from task_data; without it "data": {} and "meta": {"nblabel_missing_data": true},
    # so a reader can tell them from tasks without data
    orphans = [{"id": k, "data": {}, "meta": {MISSING_DATA: True}} for k in missing]
    chosen = [t for t in stored + orphans if all_tasks or t["id"] in by_task]
    for i in range(0, len(chosen), 500):
        chunk = chosen[i : i + 500]
        if task_data is not None:
            lost = [t["id"] for t in chunk if (t.get("meta") or {}).get(MISSING_DATA)]
            found = task_data(lost) if lost else {}
            chunk = [{"id": t["id"], "data": found[t["id"]]} if t["id"] in found else t for t in chunk]
        preds = store.predictions([t["id"] for t in chunk], detail=True)
        for t in chunk:
            key = t["id"]
            task: dict[str, Any] = {"id": _task_id(key), "data": t["data"]}
            if t.get("meta") is not None:
                task["meta"] = t["meta"]
            if key in reviews:  # as a push writes it into the task's meta
                from ..sync import review_meta

                r = reviews[key]
                task["meta"] = {**(task.get("meta") or {}), **review_meta(r)}
            task["annotations"] = [
                {
                    "id": a["id"],
                    "completed_by": _completed_by(a["annotator"]),
                    "result": a["result"],
                    "was_cancelled": a["was_cancelled"],
                    "ground_truth": a["annotator"] == CONSENSUS,
                    "lead_time": a["lead_time"],
                    "created_at": a["created_at"],
                    "updated_at": a["updated_at"],
                }
                for a in by_task.get(key, [])
            ]
            task["predictions"] = [
                {
                    "id": p["id"],
                    "result": p["result"],
                    "model_version": p["model_version"],
                    "score": p["score"],
                    "created_at": p["created_at"],
                    "updated_at": p["created_at"],
                    "task": task["id"],
                }
                for p in preds.get(key, [])
            ]
            yield task


# --------------------------------------------------------------------------- Label Studio's flattening


def _annotator(completed_by: Any, *, int_id: bool) -> Any:
    """Label Studio's rule: an e-mail from a user dict, an int id as is (JSON_MIN) or as text."""
    if isinstance(completed_by, dict):
        return completed_by.get("email")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool) and int_id:
        return completed_by
    return str(completed_by)


_SCALARS = (str, int, float, bool, type(None))


def _copy_json(value: Any) -> Any:
    """A deep copy of decoded JSON (dicts, lists, scalars): what ``copy.deepcopy`` gives, several
    times faster, because it skips deepcopy's memo and dispatch for the types JSON can hold.
    Anything else (a tuple or object in task JSON built by hand) goes through ``deepcopy``."""
    if type(value) is dict:
        return {k: v if type(v) in _SCALARS else _copy_json(v) for k, v in value.items()}
    if type(value) is list:
        return [v if type(v) in _SCALARS else _copy_json(v) for v in value]
    if type(value) in _SCALARS:
        return value
    return deepcopy(value)


def _outputs(result: Any, spec: ConfigSpec) -> dict[str, list[dict[str, Any]]]:
    """from_name -> the result values of that control, each with the control's tag as ``type``."""
    outputs: dict[str, list[dict[str, Any]]] = {}
    controls = spec.controls
    for item in result if isinstance(result, list) else []:
        if not isinstance(item, dict):
            continue
        name = item.get("from_name")
        if not name:
            continue
        if name in controls:
            value: dict[str, Any] = _copy_json(item["value"]) if isinstance(item.get("value"), dict) else {}
            value["type"] = controls[name]["tag"]
            for k in ("original_width", "original_height"):
                if k in item:
                    value[k] = item[k]
        elif item.get("type") == "chatmessage":
            value = _copy_json(item["value"]) if isinstance(item.get("value"), dict) else {}
            value["type"] = "chatmessage"
        elif not controls:  # a config without controls: keep what is there
            value = _copy_json(item["value"]) if isinstance(item.get("value"), dict) else {}
            value["type"] = item.get("type") or "unknown"
            for k in ("original_width", "original_height"):
                if k in item:
                    value[k] = item[k]
        else:
            continue
        outputs.setdefault(name, []).append(value)
    return outputs


def _created(a: Mapping[str, Any]) -> str:
    value = a.get("created_at")
    return value if isinstance(value, str) else ""


def annotation_items(
    tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec
) -> Iterator[tuple[Mapping[str, Any], dict, Mapping[str, Any]]]:
    """(task, outputs, annotation) per row, in Label Studio's order."""
    for task in tasks:
        annotations = task.get("annotations")
        if annotations is None:
            annotations = task.get("completions") or []
        if not annotations:
            yield task, {}, {}
            continue
        kept = [a for a in annotations if isinstance(a, Mapping) and not (a.get("skipped") or a.get("was_cancelled"))]
        for a in sorted(kept, key=_created, reverse=True):  # newest first
            yield task, _outputs(a.get("result") or [], spec), a


# --------------------------------------------------------------------------- one call


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    tasks: int  # tasks read from the store
    records: int  # records written (tasks for JSON, rows for the flat formats)
    missing_data: int = 0  # tasks exported without data: the store has no snapshot of them


def export_store(
    store: Store,
    spec: ConfigSpec,
    path: str | os.PathLike[str],
    fmt: str = "json",
    *,
    annotator: str | None = "*",
    all_tasks: bool = False,
    progress: bool = False,
    task_data: TaskData | None = None,
) -> ExportResult:
    """Write the store's annotations to ``path`` in format ``fmt`` (a key of :data:`FORMATS`).

    ``all_tasks`` and ``task_data``: as in :func:`store_tasks` (``all_tasks=True`` includes every
    predicted task; ``task_data`` fills in the data the store has no snapshot of).

    ``progress``: count the exported tasks with a progress bar (nblabel.progress; a notebook bar in
    a kernel), shown only for a store of at least :data:`PROGRESS_FROM` tasks.

    The file is written next to ``path`` and renamed into place when complete, so a failed
    export never leaves a half-written file behind.
    """
    key = fmt.lower()
    if key not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    from ..progress import progress_reporter

    target = Path(path)
    tasks = store_tasks(store, annotator, all_tasks=all_tasks, task_data=task_data)
    big = progress and store.task_count() >= PROGRESS_FROM
    bar = progress_reporter(f"export {key}", None, enabled=big)
    counter = _Counter(tasks, bar.update)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")  # same folder: rename is atomic
    try:
        with bar, gc_paused():  # bulk flattening of every annotation: see nblabel.frame.gc_paused
            records = FORMATS[key].write(counter, spec, Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return ExportResult(target, key, counter.n, records, counter.missing)


#: exports of stores with fewer tasks finish before a bar would be worth drawing
PROGRESS_FROM = 5_000


class _Counter(Iterator[dict[str, Any]]):
    def __init__(self, it: Iterator[dict[str, Any]], on_item: Callable[[int], None] | None = None) -> None:
        self._it = it
        self._on_item = on_item
        self.n = 0
        self.missing = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> dict[str, Any]:
        item = next(self._it)
        self.n += 1
        if self._on_item is not None:
            self._on_item(1)
        if (item.get("meta") or {}).get(MISSING_DATA):
            self.missing += 1
        return item

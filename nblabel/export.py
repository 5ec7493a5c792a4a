"""Stored annotations as Label Studio export files: ``JSON``, ``JSON_MIN``, ``CSV``, ``TSV``.

    from nblabel.export import export_store, FORMATS

    export_store(store, spec, "labels.json", fmt="json_min", annotator="*")

Two layers, so every format works on any source of Label Studio task JSON:

* :func:`store_tasks` reads a :class:`~nblabel.store.Store` as Label Studio *task JSON*, the shape
  the server's ``JSON`` export and ``/import`` use: ``{"id", "data", "meta"?, "annotations": [...],
  "predictions": [...]}``.
* A format is an :class:`ExportFormat` in the registry :data:`FORMATS` (key: the lower-case name
  used on the command line). Its ``write(tasks, spec, path)`` turns task JSON into a file and
  returns how many records it wrote. New formats (COCO, YOLO, VOC, CONLL2003, ...) are added with
  :func:`register`; a format that writes a folder or an archive may treat ``path`` accordingly.

The shapes follow Label Studio's own converter (label-studio-sdk 2.1.2, used by the 1.23.2 server):

* **JSON**: the task list itself, the only lossless format. Predictions are written in full (the
  server's simple export writes only their ids), so the file can be imported into a project.
* **JSON_MIN**: one flat row per (task, non-cancelled annotation), newest annotation first: the
  task's ``data`` keys, ``id``, one key per control with results (a single ``Choices`` or
  ``TextArea`` value as a bare string, otherwise the list of its ``value`` dicts without ``type``),
  then ``annotator``, ``annotation_id``, ``created_at``, ``updated_at``, ``lead_time``. A task
  without any annotation gives one row without control keys; a task whose annotations are all
  cancelled (skipped) gives no row. Results of ``from_name``\\ s that are not controls of the
  config are left out.
* **CSV** / **TSV**: the JSON_MIN rows with all columns sorted by name; values that are not
  strings or numbers are written as JSON; a data key that is also a control name becomes
  ``_data_<key>``; ``csv.QUOTE_NONNUMERIC``. Byte for byte the server's export, except that JSON
  inside a cell is plain JSON (the server's encoder writes ``/`` as ``\\/``; parsers read both alike).

Annotator identity: a store annotation's ``completed_by`` is ``{"email": name}`` when the name is
an e-mail address (what the server matches members by on import) and the bare name otherwise;
JSON_MIN/CSV show the name either way. Label Studio's own exports name annotators by user id.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigSpec
from .quality.votes import CONSENSUS
from .store import Store

__all__ = [
    "ExportFormat",
    "ExportResult",
    "FORMATS",
    "export_store",
    "json_min_rows",
    "register",
    "store_tasks",
]

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


def store_tasks(store: Store, annotator: str | None = "*", *, all_tasks: bool = False) -> Iterator[dict[str, Any]]:
    """The store's tasks as Label Studio task JSON, in the order they were first stored.

    ``annotator``: ``"*"`` or None for every annotator's annotations, else only that annotator's.
    By default only tasks with at least one of those annotations (the server's default too);
    ``all_tasks=True`` adds every other stored task with ``"annotations": []``. Each task carries
    its stored predictions in full (``result``, ``score``, ``model_version``). A task the store
    holds annotations of but no data snapshot (labeled only on a server, pushed from a DataFrame)
    comes with ``"data": {}`` and ``"meta": {MISSING_DATA: True}``.
    """
    who = None if annotator in (None, "*") else annotator
    by_task: dict[str, list[dict[str, Any]]] = {}
    for ann in store.annotations(who):
        by_task.setdefault(ann["task_id"], []).append(ann)
    stored = store.tasks()
    known = {t["id"] for t in stored}
    # annotations of tasks the store has no data snapshot of: exported with "data": {} and
    # "meta": {"nblabel_missing_data": true}, so a reader can tell them from tasks without data
    orphans = [{"id": k, "data": {}, "meta": {MISSING_DATA: True}} for k in by_task if k not in known]
    chosen = [t for t in stored + orphans if all_tasks or t["id"] in by_task]
    for i in range(0, len(chosen), 500):
        chunk = chosen[i:i + 500]
        preds = store.predictions([t["id"] for t in chunk])
        for t in chunk:
            key = t["id"]
            task: dict[str, Any] = {"id": _task_id(key), "data": t["data"]}
            if t.get("meta") is not None:
                task["meta"] = t["meta"]
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
                {"result": p["result"], "score": p["score"], "model_version": p["model_version"]}
                for p in preds.get(key, [])
            ]
            yield task


# --------------------------------------------------------------------------- JSON_MIN rows


def _annotator(completed_by: Any, *, int_id: bool) -> Any:
    """Label Studio's rule: an e-mail from a user dict, an int id as is (JSON_MIN) or as text."""
    if isinstance(completed_by, dict):
        return completed_by.get("email")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool) and int_id:
        return completed_by
    return str(completed_by)


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
            value = deepcopy(item.get("value")) if isinstance(item.get("value"), dict) else {}
            value["type"] = controls[name]["tag"]
            for k in ("original_width", "original_height"):
                if k in item:
                    value[k] = item[k]
        elif item.get("type") == "chatmessage":
            value = deepcopy(item.get("value")) if isinstance(item.get("value"), dict) else {}
            value["type"] = "chatmessage"
        elif not controls:  # a config without controls: keep what is there
            value = deepcopy(item.get("value")) if isinstance(item.get("value"), dict) else {}
            value["type"] = item.get("type") or "unknown"
            for k in ("original_width", "original_height"):
                if k in item:
                    value[k] = item[k]
        else:
            continue
        outputs.setdefault(name, []).append(value)
    return outputs


def _pretty(values: list[dict[str, Any]]) -> Any:
    """One control's values: a bare string for one single Choice / one TextArea line, else the
    list of value dicts without ``type`` (Label Studio's ``prettify_result``)."""
    out: list[Any] = []
    tag = None
    for v in values:
        v = dict(v)
        tag = v.pop("type", None)
        if tag == "Choices" and isinstance(v.get("choices"), list) and len(v["choices"]) == 1:
            out.append(v["choices"][0])
        elif tag == "TextArea" and isinstance(v.get("text"), list) and len(v["text"]) == 1:
            out.append(v["text"][0])
        elif tag in ("Chat", "chatmessage"):
            out.append(v.get("chatmessage", v))
        else:
            out.append(v)
    return out[0] if tag in ("Choices", "TextArea") and len(out) == 1 else out


def _created(a: Mapping[str, Any]) -> str:
    value = a.get("created_at")
    return value if isinstance(value, str) else ""


def _min_items(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec) -> Iterator[tuple[Mapping[str, Any], dict, Mapping[str, Any]]]:
    """(task, outputs, annotation) per row, in Label Studio's order."""
    for task in tasks:
        annotations = task.get("annotations")
        if annotations is None:
            annotations = task.get("completions") or []
        if not annotations:
            yield task, {}, {}
            continue
        kept = [a for a in annotations if isinstance(a, Mapping)
                and not (a.get("skipped") or a.get("was_cancelled"))]
        for a in sorted(kept, key=_created, reverse=True):  # newest first
            yield task, _outputs(a.get("result") or [], spec), a


def json_min_rows(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec) -> Iterator[dict[str, Any]]:
    """Label Studio JSON_MIN rows for task JSON (see the module docstring)."""
    for task, outputs, a in _min_items(tasks, spec):
        row = json.loads(json.dumps(task.get("data") or {}))
        if task.get("id") is not None:
            row["id"] = task["id"]
        for name, values in outputs.items():
            row[name] = _pretty(values)
        _annotation_columns(row, task, a, int_id=True)
        yield row


def _annotation_columns(row: dict[str, Any], task: Mapping[str, Any], a: Mapping[str, Any], *, int_id: bool) -> None:
    """The per-annotation columns JSON_MIN and CSV share (author, ids, times, agreement)."""
    row["annotator"] = _annotator(a.get("completed_by", {}), int_id=int_id)
    row["annotation_id"] = a.get("id")
    row["created_at"] = a.get("created_at")
    row["updated_at"] = a.get("updated_at")
    row["lead_time"] = a.get("lead_time")
    if "agreement" in task:
        row["agreement"] = task["agreement"]


def _csv_cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if isinstance(value, (dict, list)) else value


def csv_rows(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec) -> tuple[list[str], list[dict[str, Any]]]:
    """(sorted column names, rows) of Label Studio's CSV/TSV export for task JSON."""
    items = list(_min_items(tasks, spec))
    data_keys = {k for t, _, _ in items for k in (t.get("data") or {})}
    output_keys = {k for _, o, _ in items for k in o}
    clash = data_keys & output_keys
    columns = {"annotator", "annotation_id", "created_at", "updated_at", "lead_time"}
    rows = []
    for task, outputs, a in items:
        row: dict[str, Any] = {}
        if task.get("id") is not None:
            row["id"] = task["id"]
        for name, values in outputs.items():
            pretty = _pretty(values)
            row[name] = pretty if isinstance(pretty, str) else json.dumps(pretty, ensure_ascii=False,
                                                                            separators=(",", ":"))
            if any(v.get("type") in ("Chat", "chatmessage") for v in values):
                row[f"{name}_transcript"] = _transcript(pretty)
        for key, value in (task.get("data") or {}).items():
            row[f"_data_{key}" if key in clash else key] = _csv_cell(value)
        _annotation_columns(row, task, a, int_id=False)
        if a.get("history"):
            row["history"] = json.dumps(a["history"], ensure_ascii=False, separators=(",", ":"))
        columns.update(row)
        rows.append(row)
    return sorted(columns), rows


def _transcript(messages: Any) -> str:
    lines = []
    for m in messages if isinstance(messages, list) else []:
        if isinstance(m, dict):
            role, content = str(m.get("role", "")), str(m.get("content", ""))
            lines.append((f"{role}: {content}" if content else f"{role}:") if role else content)
    return "\n".join(lines)


# --------------------------------------------------------------------------- writers


def _write_json(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, path: Path) -> int:
    return _write_json_list(tasks, path)


def _write_json_min(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, path: Path) -> int:
    return _write_json_list(json_min_rows(tasks, spec), path)


def _write_json_list(items: Iterable[Any], path: Path) -> int:
    """A JSON array, one item at a time (memory: one item)."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[")
        for item in items:
            fh.write(",\n" if n else "\n")
            fh.write(json.dumps(item, ensure_ascii=False, allow_nan=False))
            n += 1
        fh.write("\n]\n" if n else "]\n")
    return n


def _delimited(sep: str) -> Callable[[Iterable[Mapping[str, Any]], ConfigSpec, Path], int]:
    def write(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, path: Path) -> int:
        columns, rows = csv_rows(tasks, spec)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC, delimiter=sep)
            writer.writeheader()
            writer.writerows(rows)
        return len(rows)

    return write


register("json", ExportFormat("JSON", ".json", "Label Studio task JSON with annotations and predictions (lossless)",
                              _write_json))
register("json_min", ExportFormat("JSON_MIN", ".json", "one flat row per annotation: data keys, id, a key per "
                                  "control, annotator, annotation_id, created_at, updated_at, lead_time",
                                  _write_json_min))
register("csv", ExportFormat("CSV", ".csv", "the JSON_MIN rows as CSV, columns sorted", _delimited(",")))
register("tsv", ExportFormat("TSV", ".tsv", "the JSON_MIN rows as tab-separated values, columns sorted",
                             _delimited("\t")))


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
) -> ExportResult:
    """Write the store's annotations to ``path`` in format ``fmt`` (a key of :data:`FORMATS`).

    The file is written next to ``path`` and renamed into place when complete, so a failed
    export never leaves a half-written file behind.
    """
    key = fmt.lower()
    if key not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    target = Path(path)
    counter = _Counter(store_tasks(store, annotator, all_tasks=all_tasks))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")  # same folder: rename is atomic
    try:
        records = FORMATS[key].write(counter, spec, Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return ExportResult(target, key, counter.n, records, counter.missing)


class _Counter(Iterator[dict[str, Any]]):
    def __init__(self, it: Iterator[dict[str, Any]]) -> None:
        self._it = it
        self.n = 0
        self.missing = 0

    def __iter__(self) -> "_Counter":
        return self

    def __next__(self) -> dict[str, Any]:
        item = next(self._it)
        self.n += 1
        if (item.get("meta") or {}).get(MISSING_DATA):
            self.missing += 1
        return item


def dumps_csv(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, sep: str = ",") -> str:
    """The CSV (or TSV) export of ``tasks`` as a string (tests, small exports)."""
    columns, rows = csv_rows(tasks, spec)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC, delimiter=sep)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()

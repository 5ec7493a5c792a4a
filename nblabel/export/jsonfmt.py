"""Label Studio's ``JSON`` and ``JSON_MIN`` exports (label-studio-sdk 2.1.2's converter, the 1.23.2 server's).

* **JSON**: the task list itself, the only lossless format. Predictions are written in full (the
  server's simple export writes only their ids), so the file can be imported into a project.
* **JSON_MIN**: one flat row per (task, non-cancelled annotation), newest annotation first: the
  task's ``data`` keys, ``id``, one key per control with results (a single ``Choices`` or
  ``TextArea`` value as a bare string, otherwise the list of its ``value`` dicts without ``type``),
  then ``annotator``, ``annotation_id``, ``created_at``, ``updated_at``, ``lead_time``. A task
  without any annotation gives one row without control keys; a task whose annotations are all
  cancelled (skipped) gives no row. Results of ``from_name``\\ s that are not controls of the
  config are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..config import ConfigSpec
from .core import ExportFormat, _annotator, annotation_items, register

__all__ = ["json_min_rows"]


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


def json_min_rows(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec) -> Iterator[dict[str, Any]]:
    """Label Studio JSON_MIN rows for task JSON (see the module docstring)."""
    for task, outputs, a in annotation_items(tasks, spec):
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


register(
    "json",
    ExportFormat("JSON", ".json", "Label Studio task JSON with annotations and predictions (lossless)", _write_json),
)
register(
    "json_min",
    ExportFormat(
        "JSON_MIN",
        ".json",
        "one flat row per annotation: data keys, id, a key per "
        "control, annotator, annotation_id, created_at, updated_at, lead_time",
        _write_json_min,
    ),
)

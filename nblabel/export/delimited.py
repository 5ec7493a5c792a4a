"""Label Studio's ``CSV`` and ``TSV`` exports: the JSON_MIN rows as delimited text.

All columns sorted by name; values that are not strings or numbers are written as JSON; a data
key that is also a control name becomes ``_data_<key>``; ``csv.QUOTE_NONNUMERIC``. Byte for byte
the server's export, except that JSON inside a cell is plain JSON (the server's encoder writes
``/`` as ``\\/``; parsers read both alike).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..config import ConfigSpec
from .core import ExportFormat, annotation_items, register
from .jsonfmt import _annotation_columns, _pretty

__all__ = ["csv_rows", "dumps_csv"]


def _csv_cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if isinstance(value, (dict, list)) else value


def csv_rows(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec) -> tuple[list[str], list[dict[str, Any]]]:
    """(sorted column names, rows) of Label Studio's CSV/TSV export for task JSON."""
    items = list(annotation_items(tasks, spec))
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
            row[name] = (
                pretty if isinstance(pretty, str) else json.dumps(pretty, ensure_ascii=False, separators=(",", ":"))
            )
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


def _delimited(sep: str) -> Callable[[Iterable[Mapping[str, Any]], ConfigSpec, Path], int]:
    def write(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, path: Path) -> int:
        columns, rows = csv_rows(tasks, spec)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC, delimiter=sep)
            writer.writeheader()
            writer.writerows(rows)
        return len(rows)

    return write


register("csv", ExportFormat("CSV", ".csv", "the JSON_MIN rows as CSV, columns sorted", _delimited(",")))
register(
    "tsv", ExportFormat("TSV", ".tsv", "the JSON_MIN rows as tab-separated values, columns sorted", _delimited("\t"))
)


def dumps_csv(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, sep: str = ",") -> str:
    """The CSV (or TSV) export of ``tasks`` as a string (tests, small exports)."""
    columns, rows = csv_rows(tasks, spec)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC, delimiter=sep)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()

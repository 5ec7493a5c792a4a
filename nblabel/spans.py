"""Spans and relations of stored annotations as DataFrames (``to_dataframe(form="spans")``, ``relations()``).

Label Studio keeps a text region as result items sharing one ``id``: the span itself (a
``labels`` / ``hypertextlabels`` / ``paragraphlabels`` item with offsets and labels) and any
per-region classifications (``perRegion`` Choices / TextArea / Rating / Number on the same id).
Relations are separate items ``{"type": "relation", "from_id", "to_id", "direction", "labels"}``.
This module flattens both into one row per span and one row per relation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .frame import TaskSource, _as_column, _extract, task_key

__all__ = ["RELATION_COLUMNS", "SPAN_COLUMNS", "relations_frame", "spans_frame"]

SPAN_COLUMNS = ["task_id", "annotator", "from_name", "start", "end", "text", "label", "region_id"]
RELATION_COLUMNS = [
    "task_id",
    "annotator",
    "from_id",
    "to_id",
    "direction",
    "labels",
    "from_text",
    "from_label",
    "to_text",
    "to_label",
]


def _is_span(item: Mapping[str, Any]) -> bool:
    typ = item.get("type")
    value = item.get("value")
    return (
        isinstance(typ, str)
        and typ.endswith("labels")
        and isinstance(value, Mapping)
        and "start" in value
        and "end" in value
    )


def _offsets(value: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """Code-point offsets of a span: Text ``start``/``end``; HyperText ``globalOffsets`` (offsets
    in the rendered text); None for paragraph spans (their ``start``/``end`` are paragraph indices)."""
    g = value.get("globalOffsets")
    if isinstance(g, Mapping):
        value = g
    s, e = value.get("start"), value.get("end")
    if isinstance(s, int) and isinstance(e, int) and not isinstance(s, bool) and not isinstance(e, bool):
        return s, e
    return None, None


def _label(item: Mapping[str, Any], control: Mapping[str, Any] | None) -> object:
    """The span's label: a ``str``; the list of labels when the control is ``choice="multiple"``."""
    value = item["value"]
    labels = value.get(item["type"])
    if labels is None:
        labels = next((v for k, v in value.items() if k.endswith("labels") and isinstance(v, list)), None)
    if not isinstance(labels, list):
        return labels
    if (control or {}).get("choice") == "multiple":
        return list(labels)
    return labels[0] if len(labels) == 1 else (list(labels) if labels else None)


def _matched(df: pd.DataFrame, annotations: Iterable[dict], annotator: str | None) -> list[tuple[int, dict]]:
    anns = [
        a for a in annotations if (annotator is None or a.get("annotator") == annotator) and not a.get("was_cancelled")
    ]
    if not anns:
        return []
    locs = TaskSource(df, {}).locate([task_key(a["task_id"]) for a in anns])
    matched = [(int(p), a) for p, a in zip(locs.tolist(), anns) if p >= 0]
    return sorted(matched, key=lambda pa: (pa[0], str(pa[1].get("annotator"))))


def _label_of_index(df: pd.DataFrame, p: int) -> object:
    label = df.index[p]
    return label.item() if isinstance(label, np.generic) else label


def spans_frame(
    df: pd.DataFrame,
    spec: Any,
    annotations: Iterable[dict],
    *,
    annotator: str | None = None,
    columns: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per span of the stored ``annotations`` of ``df``'s tasks.

    Columns: ``task_id`` (the index label), ``annotator``, ``from_name`` (the Labels control),
    ``start``, ``end`` (nullable ``Int64`` code points; HyperText: ``globalOffsets``; paragraph
    spans: NA), ``text``, ``label`` (``str``; a list for ``choice="multiple"`` controls),
    ``region_id``; then one column per per-region control that has a value on some span (the
    extracted value, as in ``form="long"``; NA where that span has none). Dtypes are pandas'
    nullable ones, as in the other forms: ``string`` for names, texts and single labels,
    ``Int64`` offsets, ``object`` for ``task_id`` and list cells; every empty cell is ``pd.NA``. Rows follow ``df``'s
    row order, then annotator, then ``start``. ``columns`` (``$var`` → DataFrame column, what
    ``ConfigSpec.bind`` returns) lets a span without a stored ``text`` take it from ``df``.
    Skipped annotations have no spans.
    """
    controls = spec.controls
    per_region = [n for n, c in controls.items() if c.get("perRegion")]
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for p, a in _matched(df, annotations, annotator):
        result = [it for it in (a.get("result") or []) if isinstance(it, dict)]
        attrs: dict[Any, dict[str, Any]] = {}
        for it in result:  # per-region values, by the region id they share with their span
            if it.get("from_name") in per_region and it.get("id") is not None and not _is_span(it):
                attrs.setdefault(it["id"], {})[it["from_name"]] = _extract(it, controls.get(it["from_name"]))
        task_rows = []
        for it in result:
            if not _is_span(it):
                continue
            value = it["value"]
            start, end = _offsets(value)
            text = value.get("text")
            if text is None and start is not None and end is not None:
                text = _text_from_df(df, p, spec, it.get("to_name"), columns, start, end)
            extra = attrs.get(it.get("id"), {})
            used.update(extra)
            task_rows.append(
                {
                    "task_id": _label_of_index(df, p),
                    "annotator": a.get("annotator"),
                    "from_name": it.get("from_name"),
                    "start": start,
                    "end": end,
                    "text": text,
                    "label": _label(it, controls.get(it.get("from_name"))),
                    "region_id": it.get("id"),
                    **extra,
                }
            )
        task_rows.sort(key=lambda r: (r["start"] is None, r["start"] or 0, r["end"] or 0))
        rows.extend(task_rows)
    extra_cols = [n for n in per_region if n in used and n not in SPAN_COLUMNS]
    out = pd.DataFrame(rows, columns=SPAN_COLUMNS + extra_cols)
    out["task_id"] = _objects([r["task_id"] for r in rows], out.index)
    for col in ("annotator", "from_name", "text", "region_id"):
        out[col] = _as_column([r[col] for r in rows], "text")
    for col in ("start", "end"):
        out[col] = pd.array([r[col] for r in rows], dtype="Int64")
    out["label"] = _as_column([r["label"] for r in rows], "choices")
    for col in extra_cols:
        out[col] = _as_column([r.get(col) for r in rows], controls[col].get("type"))
    return out


def _text_from_df(
    df: pd.DataFrame, p: int, spec: Any, to_name: Any, columns: Mapping[str, Any] | None, start: int, end: int
) -> str | None:
    obj = spec.objects.get(to_name) if isinstance(to_name, str) else None
    if not obj or obj.get("tag") != "Text" or not columns or len(obj.get("vars") or []) != 1:
        return None
    column = columns.get(obj["vars"][0])
    if column is None or column not in df.columns:
        return None
    text = df[column].iloc[p]
    return text[start:end] if isinstance(text, str) else None


def _objects(values: list[object], index: pd.Index) -> pd.Series:
    """An object column (ids, lists stay cell values; None → ``pd.NA``), no str-dtype inference."""
    cells = np.empty(len(values), dtype=object)
    cells[:] = [pd.NA if v is None else v for v in values]
    return pd.Series(cells, index=index, dtype=object)


def relations_frame(
    df: pd.DataFrame,
    spec: Any,
    annotations: Iterable[dict],
    *,
    annotator: str | None = None,
) -> pd.DataFrame:
    """One row per relation of the stored ``annotations`` of ``df``'s tasks.

    Columns: ``task_id``, ``annotator``, ``from_id``, ``to_id``, ``direction`` (``right`` |
    ``left`` | ``bi``; Label Studio's default ``right`` when absent), ``labels`` (list of the
    relation's labels, ``[]`` when none was chosen), then ``from_text``, ``from_label``,
    ``to_text``, ``to_label`` of the two regions in the same annotation (NA when a region is
    not a span, e.g. an image box, or is missing). Nullable dtypes (``string``; ``labels`` and
    ``task_id`` ``object``).
    """
    controls = spec.controls
    rows: list[dict[str, Any]] = []
    for p, a in _matched(df, annotations, annotator):
        result = [it for it in (a.get("result") or []) if isinstance(it, dict)]
        regions: dict[Any, tuple[object, object]] = {}
        for it in result:
            if _is_span(it) and it.get("id") is not None and it["id"] not in regions:
                regions[it["id"]] = (it["value"].get("text"), _label(it, controls.get(it.get("from_name"))))
        for it in result:
            if it.get("type") != "relation":
                continue
            src = regions.get(it.get("from_id"), (None, None))
            dst = regions.get(it.get("to_id"), (None, None))
            labels = it.get("labels")
            rows.append(
                {
                    "task_id": _label_of_index(df, p),
                    "annotator": a.get("annotator"),
                    "from_id": it.get("from_id"),
                    "to_id": it.get("to_id"),
                    "direction": it.get("direction") or "right",
                    "labels": list(labels) if isinstance(labels, list) else [],
                    "from_text": src[0],
                    "from_label": src[1],
                    "to_text": dst[0],
                    "to_label": dst[1],
                }
            )
    out = pd.DataFrame(rows, columns=RELATION_COLUMNS)
    out["task_id"] = _objects([r["task_id"] for r in rows], out.index)
    for col in ("annotator", "from_id", "to_id", "direction", "from_text", "to_text"):
        out[col] = _as_column([r[col] for r in rows], "text")
    out["labels"] = _objects([r["labels"] for r in rows], out.index)
    for col in ("from_label", "to_label"):
        out[col] = _as_column([r[col] for r in rows], "choices")
    return out

"""Model-free pre-labels for text spans: Label Studio span results from known spans or a gazetteer.

    rows = gazetteer_predictions(df, {"Lisbon": "LOC", "ACME Corp.": "ORG"}, column="text",
                                 from_name="label", to_name="text")
    lab.store.add_predictions(rows)        # shown as pre-labels; accepted ones become annotations

Every result this module makes passes :func:`nblabel.regions.check_span`: offsets are code
points and ``text[start:end] == value["text"]``. Region ids are derived from the span, so
running a pre-label twice gives the same ids (relations and per-region results stay attached).
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .regions import check_span, span_value

__all__ = ["gazetteer_predictions", "gazetteer_spans", "region_id", "span_results"]


def region_id(*parts: object) -> str:
    """A 10-character Label Studio region id (``[A-Za-z0-9_-]``) derived from ``parts``."""
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:10]


def span_results(
    text: str,
    spans: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    from_name: str,
    to_name: str,
    relations: Iterable[Mapping[str, Any]] = (),
    origin: str | None = None,
) -> list[dict[str, Any]]:
    """Label Studio results for ``spans`` of ``text``, plus ``relations`` between them.

    A span is ``{"start", "end", "label"}`` (``"text"`` optional; checked when given) or a
    ``(start, end, label)`` tuple, offsets in code points. A relation is ``{"from", "to",
    "label"?, "direction"?}`` with ``from``/``to`` indexing into ``spans`` (the shape of
    :func:`nblabel.load_ner_gold`'s ``relations``). ``SpanError`` names a span that does not fit.
    """
    items: list[dict[str, Any]] = []
    for i, span in enumerate(spans):
        if isinstance(span, Mapping):
            start, end, label = span.get("start"), span.get("end"), span.get("label")
            given = span.get("text")
        else:
            start, end, label = span
            given = None
        labels = [label] if isinstance(label, str) else list(label or [])
        value = span_value(text, start, end, labels)  # type: ignore[arg-type]  # checked inside
        if given is not None:
            check_span(text, {**value, "text": given}, where=f"span {i}")
        item = {
            "id": region_id(to_name, start, end, label),
            "from_name": from_name,
            "to_name": to_name,
            "type": "labels",
            "value": value,
        }
        if origin:
            item["origin"] = origin
        items.append(item)
    for r in relations:
        rel: dict[str, Any] = {
            "type": "relation",
            "from_id": items[r["from"]]["id"],
            "to_id": items[r["to"]]["id"],
            "direction": r.get("direction", "right"),
        }
        if r.get("label"):
            rel["labels"] = [r["label"]]
        items.append(rel)
    return items


def _wordlike(ch: str) -> bool:
    """Characters that continue a word: letters, digits and combining marks, except scripts
    written without spaces (CJK ideographs, kana, Thai...), where any position is a boundary."""
    if not (ch.isalnum() or unicodedata.category(ch).startswith("M")):
        return False
    name = unicodedata.name(ch, "")
    return not name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))


def gazetteer_spans(
    text: str,
    gazetteer: Mapping[str, str],
    *,
    from_name: str,
    to_name: str,
    ignore_case: bool = False,
) -> list[dict[str, Any]]:
    """Span results for every gazetteer entry (surface form → label) found in ``text``.

    Longest entries win; matches do not overlap; a match must not start or end inside a word (a
    letter, digit or combining mark right next to it), except in scripts written without spaces.
    Results carry ``origin: "prediction"``, like Label Studio's pre-annotations.
    """
    if not gazetteer:
        return []
    forms = [f for f in sorted(gazetteer, key=lambda s: (-len(s), s)) if f]
    flags = re.IGNORECASE if ignore_case else 0
    anywhere = re.compile("|".join(re.escape(f) for f in forms), flags)
    each = [(re.compile(re.escape(f), flags), gazetteer[f]) for f in forms]  # longest first

    def bounded(a: int, b: int) -> bool:
        if a and _wordlike(text[a - 1]) and _wordlike(text[a]):
            return False
        return not (b < len(text) and _wordlike(text[b]) and _wordlike(text[b - 1]))

    spans = []
    pos = 0
    while (m := anywhere.search(text, pos)) is not None:
        a = m.start()
        # the longest entry at this position that sits on word boundaries, if any
        hit = next(
            ((a, e.end(), label) for rx, label in each if (e := rx.match(text, a)) is not None and bounded(a, e.end())),
            None,
        )
        if hit is None:
            pos = a + 1
            continue
        spans.append(hit)
        pos = hit[1]
    return span_results(text, spans, from_name=from_name, to_name=to_name, origin="prediction")


def gazetteer_predictions(
    df: pd.DataFrame,
    gazetteer: Mapping[str, str],
    *,
    column: str,
    from_name: str,
    to_name: str,
    model_version: str = "gazetteer",
    ignore_case: bool = False,
) -> list[tuple[object, list[dict[str, Any]], float | None, str]]:
    """``(task_id, result, score, model_version)`` rows for :meth:`Store.add_predictions`, one per row
    of ``df`` with at least one match (task id = index label, text = ``df[column]``).

    The score is None: a gazetteer has no confidence.
    """
    if column not in df.columns:
        raise KeyError(f"column {column!r} is not in the DataFrame (columns: {', '.join(map(str, df.columns))})")
    rows: list[tuple[object, list[dict[str, Any]], float | None, str]] = []
    for task_id, text in df[column].items():
        if not isinstance(text, str):
            continue
        result = gazetteer_spans(text, gazetteer, from_name=from_name, to_name=to_name, ignore_case=ignore_case)
        if result:
            rows.append((task_id, result, None, model_version))
    return rows

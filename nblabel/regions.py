"""Text regions: exact offsets between Python, the browser and Label Studio.

Label Studio stores ``Text`` span offsets as Unicode **code points** (Python ``str`` indices,
``end`` exclusive; ``\\r\\n`` is two code points, like any other two characters). The browser
counts **UTF-16 code units**: every character above U+FFFF (most emoji, flags, rare CJK) is two
units there and one here. A span converted the wrong way lands on the wrong characters, silently.
This module is the one place that converts between the two, and that checks a span against its
text before it is stored, so ``text[start:end] == value["text"]`` holds for every stored span.

Pure functions, no I/O:

* :func:`utf16_offset` / :func:`codepoint_offset` convert one offset; :class:`OffsetMap` converts
  many offsets of one (long) text in O(log n) each.
* :func:`check_span` checks one ``labels``-style value (``start``, ``end``, ``text``) against a
  text; :func:`check_result_spans` checks every span of a result list against a task's data.
* :func:`hypertext_plain` is the text of a HyperText value that ``globalOffsets`` count code
  points of (every text node, ``<br>`` as one), not the HTML source.

Spans are never snapped to grapheme clusters: a span may start inside a ZWJ emoji sequence or
before a combining mark, as in Label Studio.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "OffsetMap",
    "SpanError",
    "check_result_spans",
    "check_span",
    "codepoint_offset",
    "hypertext_plain",
    "span_value",
    "utf16_len",
    "utf16_offset",
]

#: result types whose ``value`` is a span of an object's text, by offsets ``start``/``end``
TEXT_SPAN_TYPES = ("labels",)
#: HyperText spans: XPaths + offsets inside text nodes, ``globalOffsets`` into the rendered text
HYPERTEXT_SPAN_TYPES = ("hypertextlabels",)


class SpanError(ValueError):
    """A span whose offsets do not fit its text; the message says which span, where and why."""


# --------------------------------------------------------------------------- offset conversion


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (what JavaScript's ``String.length`` says)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_offset(text: str, offset: int) -> int:
    """The UTF-16 offset of code-point offset ``offset`` in ``text`` (0 ≤ offset ≤ len(text))."""
    if not 0 <= offset <= len(text):
        raise SpanError(f"code-point offset {offset} is outside the text (0..{len(text)})")
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def codepoint_offset(text: str, offset: int) -> int:
    """The code-point offset of UTF-16 offset ``offset`` in ``text``.

    Raises ``SpanError`` when ``offset`` is outside the text or falls between the two halves of a
    surrogate pair (no code-point offset is there; the browser selection was not on a character
    boundary).
    """
    return OffsetMap(text).to_codepoint(offset)


class OffsetMap:
    """Converts many offsets of one text both ways in O(log n) each, after one O(n) pass.

    Only the positions of astral characters (above U+FFFF) are kept: between two of them the two
    counts differ by a constant.
    """

    __slots__ = ("_astral", "_astral16", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # UTF-16 offset where each astral character starts
        self._astral16 = [i + k for k, i in enumerate(self._astral)]

    @property
    def utf16_length(self) -> int:
        return len(self.text) + len(self._astral)

    def to_utf16(self, offset: int) -> int:
        """Code-point offset → UTF-16 offset."""
        if not isinstance(offset, int) or not 0 <= offset <= len(self.text):
            raise SpanError(f"code-point offset {offset!r} is outside the text (0..{len(self.text)})")
        return offset + bisect_left(self._astral, offset)

    def to_codepoint(self, offset: int) -> int:
        """UTF-16 offset → code-point offset (``SpanError`` inside a surrogate pair)."""
        if not isinstance(offset, int) or not 0 <= offset <= self.utf16_length:
            raise SpanError(f"UTF-16 offset {offset!r} is outside the text (0..{self.utf16_length})")
        k = bisect_left(self._astral16, offset)  # astral characters starting before `offset`
        if k and self._astral16[k - 1] + 1 == offset:
            raise SpanError(
                f"UTF-16 offset {offset} falls inside the surrogate pair of character "
                f"{self._astral[k - 1]} ({self.text[self._astral[k - 1]]!r})"
            )
        return offset - k


# --------------------------------------------------------------------------- span values


def span_value(text: str, start: int, end: int, labels: Sequence[str], *, key: str = "labels") -> dict[str, Any]:
    """A Label Studio ``labels`` value for code points ``[start, end)`` of ``text``."""
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        raise SpanError(f"span [{start!r}, {end!r}) is outside the text (0..{len(text)})")
    return {"start": start, "end": end, "text": text[start:end], key: list(labels)}


def _is_offset(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _utf16_hint(text: str, start: int, end: int, shown: str) -> str:
    """Why offsets might be off: they fit when read as UTF-16 units (the browser's count)."""
    try:
        m = OffsetMap(text)
        s, e = m.to_codepoint(start), m.to_codepoint(end)
    except SpanError:
        return ""
    if text[s:e] == shown and (s, e) != (start, end):
        return (
            f"; the offsets fit as UTF-16 code units ([{s}, {e}) in code points): Label Studio "
            "stores code points, convert with nblabel.regions.OffsetMap.to_codepoint"
        )
    return ""


def check_span(text: str, value: Mapping[str, Any], *, where: str = "span") -> None:
    """Raise ``SpanError`` unless ``value`` (``start``, ``end``, optional ``text``) is a span of ``text``.

    ``start``/``end`` must be integer code-point offsets with ``0 ≤ start ≤ end ≤ len(text)``, and
    when ``value["text"]`` is given it must equal ``text[start:end]`` exactly (no trimming, no
    normalization: the stored text is what the offsets say).
    """
    start, end = value.get("start"), value.get("end")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
        raise SpanError(f"{where}: start/end must be integer code-point offsets, got {start!r}, {end!r}")
    shown = value.get("text")
    if not 0 <= start <= end <= len(text):
        hint = _utf16_hint(text, start, end, shown) if isinstance(shown, str) else ""
        raise SpanError(f"{where}: [{start}, {end}) is outside the text, which has {len(text)} code points{hint}")
    if shown is None:
        return
    if not isinstance(shown, str):
        raise SpanError(f"{where}: text must be a string, got {type(shown).__name__}")
    actual = text[start:end]
    if actual != shown:
        raise SpanError(
            f"{where}: text {shown!r} does not match the task text at [{start}, {end}), "
            f"which is {actual!r}{_utf16_hint(text, start, end, shown)}"
        )


def _check_hypertext(value: Mapping[str, Any], where: str, html: str | None = None) -> None:
    """Structure of a HyperText span, and no sign of UTF-16 ``globalOffsets``.

    The rendered text is the *sanitized* DOM's, which only the browser has, and Label Studio's
    own ``text`` may differ in whitespace from the offsets' span (it is the selection's string;
    label-studio #6446), so the text is not compared. What is refused is the signature of
    UTF-16 counting: offsets spanning ``utf16_len(text)`` units where ``text`` has fewer code points.
    """
    for key in ("start", "end"):
        if not isinstance(value.get(key), str):
            raise SpanError(f"{where}: {key} must be an XPath string, got {value.get(key)!r}")
    for key in ("startOffset", "endOffset"):
        if not _is_offset(value.get(key)) or value[key] < 0:
            raise SpanError(f"{where}: {key} must be a non-negative integer, got {value.get(key)!r}")
    g = value.get("globalOffsets")
    if g is None:
        return
    if not (
        isinstance(g, Mapping)
        and _is_offset(g.get("start"))
        and _is_offset(g.get("end"))
        and 0 <= g["start"] <= g["end"]
    ):
        raise SpanError(f"{where}: globalOffsets must be {{'start': int, 'end': int}} with start ≤ end, got {g!r}")
    shown = value.get("text")
    width = g["end"] - g["start"]
    if isinstance(shown, str) and width != len(shown) and width == utf16_len(shown):
        raise SpanError(
            f"{where}: text {shown!r} has {len(shown)} code points but globalOffsets "
            f"[{g['start']}, {g['end']}) span {width}, its length in UTF-16 code units: "
            "Label Studio counts code points"
        )
    if isinstance(shown, str) and html is not None:
        # offsets shifted by astral characters before the span: they fit only as UTF-16 units
        plain = hypertext_plain(html)
        if plain[g["start"] : g["end"]] != shown:
            hint = _utf16_hint(plain, g["start"], g["end"], shown)
            if hint:
                raise SpanError(
                    f"{where}: globalOffsets [{g['start']}, {g['end']}) do not give its text "
                    f"{shown!r} in the rendered HTML text{hint}"
                )


def check_result_spans(spec: Any, result: Sequence[Any], data: Mapping[str, Any], *, task_id: object = None) -> None:
    """Check every text span in ``result`` against the task ``data`` it points into.

    ``spec`` is the :class:`~nblabel.config.ConfigSpec`; a span item's ``to_name`` names a Text or
    HyperText object whose ``value`` is ``$var``, ``data[var]`` the text. Span-shaped values of
    per-region controls (Choices/TextArea/... sharing a region id) are checked the same way.
    Spans on objects whose text is not in ``data`` (``valueType="url"``) are not checked.
    """
    prefix = f"task {task_id!r}: " if task_id is not None else ""
    url_objects: set[str] | None = None
    for i, item in enumerate(result):
        if not isinstance(item, Mapping) or item.get("type") == "relation":
            continue
        value = item.get("value")
        if not isinstance(value, Mapping):
            continue
        obj = spec.objects.get(item.get("to_name"))
        if obj is None:
            continue
        where = f"{prefix}result[{i}] ({item.get('from_name')!r} on {item.get('to_name')!r})"
        typ = item.get("type")
        if typ in HYPERTEXT_SPAN_TYPES or (obj.get("tag") == "HyperText" and "globalOffsets" in value):
            if url_objects is None:
                url_objects = _url_objects(spec)
            html = None if item.get("to_name") in url_objects else _object_text(obj, data)
            _check_hypertext(value, where, html)
            continue
        if obj.get("tag") != "Text":
            continue
        if typ not in TEXT_SPAN_TYPES and not ("start" in value and "end" in value):
            continue  # a whole-text classification (Choices on the Text): no offsets
        if url_objects is None:
            url_objects = _url_objects(spec)
        text = None if item.get("to_name") in url_objects else _object_text(obj, data)
        if text is None:
            continue
        if typ not in TEXT_SPAN_TYPES and not isinstance(value.get("text"), str):
            # a per-region TextArea's own "text" (a list of lines) replaces the span's text
            value = {k: v for k, v in value.items() if k != "text"}
        check_span(text, value, where=where)


def _url_objects(spec: Any) -> set[str]:
    """Names of objects whose value is a URL to the text (``valueType="url"``), not the text."""
    out: set[str] = set()
    stack = [spec.root]
    while stack:
        node = stack.pop()
        attrs = node.get("attrs") or {}
        if node.get("kind") == "object" and str(attrs.get("valueType", "")).lower() == "url":
            out.add(str(attrs.get("name")))
        stack.extend(node.get("children") or [])
    return out


def _object_text(obj: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    names = obj.get("vars") or []
    if len(names) != 1 or obj.get("value") != f"${names[0]}":
        return None  # a template value ("$a and $b"): not one column
    text = data.get(names[0])
    return text if isinstance(text, str) else None


# --------------------------------------------------------------------------- HyperText


def hypertext_plain(html: str) -> str:
    """The text HyperText ``globalOffsets`` count in: every text node of the HTML in document
    order, each ``<br>`` as one character (``"\\n"``), as Label Studio's editor counts them.

    Parsed by lxml's HTML parser (no network, no external entities). The front end sanitizes
    before rendering, so for HTML with scripts or styles the browser's text may differ; for
    ordinary markup it is the same.
    """
    import lxml.html

    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return root.text_content()

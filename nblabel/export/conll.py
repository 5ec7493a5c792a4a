"""Label Studio's ``CONLL2003`` export: one ``token -X- _ TAG`` line per token, BIO tags from spans.

The file Label Studio 1.23.2 writes (label-studio-sdk 2.1.2's converter), line for line:

* a first line ``-DOCSTART- -X- O``;
* then per (task, non-cancelled annotation), newest annotation first, the task's text split into
  Penn Treebank tokens (:mod:`.treebank`), one line ``<token> -X- _ <tag>`` each, and a blank
  line. A task without annotations gives its tokens all tagged ``O``; a task whose annotations
  are all cancelled gives nothing.
* Tags come from the spans of the first ``Labels`` control in the annotation's result order:
  ``B-<label>`` on the first token a span touches, ``I-<label>`` on the following ones, ``O``
  elsewhere; a span's first label is used. A token counts as inside a span when any of its
  characters is, so a span that starts or ends inside a token tags the whole token. Spans are
  taken in ``start`` order; where spans overlap, the one that started first wins until it ends.

The text is the config's single text column (Label Studio offers CONLL2003 only for a config with
one data key, a ``Text`` object and a ``Labels`` control); other configs get a clear error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config import ConfigSpec
from .core import ExportFormat, annotation_items, register
from .treebank import span_tokenize

__all__ = ["conll_lines", "tokens_and_tags"]


def tokens_and_tags(text: str, spans: Sequence[Mapping[str, Any]] | None) -> tuple[list[str], list[str]]:
    """Treebank tokens of ``text`` and their BIO tags for ``spans`` (``labels`` values).

    The tag rule is Label Studio's: spans sorted by ``start``; the current span ends at ``end - 1``
    (inclusive); a token starting after it moves on to the next span that has not ended before
    the token; a token gets ``B-``/``I-`` + the span's first label when it overlaps the span and
    the span has labels, else ``O``.
    """
    bounds = list(span_tokenize(text))
    tokens = [text[a:b] for a, b in bounds]
    if not spans or any(s.get("start") is None or s.get("end") is None for s in spans):
        return tokens, ["O"] * len(tokens)
    queue = sorted(spans, key=lambda s: s["start"])
    span = queue.pop(0)
    first, last = span["start"], span["end"] - 1
    prefix = "B-"
    tags = []
    for a, b in bounds:
        token_last = b - 1
        if a > last:  # past the current span: take the next one that reaches this token
            while queue:
                span = queue.pop(0)
                first, last = span["start"], span["end"] - 1
                prefix = "B-"
                if a <= last:
                    break
        if token_last < first or not span.get("labels"):
            tags.append("O")
        elif first <= token_last and last >= a:
            tags.append(prefix + str(span["labels"][0]))
            prefix = "I-"
        else:
            tags.append("O")
    return tokens, tags


def _text_key(spec: ConfigSpec) -> str:
    """The one data key CONLL2003 tokenizes; a clear error for configs Label Studio refuses."""
    targets = {t for c in spec.controls.values() for t in c.get("toName", [])}
    keys = sorted({v for name in targets if name in spec.objects for v in spec.objects[name].get("vars", [])})
    has_text = any(spec.objects.get(t, {}).get("tag") == "Text" for t in targets)
    has_labels = any(c.get("tag") == "Labels" for c in spec.controls.values())
    if not (has_text and has_labels):
        raise ValueError(
            "CONLL2003 needs a config with a <Text> object and a <Labels> control on it "
            "(Label Studio offers it only then); use json or json_min for this config"
        )
    if len(keys) != 1:
        raise ValueError(
            f"CONLL2003 tokenizes one text column, but the config's controls read {len(keys)} "
            f"data keys ({', '.join(keys)}); Label Studio offers only JSON/JSON_MIN/CSV/TSV then"
        )
    return keys[0]


def conll_lines(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec) -> Iterator[str]:
    """The lines (each ending in ``\\n``) of the CONLL2003 export of Label Studio task JSON."""
    key = _text_key(spec)
    yield "-DOCSTART- -X- O\n"
    for task, outputs, _annotation in annotation_items(tasks, spec):
        text = (task.get("data") or {}).get(key)
        if not isinstance(text, str):
            raise ValueError(
                f"task {task.get('id')!r}: CONLL2003 needs the text in data[{key!r}], "
                f"found {type(text).__name__}"
                + (
                    " (the store has no data snapshot of this task: pull it or label it from a DataFrame)"
                    if not task.get("data")
                    else ""
                )
            )
        spans = next((values for values in outputs.values() if values[0]["type"].lower() == "labels"), None)
        tokens, tags = tokens_and_tags(text, spans)
        for token, tag in zip(tokens, tags):
            yield f"{token} -X- _ {tag}\n"
        yield "\n"


def _write_conll(tasks: Iterable[Mapping[str, Any]], spec: ConfigSpec, path: Path) -> int:
    """Writes the file; the count is of token sequences (one per task and annotation)."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for line in conll_lines(tasks, spec):
            fh.write(line)
            n += line == "\n"  # each sequence ends with a blank line
    return n


register(
    "conll2003",
    ExportFormat(
        "CONLL2003",
        ".conll",
        "CoNLL-2003 NER: `token -X- _ TAG` lines with BIO tags "
        "from the first Labels control, a blank line between texts",
        _write_conll,
    ),
)

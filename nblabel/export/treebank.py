"""Penn Treebank word tokenization with character spans, as Label Studio's CONLL2003 export uses it.

Label Studio's converter splits a text into tokens with NLTK's ``TreebankWordTokenizer``
(``span_tokenize``) and tags those tokens. To give the same file without depending on NLTK,
this module applies the same Treebank rules (a sequence of regular-expression rewrites that pad
punctuation, quotes, brackets and contractions with spaces, then a whitespace split) and maps
each token back onto the original text by searching for it left to right. Tests compare it with
NLTK's tokenizer on random and tricky texts (tests/unit/test_export_conll.py).

Offsets are code points (Python ``str`` indices), like Label Studio's span offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["span_tokenize", "tokenize"]

# (pattern, replacement) rewrites, applied in this order. The leading/trailing space added before
# the "ending" group is part of the rules (several patterns need a space after the token).
_STARTING_QUOTES = [
    (re.compile(r'^"'), "``"),
    (re.compile(r"(``)"), r" \1 "),
    (re.compile(r"([ (\[{<])(\"|'{2})"), r"\1 `` "),
]
_PUNCTUATION = [
    (re.compile(r"([:,])([^\d])"), r" \1 \2"),
    (re.compile(r"([:,])$"), r" \1 "),
    (re.compile(r"\.\.\."), " ... "),
    (re.compile(r"[;@#$%&]"), r" \g<0> "),
    (re.compile(r"([^.])(\.)([\])}>\"']*)\s*$"), r"\1 \2\3 "),  # a final period
    (re.compile(r"[?!]"), r" \g<0> "),
    (re.compile(r"([^'])' "), r"\1 ' "),
]
_BRACKETS = (re.compile(r"[\]\[(){}<>]"), r" \g<0> ")
_DASHES = (re.compile(r"--"), " -- ")
_ENDING_QUOTES = [
    (re.compile(r"''"), " '' "),
    (re.compile(r'"'), " '' "),
    (re.compile(r"([^' ])('[sS]|'[mM]|'[dD]|') "), r"\1 \2 "),
    (re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r"\1 \2 "),
]
# two-part words split like the Treebank does ("cannot" -> "can not", "gonna" -> "gon na")
_CONTRACTIONS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(can)(not)\b",
        r"\b(d)('ye)\b",
        r"\b(gim)(me)\b",
        r"\b(gon)(na)\b",
        r"\b(got)(ta)\b",
        r"\b(lem)(me)\b",
        r"\b(more)('n)\b",
        r"\b(wan)(na)(?=\s)",
        r" ('t)(is)\b",
        r" ('t)(was)\b",
    )
]
_QUOTES = re.compile(r"``|'{2}|\"")


def tokenize(text: str) -> list[str]:
    """Treebank tokens of ``text``; double quotes come out as ````` `` ````` / ``''``."""
    for pattern, repl in _STARTING_QUOTES + _PUNCTUATION:
        text = pattern.sub(repl, text)
    for pattern, repl in (_BRACKETS, _DASHES):
        text = pattern.sub(repl, text)
    text = f" {text} "
    for pattern, repl in _ENDING_QUOTES:
        text = pattern.sub(repl, text)
    for pattern in _CONTRACTIONS:
        text = pattern.sub(r" \1 \2 ", text)
    return text.split()


def span_tokenize(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` code-point spans of the Treebank tokens of ``text``, left to right.

    Quotes rewritten by :func:`tokenize` are put back as they appear in ``text`` (in order), so
    every token is a substring of ``text`` and ``text[start:end]`` is the token.
    """
    tokens = tokenize(text)
    if '"' in text or "''" in text:
        originals = iter(m.group() for m in _QUOTES.finditer(text))
        tokens = [next(originals) if t in ('"', "``", "''") else t for t in tokens]
    point = 0
    for token in tokens:
        start = text.find(token, point)
        if start < 0:  # cannot happen for Treebank tokens; say so rather than misalign
            raise ValueError(f"token {token!r} not found in the text after offset {point}")
        point = start + len(token)
        yield start, point

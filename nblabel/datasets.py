"""Small data sets bundled with nblabel, so demos and tests run offline."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).parent / "data"


def load_reviews() -> pd.DataFrame:
    """500 Amazon product-review snippets with human sentiment ratings (MIT, VADER 3.3.2).

    Columns: ``snippet_id``, ``score`` (mean human rating, -4..+4), ``review`` (the text) and
    ``gold`` (``positive``/``negative``, the sign of ``score``). Provenance and licence are in
    ``nblabel/data/LICENSE-reviews.txt``.
    """
    return pd.read_csv(DATA_DIR / "reviews.csv", dtype={"snippet_id": str})


def load_ner_gold() -> pd.DataFrame:
    """42 sentences with gold named entities and relations, written for nblabel (Apache-2.0).

    Index ``sentence_id`` (``"s01"``...). Columns: ``text``; ``entities``, a list of
    ``{"start", "end", "text", "label"}`` per sentence (labels ``PER``, ``ORG``, ``LOC``,
    ``MISC``; offsets in Unicode code points, so ``text[start:end] == entity["text"]``, as Label
    Studio stores Text spans); ``relations``, a list of ``{"from", "to", "label"}`` indexing into
    ``entities`` (``works_at``, ``located_in``, ``lives_in``, ``born_in``). The texts include
    emoji (ZWJ sequences, flags), CJK, combining marks and ``\\r\\n`` line breaks. Turn a row into
    Label Studio results with :func:`nblabel.prelabel.span_results`. See
    ``nblabel/data/LICENSE-ner-gold.txt``.
    """
    rows = []
    with open(DATA_DIR / "ner_gold.jsonl", encoding="utf-8", newline="") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return pd.DataFrame(rows).set_index("sentence_id")

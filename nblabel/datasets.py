"""Small data sets bundled with nblabel, so demos and tests run offline."""

from __future__ import annotations

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

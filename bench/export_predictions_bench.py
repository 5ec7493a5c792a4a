"""What predicted, never-labeled rows cost an export (docs/models.md, "Where predictions go").

    .venv/bin/python bench/export_predictions_bench.py [rows]     # default 100,000

A model predicts a whole pool, but the store snapshots the data of labeled rows only; an
all-tasks export of a Labeler reads the predicted rows' data from its DataFrame
(``LabelSession.task_data``). The baseline, measured in the same run, is the alternative: the
prediction runner also storing a snapshot of every row it predicts. Prints both costs and their
ratios (timings on a shared machine are noisy: compare the ratios).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from nblabel import Store, parse_config
from nblabel.export import export_store
from nblabel.session import LabelSession

CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="s" toName="text">'
    '<Choice value="a"/><Choice value="b"/></Choices></View>'
)


def main(n: int) -> None:
    spec = parse_config(CONFIG)
    df = pd.DataFrame({"text": [f"row {i}: some review text to label" for i in range(n)]})
    result = [
        {"from_name": "s", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}, "origin": "prediction"}
    ]
    preds = [(i, result, 0.5, "m1") for i in range(n)]
    with tempfile.TemporaryDirectory() as d:
        light, snap = Store(Path(d) / "light.db"), Store(Path(d) / "snap.db")
        session = LabelSession(df, spec, light, annotator="ana", mapping={"text": "text"})
        t = time.perf_counter()
        light.add_predictions(preds)
        t_pred = time.perf_counter() - t
        snap.add_predictions(preds)
        t = time.perf_counter()
        snap.write_imported(tasks=[(str(i), session.source.task(i)["data"], None) for i in range(n)])
        t_snap = time.perf_counter() - t
        t = time.perf_counter()
        a = export_store(light, spec, Path(d) / "light.json", "json", all_tasks=True, task_data=session.task_data)
        t_light = time.perf_counter() - t
        t = time.perf_counter()
        b = export_store(snap, spec, Path(d) / "snap.json", "json", all_tasks=True)
        t_snapx = time.perf_counter() - t
        size = (Path(d) / "snap.db").stat().st_size / (Path(d) / "light.db").stat().st_size
        assert a.tasks == b.tasks == n and a.missing_data == 0
        light.close()
        snap.close()
    print(f"{n:,} predicted rows (shared machine; one run)")
    print(
        f"  store predictions: {t_pred:.2f} s; snapshotting the rows too would add {t_snap:.2f} s "
        f"({t_snap / t_pred:.2f}x) and grow the file {size:.2f}x"
    )
    print(
        f"  all-tasks JSON export, data from the DataFrame: {t_light:.2f} s; from snapshots: {t_snapx:.2f} s "
        f"(ratio {t_light / t_snapx:.2f})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

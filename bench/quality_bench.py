"""Teams-and-quality benchmark: everyone's labels in a DataFrame, CSV export, agreement, and the
incremental pull, each next to a baseline measured in the same run.

    .venv/bin/python bench/quality_bench.py [--tasks 33334] [--agreement-tasks 10000]
                                            [--pull-tasks 10000] [--no-server]

* **to_dataframe / CSV over 100k annotations from 3 annotators** (``--tasks`` x 3): a real store
  file; ``lab.to_dataframe()`` (every annotator, resolved by vote) and ``export_store(..., "csv")``.
  Baseline: reading the same annotations out of the store (``store.annotations()``), which both
  must do anyway, and one annotator's ``to_dataframe(annotator=...)``. Goal < 1 s each.
* **agreement over 10k tasks x 3 annotators**: ``nblabel.agreement`` (Krippendorff, Fleiss,
  Cohen, percent) from a long DataFrame. Baseline: ``krippendorff.alpha`` alone on the ready
  matrix (the library's own floor). Goal < 1 s.
* **pull after 10 new annotations on a 10k-task project** (a real Label Studio 1.23.2 server,
  scripts/ls_server.py): an incremental ``pull`` vs a full pull of the same project into the same
  store (``incremental=False``), same run. Goal >= 10x faster.

Every timing is the best of ``--reps`` rounds; the machine may be shared with other work
(numbers are noisy, the ratios less so). Results: bench/results/quality.json and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
RESULTS = BENCH / "results" / "quality.json"

import nblabel  # noqa: E402
from nblabel import Labeler, Store  # noqa: E402
from nblabel.export import export_store  # noqa: E402

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
</View>"""
LABELS = ["positive", "negative", "neutral"]
ANNOTATORS = ["ana", "ben", "cy"]


def best(fn: Callable[[], Any], reps: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), [round(t, 4) for t in times]


def choice(label: str) -> list[dict]:
    return [{"id": "s", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def votes(n: int, seed: int = 0) -> np.ndarray:
    """n x 3 labels: annotators agree ~80% of the time with a hidden truth."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    noise = rng.integers(0, 3, (n, 3))
    keep = rng.random((n, 3)) < 0.8
    return np.where(keep, truth[:, None], noise)


def bench_frame(n: int, reps: int, tmp: Path) -> dict[str, Any]:
    df = pd.DataFrame({"text": [f"review {i}" for i in range(n)]})
    path = tmp / "team.db"
    labels = votes(n)
    with Store(path) as store:
        rows = [
            {
                "task_id": i,
                "annotator": who,
                "result": choice(LABELS[labels[i, j]]),
                "was_cancelled": False,
                "lead_time": 2.0,
                "created_at": None,
                "updated_at": None,
            }
            for j, who in enumerate(ANNOTATORS)
            for i in range(n)
        ]
        store.write_imported(tasks=[(str(i), {"text": df.text[i]}, None) for i in range(n)], annotations=rows)
    lab = Labeler(df, CONFIG, store=path, annotator="ana")
    store = lab.store
    out: dict[str, Any] = {"annotations": 3 * n, "tasks": n}
    out["store_read_s"], out["store_read_rounds"] = best(lambda: store.annotations(), reps)
    out["one_annotator_s"], out["one_annotator_rounds"] = best(lambda: lab.to_dataframe(annotator="ana"), reps)
    out["everyone_s"], out["everyone_rounds"] = best(lambda: lab.to_dataframe(), reps)
    spec = lab.config
    out["csv_s"], out["csv_rounds"] = best(lambda: export_store(store, spec, tmp / "out.csv", "csv"), reps)
    wide = lab.to_dataframe()
    assert int(wide["n_annotators"].sum()) == 3 * n
    return out


def bench_agreement(n: int, reps: int) -> dict[str, Any]:
    import krippendorff

    labels = votes(n, seed=1)
    long = pd.DataFrame(
        {
            "task_id": np.repeat(np.arange(n), 3),
            "annotator": ANNOTATORS * n,
            "value": [LABELS[v] for v in labels.reshape(-1)],
        }
    )
    out: dict[str, Any] = {"tasks": n, "annotators": 3}
    matrix = labels.T.astype(float)
    out["library_floor_s"], _ = best(
        lambda: krippendorff.alpha(
            reliability_data=matrix, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0]
        ),
        reps,
    )
    for metric in ("krippendorff", "fleiss", "cohen", "percent"):
        seconds, rounds = best(lambda m=metric: nblabel.agreement(long, metric=m), reps)
        out[f"{metric}_s"], out[f"{metric}_rounds"] = seconds, rounds
        out[f"{metric}_value"] = round(nblabel.agreement(long, metric=metric).value, 4)
    return out


def bench_pull(n: int, reps: int, tmp: Path) -> dict[str, Any]:
    import ls_server
    import requests

    from nblabel.frame import TaskSource
    from nblabel.labelstudio import LabelStudio
    from nblabel.sync import pull, push

    server = ls_server.start()
    out: dict[str, Any] = {"tasks": n}
    try:
        client = LabelStudio(server.url, server.token, timeout=600)
        project = client.create_project(f"quality bench {os.getpid()}", CONFIG)
        df = pd.DataFrame({"text": [f"review {i}" for i in range(n)]})
        spec = nblabel.parse_config(CONFIG)
        with Store(tmp / "pull.db") as store:
            push(store, TaskSource(df, {"text": "text"}), spec, project, progress=False)
            time.sleep(2.5)  # the incremental mark sits a second before a read's start
            full_times, inc_times = [], []
            raw = requests.Session()
            raw.headers["Authorization"] = f"Token {server.token}"
            ids = [t["id"] for t in project.iter_tasks(fields=None, page_size=1000)]
            for r in range(reps):
                t0 = time.perf_counter()
                full = pull(store, spec, project, progress=False, incremental=False)
                full_times.append(time.perf_counter() - t0)
                time.sleep(1.5)
                for i in range(10):
                    resp = raw.post(
                        f"{server.url}/api/tasks/{ids[r * 10 + i]}/annotations",
                        json={"result": choice("positive")},
                        timeout=60,
                    )
                    assert resp.status_code == 201, resp.text
                t0 = time.perf_counter()
                inc = pull(store, spec, project, progress=False)
                inc_times.append(time.perf_counter() - t0)
                assert inc.incremental and inc.annotations_new == 10, inc
                assert full.tasks_seen == n
                out.setdefault("incremental_tasks_seen", []).append(inc.tasks_seen)
            out["full_s"], out["full_rounds"] = min(full_times), [round(t, 3) for t in full_times]
            out["incremental_s"], out["incremental_rounds"] = min(inc_times), [round(t, 3) for t in inc_times]
            out["speedup"] = round(out["full_s"] / out["incremental_s"], 1)
        project.delete()
    finally:
        server.stop()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, default=33_334, help="tasks of the DataFrame benchmark (x 3 annotators)")
    ap.add_argument("--agreement-tasks", type=int, default=10_000)
    ap.add_argument("--pull-tasks", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-server", action="store_true", help="skip the pull benchmark")
    args = ap.parse_args()
    result: dict[str, Any] = {
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, shared with other work",
        "load": os.getloadavg()[0],
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        result["frame"] = bench_frame(args.tasks, args.reps, tmp)
        result["agreement"] = bench_agreement(args.agreement_tasks, args.reps)
        if not args.no_server:
            result["pull"] = bench_pull(args.pull_tasks, args.reps, tmp)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    f, a = result["frame"], result["agreement"]
    print("| measurement | time | same-run baseline |\n|---|---|---|")
    print(
        f"| to_dataframe(), everyone resolved, {f['annotations']:,} annotations | {f['everyone_s']:.3f} s | "
        f"store read {f['store_read_s']:.3f} s; one annotator's view {f['one_annotator_s']:.3f} s |"
    )
    print(
        f"| CSV export, {f['annotations']:,} annotations | {f['csv_s']:.3f} s | store read {f['store_read_s']:.3f} s |"
    )
    for m in ("krippendorff", "fleiss", "cohen", "percent"):
        print(
            f"| agreement {m}, {a['tasks']:,} tasks x 3 | {a[m + '_s']:.3f} s (value {a[m + '_value']}) | "
            f"krippendorff.alpha alone {a['library_floor_s']:.3f} s |"
        )
    if "pull" in result:
        p = result["pull"]
        print(
            f"| pull after 10 new annotations, {p['tasks']:,} tasks | {p['incremental_s']:.3f} s "
            f"(tasks read: {p['incremental_tasks_seen']}) | full pull {p['full_s']:.3f} s: {p['speedup']}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

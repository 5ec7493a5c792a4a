"""Models-in-the-loop benchmark: retrain and re-rank cost on 10k/100k text pools, and keypress →
next item latency while a retrain runs vs idle, in real chromium + JupyterLab, in the same run.

Run: `.venv/bin/python bench/models_bench.py` (`make bench-models`). Pools are built from the
bundled 500 review snippets (each pool text joins 2-3 snippets, so texts are distinct and realistic);
the model is TF-IDF (1-2 grams) + LogisticRegression fit on 500 labeled pool items.

1. retrain = fit on the labeled items, and predict_proba over the whole pool (what `lab.retrain()`
   costs before the new pre-labels are all in); best of 3.
2. re-rank = `nblabel.active.margin` over the pool's probabilities, and the labeler's whole
   re-rank (`LabelSession.reorder` with margin: open positions, strategy, permutation); best of 5.
3. latency: a Labeler over the 10k pool with the fitted model; `--presses` label keys idle, then
   the same number while `lab.retrain()` runs back to back in the kernel's worker thread (fit +
   re-predict of 10k rows, each retrain checked to overlap the series); key → next item's text in
   the DOM, timed in the page (bench/measure.js, shared with bench/latency.py).

Results: JSON in bench/results/models.json and a markdown table on stdout. Timings on a shared
machine are noisy: compare the ratios, which come from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "tests" / "browser"))

import harness as H  # noqa: E402
import latency as L  # noqa: E402  (press_series, stats, measure.js)

import nblabel  # noqa: E402
from nblabel import active  # noqa: E402

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive" hotkey="1"/><Choice value="negative" hotkey="2"/>
  </Choices>
</View>"""
RESULTS = BENCH / "results" / "models.json"


def make_pool(n: int, seed: int = 0) -> pd.DataFrame:
    base = nblabel.load_reviews()
    texts, gold = base["review"].to_numpy(), base["gold"].to_numpy()
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(texts), n)
    k = rng.integers(1, 3, n)
    rest = [" ".join(texts[rng.integers(0, len(texts), j)]) for j in k]
    return pd.DataFrame({"review": [f"{texts[f]} {r}" for f, r in zip(first, rest)], "gold": gold[first]})


def pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2), LogisticRegression(max_iter=1000))


def best(fn, repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def offline(n: int) -> dict[str, Any]:
    pool = make_pool(n)
    labeled = pool.sample(500, random_state=0)
    model = pipeline()
    fit_s = best(lambda: model.fit(labeled["review"], labeled["gold"]), 3)
    predict_s = best(lambda: model.predict_proba(pool["review"]), 3)
    probs = model.predict_proba(pool["review"])
    rank_s = best(lambda: active.margin(probs), 5)
    tmp = Path(tempfile.mkdtemp(prefix="nbl-mbench-"))
    try:
        lab = nblabel.Labeler(pool, CONFIG, store=tmp / "s.db", annotator="b")
        s = lab._session
        reorder_s = best(lambda: s.reorder(10, lambda rows: active.margin(probs[rows])), 5)
        lab.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "n": n,
        "fit_500_s": round(fit_s, 3),
        "predict_pool_s": round(predict_s, 3),
        "retrain_s": round(fit_s + predict_s, 3),
        "margin_rank_ms": round(rank_s * 1000, 2),
        "labeler_rerank_ms": round(reorder_s * 1000, 2),
    }


def notebook(path: Path, store: Path, n: int) -> None:
    import nbformat

    setup = f"""\
import sys, threading, time
sys.path.insert(0, {str(BENCH)!r})
import nblabel
from models_bench import CONFIG, make_pool, pipeline
pool = make_pool({n})
labeled = pool.sample(500, random_state=0)
model = nblabel.SklearnModel(pipeline(), column="review")
model.fit(labeled, labeled["gold"])
lab = nblabel.Labeler(pool, CONFIG, store={str(store)!r}, annotator="bench", predict=model)
lab
"""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


RETRAIN_LOOP = """\
import threading, time
_stop = threading.Event()
_log = []
def _fit(labeled_df):
    t = time.perf_counter()
    model.fit(labeled, labeled["gold"])  # the same 500 items: a full refit each time
    return None
def _loop():
    while not _stop.is_set():
        t0 = time.perf_counter()
        lab.retrain(_fit)
        time.sleep(0.05)
        lab.wait_predictions(300)
        _log.append((t0, time.perf_counter()))
threading.Thread(target=_loop, daemon=True).start()
"""


def browser_latency(n: int, presses: int, gap_ms: float, log) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="nbl-mbench-"))
    nbdir = tmp / "nb"
    nbdir.mkdir()
    notebook(nbdir / "models.ipynb", tmp / "m.db", n)
    rng = random.Random(7)
    keys = [rng.choice(L.KEYS) for _ in range(presses + 5)]
    keys2 = [rng.choice(L.KEYS) for _ in range(presses + 5)]
    server = H.start_jupyter(tmp / "jupyter", nbdir)
    out: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = H.launch_browser(p)
            ctx, page = H.new_page(browser, server.base, log=log)
            H.open_notebook(page, server, "models.ipynb")
            H.run_all(page)
            H.wait_labeler_ready(page, timeout=300_000)
            page.wait_for_function(H.JS_KERNEL_READY, timeout=300_000)
            H.kernel_json(page, "lab.wait_predictions(600)", timeout=700_000)
            page.evaluate((BENCH / "measure.js").read_text())
            out["idle"] = L.press_series(page, "idle", "nblabel", keys, gap_ms, 10_000, 5, wait_acks=True)
            H.run_cell(page, RETRAIN_LOOP)
            page.wait_for_function("() => true")
            H.kernel_json(page, "(time.sleep(1.0), lab._runner.busy or bool(lab._runner._jobs))[1]")
            t0 = H.kernel_json(page, "time.perf_counter()")
            out["retraining"] = L.press_series(page, "retraining", "nblabel", keys2, gap_ms, 10_000, 5, wait_acks=True)
            t1 = H.kernel_json(page, "time.perf_counter()")
            info = H.kernel_json(
                page,
                "(_stop.set(), {'retrains': [(a, b) for a, b in _log], "
                "'fits': model.fits, 'last_fit_s': lab.last_retrain_seconds})[1]",
            )
            spans = info["retrains"]
            out["retrains_overlapping_series"] = sum(1 for a, b in spans if a < t1 and b > t0)
            out["retrain_loop_s"] = [round(b - a, 2) for a, b in spans][-5:]
            out["kernel_fit_s"] = round(info["last_fit_s"], 3)
            ctx.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for k in ("idle", "retraining"):
        out[k].pop("_raw", None)
    return out


def markdown(r: dict[str, Any]) -> str:
    lines = [
        "| pool | fit (500 labels) | predict pool | retrain total | margin rank | labeler re-rank |",
        "|---|---|---|---|---|---|",
    ]
    for o in r["offline"]:
        lines.append(
            f"| {o['n']:,} | {o['fit_500_s']} s | {o['predict_pool_s']} s | {o['retrain_s']} s "
            f"| {o['margin_rank_ms']} ms | {o['labeler_rerank_ms']} ms |"
        )
    b = r.get("latency")
    if b:
        i, t = b["idle"]["key_to_text_ms"], b["retraining"]["key_to_text_ms"]
        lines += [
            "",
            "| keypress → next item | n | p50 | p95 | max |",
            "|---|---|---|---|---|",
            f"| idle | {i['n']} | {i['p50']} ms | {i['p95']} ms | {i['max']} ms |",
            f"| while retraining | {t['n']} | {t['p50']} ms | {t['p95']} ms | {t['max']} ms |",
            "",
            f"p95 while retraining / idle = {r['goals']['p95_ratio']['value']} "
            f"(goal ≤ 1.5); {b['retrains_overlapping_series']} retrains (fit + re-predict of the "
            f"pool) overlapped the series.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presses", type=int, default=100)
    ap.add_argument("--gap-ms", type=float, default=25)
    ap.add_argument("--latency-pool", type=int, default=10_000)
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    logs: list[str] = []
    r: dict[str, Any] = {
        "env": {
            "cpus": os.cpu_count(),
            "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "commit": L.git_describe(),
            "note": "shared 2-core machine: compare ratios",
        }
    }
    r["offline"] = [offline(n) for n in (10_000, 100_000)]
    print(json.dumps(r["offline"], indent=1), file=sys.stderr)
    if not args.skip_browser:
        r["latency"] = browser_latency(args.latency_pool, args.presses, args.gap_ms, logs.append)
        i, t = r["latency"]["idle"]["key_to_text_ms"], r["latency"]["retraining"]["key_to_text_ms"]
        ratio = round(t["p95"] / i["p95"], 2) if i["p95"] else None
        r["goals"] = {"p95_ratio": {"value": ratio, "ok": ratio is not None and ratio <= 1.5}}
    big = r["offline"][1]
    r.setdefault("goals", {})["rerank_100k_under_50ms"] = {
        "value": big["labeler_rerank_ms"],
        "ok": big["labeler_rerank_ms"] < 50,
    }
    r["env"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    r["console"] = logs[-20:]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=1))
    print(markdown(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

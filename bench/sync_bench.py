"""Label Studio sync benchmark: nblabel vs label-studio-sdk on the same server, in one run.

    .venv/bin/python bench/sync_bench.py [--tasks 10000] [--small 2000] [--update-docs] [--check]

One run, one Label Studio 1.23.2 server (scripts/ls_server.py: a fresh copy of the template data
dir on a free loopback port), a fresh project for every measurement (deleted afterwards):

* **push N tasks with predictions** (one prediction per task): ``nblabel.sync.push`` from a store
  holding the predictions and a DataFrame of the tasks, vs the SDK's
  ``projects.import_tasks(request=[...tasks with inline predictions...])`` in one call (its fastest
  way; the reference measured ~1.3 s per 10k tasks).
* **pull N tasks with annotations** (one annotation and one prediction per task, imported before
  the clock starts): ``nblabel.sync.pull`` into an empty store, vs the SDK's paginated listing
  ``tasks.list(project=P, fields="all", page_size=1000)`` iterated to the end (reference: 27 s
  per 10k), and for information the SDK's ``projects.exports.as_json``.
* **memory while streaming**: nblabel's pull again at ``--small`` tasks; each pull reports its
  peak RSS growth (Linux VmHWM reset before the operation, else ``ru_maxrss``) and, in a second
  run under ``tracemalloc``, the peak of Python allocations. Bounded = the 10k numbers are not
  ~5x the 2k ones.

Pushes run ``--push-reps`` rounds and the 10k pull and listing ``--pull-reps`` rounds, the order
of the two tools alternating; the best round of each is reported, with every round's time.
``--only push|pull`` measures one half. Every measurement runs in a fresh process (the SDK side with the server venv's python, which has
label-studio-sdk 2.1.2; nblabel never imports it): the clock covers the operation only, not
imports, client creation or reading the input. The API key reaches the workers through the
environment, never argv. A small untimed import first warms the server up.

Results: bench/results/sync.json and a markdown table on stdout; ``--update-docs`` rewrites the
block between the ``bench:sync`` markers in docs/benchmarks.md; ``--check`` exits 1 when a goal
is missed.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results" / "sync.json"
DOCS = REPO / "docs" / "benchmarks.md"
DOCS_BEGIN, DOCS_END = "<!-- bench:sync:begin -->", "<!-- bench:sync:end -->"
TOKEN_ENV = "NBL_BENCH_LS_KEY"

CONFIG = """<View>
  <Header value="How does this review feel?"/>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true">
    <Choice value="positive" hotkey="1"/>
    <Choice value="negative" hotkey="2"/>
  </Choices>
</View>"""
MODEL = "bench-rule-v1"


def choice(value: str) -> list[dict[str, Any]]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


# --------------------------------------------------------------------------- memory (stdlib only)


def _rss_kb() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def _reset_peak() -> bool:
    """Reset VmHWM (the peak RSS) to the current RSS (Linux >= 4.0). False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_kb() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Meter:
    """Wall time, peak RSS growth and (optionally) the tracemalloc peak of one operation."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace

    def __enter__(self) -> "Meter":
        if self.trace:
            import tracemalloc

            tracemalloc.start()
            tracemalloc.reset_peak()
        self.reset = _reset_peak()
        self.rss0 = _rss_kb()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.peak = _peak_kb()
        if self.trace:
            import tracemalloc

            self.traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seconds": round(self.seconds, 3),
            "rss_before_mb": round(self.rss0 / 1024, 1),
            "rss_peak_mb": round(self.peak / 1024, 1),
            "rss_growth_mb": round(max(0, self.peak - self.rss0) / 1024, 1),
            "peak_reset": self.reset,
        }
        if self.trace:
            out["tracemalloc_peak_mb"] = round(self.traced_peak / 2**20, 2)
        return out


# --------------------------------------------------------------------------- workers


def worker(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    token = os.environ[TOKEN_ENV]
    url, pid, trace = spec["url"], spec["project"], bool(spec.get("trace"))
    if kind.startswith("sdk-"):
        t0 = time.perf_counter()
        from label_studio_sdk import LabelStudio as SDK

        import_s = time.perf_counter() - t0
        client = SDK(base_url=url, api_key=token, timeout=1800)
        out: dict[str, Any] = {"sdk_import_seconds": round(import_s, 3)}
        if kind == "sdk-push":
            tasks = json.loads(Path(spec["tasks_file"]).read_text())
            with Meter(trace) as m:
                resp = client.projects.import_tasks(id=pid, request=tasks, return_task_ids=True)
            out.update(m.result(), tasks=len(resp.task_ids or []))
        elif kind == "sdk-list":
            tasks = annotations = 0
            with Meter(trace) as m:
                for task in client.tasks.list(project=pid, fields="all", page_size=spec.get("page_size", 1000)):
                    tasks += 1
                    annotations += len(task.annotations or [])
            out.update(m.result(), tasks=tasks, annotations=annotations)
        elif kind == "sdk-export":
            with Meter(trace) as m:
                data = client.projects.exports.as_json(pid, timeout=1800)
                tasks = len(data)
                annotations = sum(len(t.get("annotations") or []) for t in data)
                del data
            out.update(m.result(), tasks=tasks, annotations=annotations)
        else:
            raise SystemExit(f"unknown worker {kind}")
        return out

    import pandas as pd

    from nblabel import Store, parse_config, sync
    from nblabel.frame import TaskSource
    from nblabel.labelstudio import LabelStudio

    cfg = parse_config(CONFIG)
    client = LabelStudio(url, token, timeout=600)
    project = client.project(int(pid))
    store = Store(spec["store"], project="bench")
    if kind == "nblabel-push":
        rows = json.loads(Path(spec["rows_file"]).read_text())
        df = pd.DataFrame.from_records(rows).set_index("id")
        store.add_predictions((r["id"], choice(r["pred"]), r["score"], MODEL) for r in rows)
        source = TaskSource(df, cfg.bind(list(df.columns)))
        with Meter(trace) as m:
            report = sync.push(store, source, cfg, project, progress=False, batch_size=spec.get("batch_size"))
        out = m.result()
        out.update(report={k: getattr(report, k) for k in report.__dataclass_fields__})
        out["tasks"] = report.tasks_created + report.tasks_resumed
        return out
    if kind == "nblabel-pull":
        with Meter(trace) as m:
            report = sync.pull(store, cfg, project, progress=False, method=spec.get("method", "auto"))
        out = m.result()
        out.update(report={k: getattr(report, k) for k in report.__dataclass_fields__})
        out["tasks"] = report.tasks_seen
        out["annotations"] = report.annotations_new + report.annotations_updated
        out["stored_annotations"] = len(store.annotations())
        return out
    raise SystemExit(f"unknown worker {kind}")


# --------------------------------------------------------------------------- the run


def make_rows(n: int) -> list[dict[str, Any]]:
    """n review tasks (the bundled 500, repeated with a suffix so every text is distinct) and a
    rule-based prediction for each."""
    from nblabel import load_reviews

    df = load_reviews()
    texts, gold, score = df.review.tolist(), df.gold.tolist(), df.score.tolist()
    rows = []
    for i in range(n):
        j = i % len(texts)
        rows.append(
            {
                "id": f"r{i:06d}",
                "review": f"{texts[j]} (#{i})",
                "pred": gold[j],
                "score": round(min(1.0, abs(score[j]) / 4), 3),
                "gold": gold[(j * 7) % len(gold)],
            }
        )
    return rows


def run_worker(python: str, kind: str, spec: dict[str, Any], token: str) -> dict[str, Any]:
    env = dict(os.environ)
    env[TOKEN_ENV] = token
    for k in ("LABEL_STUDIO_API_KEY", "LABEL_STUDIO_URL"):
        env.pop(k, None)
    if python != sys.executable:
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(
        [python, __file__, "_worker", kind, json.dumps(spec)], env=env, capture_output=True, text=True, timeout=3600
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {kind} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        sys.path.insert(0, str(REPO / "scripts"))
        import ls_server

        self.ls = ls_server
        self.tmp = Path(tempfile.mkdtemp(prefix="nbl-sync-bench-"))
        self.results: dict[str, Any] = {}

    def client(self) -> Any:
        from nblabel.labelstudio import LabelStudio

        return LabelStudio(self.server.url, self.server.token, timeout=600)

    def new_project(self, label: str) -> Any:
        return self.client().create_project(f"bench {label} {int(time.time() * 1000) % 10**8}", CONFIG)

    def pull_project(self, label: str, rows: list[dict[str, Any]]) -> Any:
        """A project holding len(rows) tasks, each with one annotation and one prediction."""
        project = self.new_project(label)
        tasks = [
            {
                "data": {"review": r["review"]},
                "annotations": [{"result": choice(r["gold"]), "lead_time": 2.5, "ground_truth": False}],
                "predictions": [{"result": choice(r["pred"]), "score": r["score"], "model_version": MODEL}],
            }
            for r in rows
        ]
        project.import_tasks(tasks, batch_size=5000)
        return project

    def counts(self, project: Any) -> dict[str, int]:
        body = self.client()._json("GET", "/api/tasks", params={"project": project.id, "page_size": 1})
        return {
            "tasks": int(body.get("total", 0)),
            "annotations": int(body.get("total_annotations", 0)),
            "predictions": int(body.get("total_predictions", 0)),
        }

    def measure(self, name: str, python: str, kind: str, project: Any, **spec: Any) -> dict[str, Any]:
        spec.update(url=self.server.url, project=project.id)
        t0 = time.monotonic()
        res = run_worker(python, kind, spec, self.server.token)
        if kind.endswith("push"):
            res["server_after"] = self.counts(project)
        res["wall_with_process_seconds"] = round(time.monotonic() - t0, 2)
        self.results[name] = res
        mem = f", RSS +{res['rss_growth_mb']} MB" + (
            f", traced peak {res['tracemalloc_peak_mb']} MB" if "tracemalloc_peak_mb" in res else ""
        )
        print(f"  {name}: {res['seconds']:.2f} s{mem}", file=sys.stderr, flush=True)
        return res

    def keep_best(self, runs: dict[str, list[dict[str, Any]]]) -> None:
        """Report each measurement's best round, with every round's time."""
        for name, rs in runs.items():
            best = dict(min(rs, key=lambda x: x["seconds"]))
            best["rounds_seconds"] = [x["seconds"] for x in rs]
            self.results[name] = best

    def run_push(self, n: int, me: str, sdk_python: str) -> None:
        a = self.args
        print(
            f"push {n} tasks with predictions ({a.push_reps} rounds, the order alternating):",
            file=sys.stderr,
            flush=True,
        )
        runs: dict[str, list[dict[str, Any]]] = {}
        for rep in range(a.push_reps):
            order = ["nblabel", "sdk"] if rep % 2 == 0 else ["sdk", "nblabel"]
            if not a.no_one_batch:
                order.append("nblabel-one-batch")
            for who in order:
                p = self.new_project(f"push {who}")
                if who.startswith("nblabel"):
                    name, extra = (
                        ("push_nblabel", {}) if who == "nblabel" else ("push_nblabel_one_batch", {"batch_size": n})
                    )
                    res = self.measure(
                        name,
                        me,
                        "nblabel-push",
                        p,
                        rows_file=str(self.tmp / "rows.json"),
                        store=str(self.tmp / f"push-{who}-{rep}.db"),
                        **extra,
                    )
                else:
                    name = "push_sdk"
                    res = self.measure(name, sdk_python, "sdk-push", p, tasks_file=str(self.tmp / "sdk_tasks.json"))
                runs.setdefault(name, []).append(res)
                p.delete()
        self.keep_best(runs)

    def run_pull(self, rows: list[dict[str, Any]], n: int, small: int, me: str, sdk_python: str) -> None:
        a = self.args
        print(
            f"pull {n} tasks with annotations ({a.pull_reps} rounds of nblabel and the SDK listing, the "
            "order alternating):",
            file=sys.stderr,
            flush=True,
        )
        plan: list[tuple[str, str, str, int, bool]] = []
        for rep in range(a.pull_reps):
            pair = [("pull_nblabel", me, "nblabel-pull", n, False), ("list_sdk", sdk_python, "sdk-list", n, False)]
            plan += pair if rep % 2 == 0 else pair[::-1]
        if not a.no_sdk_export:
            plan.append(("export_sdk", sdk_python, "sdk-export", n, False))
        plan.append(("pull_nblabel_small", me, "nblabel-pull", small, False))
        if not a.no_tracemalloc:
            plan += [
                ("pull_nblabel_traced", me, "nblabel-pull", n, True),
                ("pull_nblabel_small_traced", me, "nblabel-pull", small, True),
            ]
        runs: dict[str, list[dict[str, Any]]] = {}
        for i, (name, python, kind, size, trace) in enumerate(plan):
            p = self.pull_project(name, rows[:size])
            spec: dict[str, Any] = {"trace": trace}
            if kind == "nblabel-pull":
                spec.update(store=str(self.tmp / f"pull-{i}.db"), method=a.method)
            res = self.measure(name, python, kind, p, **spec)
            res["size"] = size
            runs.setdefault(name, []).append(res)
            p.delete()
        self.keep_best(runs)

    def run(self) -> dict[str, Any]:
        a = self.args
        n, small = a.tasks, a.small
        sdk_python = str(self.ls.VENV / "bin" / "python")
        me = sys.executable
        rows = make_rows(n)
        (self.tmp / "rows.json").write_text(json.dumps(rows))
        sdk_tasks = [
            {
                "data": {"review": r["review"]},
                "predictions": [{"result": choice(r["pred"]), "score": r["score"], "model_version": MODEL}],
            }
            for r in rows
        ]
        (self.tmp / "sdk_tasks.json").write_text(json.dumps(sdk_tasks))

        print(f"starting Label Studio {self.ls.LS_VERSION} ...", file=sys.stderr, flush=True)
        self.server = self.ls.start()
        try:
            warm = self.pull_project("warm-up", rows[:1000])  # untimed: warms the server's caches
            warm.delete()

            if a.only in (None, "push"):
                self.run_push(n, me, sdk_python)
            if a.only in (None, "pull"):
                self.run_pull(rows, n, small, me, sdk_python)
        finally:
            self.server.stop()
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)
        return self.results


# --------------------------------------------------------------------------- report


def goals(r: dict[str, Any], n: int, small: int) -> list[dict[str, Any]]:
    out = []
    if "push_nblabel" in r and "push_sdk" in r:
        ratio = r["push_nblabel"]["seconds"] / r["push_sdk"]["seconds"]
        out.append(
            {
                "goal": "push no slower than the SDK (default batch size)",
                "value": f"{ratio:.2f}x the SDK's time",
                "met": ratio <= 1.0,
            }
        )
    if "push_nblabel_one_batch" in r and "push_sdk" in r:
        ratio = r["push_nblabel_one_batch"]["seconds"] / r["push_sdk"]["seconds"]
        out.append(
            {
                "goal": f"for comparison, not a goal: push with batch_size={n} no slower than the SDK",
                "value": f"{ratio:.2f}x the SDK's time",
                "met": ratio <= 1.0,
                "info": True,
            }
        )
    if "pull_nblabel" in r and "list_sdk" in r:
        speedup = r["list_sdk"]["seconds"] / r["pull_nblabel"]["seconds"]
        out.append(
            {
                "goal": "pull >= 3x faster than the SDK's paginated listing",
                "value": f"{speedup:.1f}x",
                "met": speedup >= 3.0,
            }
        )
    if "pull_nblabel_traced" in r and "pull_nblabel_small_traced" in r:
        big, lit = (
            r["pull_nblabel_traced"]["tracemalloc_peak_mb"],
            r["pull_nblabel_small_traced"]["tracemalloc_peak_mb"],
        )
        growth = big / lit if lit else float("inf")
        out.append(
            {
                "goal": f"pull memory bounded: traced peak at {n} within 2x of {small} ({n // small}x the tasks)",
                "value": f"{big} MB vs {lit} MB ({growth:.2f}x)",
                "met": growth <= 2.0,
            }
        )
    if "pull_nblabel" in r and "pull_nblabel_small" in r:
        big, lit = r["pull_nblabel"]["rss_growth_mb"], r["pull_nblabel_small"]["rss_growth_mb"]
        out.append(
            {
                "goal": f"pull RSS growth at {n} within 2x of {small} (+16 MB slack)",
                "value": f"+{big} MB vs +{lit} MB",
                "met": big <= 2 * lit + 16,
            }
        )
    return out


def markdown(data: dict[str, Any]) -> str:
    r, meta = data["results"], data["meta"]
    n, small = meta["tasks"], meta["small"]
    lines = [
        f"Run {meta['when']} · commit {meta['commit']} · Label Studio {meta['ls_version']} · label-studio-sdk "
        f"{meta.get('sdk_version', '?')} · Python {meta['python']} · {meta['cpus']} CPUs (load {meta['load']}) · "
        f"pull method `{meta['method']}`",
        "",
        "| operation | tool | tasks | seconds | tasks/s | peak RSS growth | traced peak |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [
        ("push_nblabel", f"push {n} tasks + predictions", "nblabel `sync.push`"),
        ("push_nblabel_one_batch", f"push {n} tasks + predictions", f"nblabel `sync.push(batch_size={n})`"),
        ("push_sdk", f"push {n} tasks + predictions", "SDK `projects.import_tasks` (one call)"),
        ("pull_nblabel", f"pull {n} tasks + annotations", "nblabel `sync.pull`"),
        ("list_sdk", f"pull {n} tasks + annotations", "SDK `tasks.list(fields='all')`, pages of 1000"),
        ("export_sdk", f"pull {n} tasks + annotations", "SDK `exports.as_json` (for comparison)"),
        ("pull_nblabel_small", f"pull {small} tasks + annotations", "nblabel `sync.pull`"),
        ("pull_nblabel_traced", f"pull {n}, under tracemalloc", "nblabel `sync.pull`"),
        ("pull_nblabel_small_traced", f"pull {small}, under tracemalloc", "nblabel `sync.pull`"),
    ]
    for key, what, tool in rows:
        if key not in r:
            continue
        x = r[key]
        tasks = x.get("tasks", "")
        rate = f"{tasks / x['seconds']:.0f}" if tasks and x["seconds"] else ""
        traced = f"{x['tracemalloc_peak_mb']} MB" if "tracemalloc_peak_mb" in x else ""
        secs = f"{x['seconds']:.2f}"
        if len(x.get("rounds_seconds", [])) > 1:
            secs += " (rounds: " + " / ".join(f"{t:.2f}" for t in x["rounds_seconds"]) + ")"
        lines.append(f"| {what} | {tool} | {tasks} | {secs} | {rate} | +{x['rss_growth_mb']} MB | {traced} |")
    lines += ["", "| goal | value | met |", "|---|---|---|"]
    for g in data["goals"]:
        lines.append(f"| {g['goal']} | {g['value']} | {'yes' if g['met'] else '**no**'} |")
    if "push_nblabel" in r and "report" in r["push_nblabel"]:
        rep = r["push_nblabel"]["report"]
        lines += [
            "",
            "nblabel push report: "
            + ", ".join(f"{k} {v}" for k, v in rep.items() if k != "seconds")
            + f"; server afterwards: {r['push_nblabel'].get('server_after')}",
        ]
    if "push_sdk" in r:
        lines.append(
            f"SDK push, server afterwards: {r['push_sdk'].get('server_after')}; "
            f"`import label_studio_sdk`: {r['push_sdk'].get('sdk_import_seconds')} s (not timed above)"
        )
    return "\n".join(lines)


def update_docs(md: str) -> None:
    text = DOCS.read_text()
    if DOCS_BEGIN not in text or DOCS_END not in text:
        raise SystemExit(f"{DOCS} has no {DOCS_BEGIN} ... {DOCS_END} block")
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    DOCS.write_text(f"{head}{DOCS_BEGIN}\n{md}\n{DOCS_END}{tail}")


def _commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        return sha + ("+uncommitted" if dirty else "")
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        res = worker(argv[1], json.loads(argv[2]))
        print("RESULT " + json.dumps(res), flush=True)
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--small", type=int, default=2_000, help="size of the second pull (memory vs N)")
    p.add_argument(
        "--method", default="auto", choices=["auto", "snapshot", "export", "pages"], help="nblabel pull method"
    )
    p.add_argument("--no-tracemalloc", action="store_true", help="skip the two pulls under tracemalloc")
    p.add_argument("--no-sdk-export", action="store_true", help="skip the SDK export measurement")
    p.add_argument("--push-reps", type=int, default=3, help="rounds of push measurements (best round reported)")
    p.add_argument(
        "--pull-reps",
        type=int,
        default=2,
        help="rounds of the 10k pull, nblabel and the SDK listing (best round reported)",
    )
    p.add_argument("--only", choices=["push", "pull"], help="measure only the push or only the pull")
    p.add_argument(
        "--no-one-batch",
        action="store_true",
        help="skip the extra nblabel push with batch_size=N (all tasks in one import request)",
    )
    p.add_argument("--update-docs", action="store_true", help=f"rewrite the results block in {DOCS.name}")
    p.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = p.parse_args(argv)
    bench = Bench(args)
    results = bench.run()
    sdk_version = subprocess.run(
        [
            str(bench.ls.VENV / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('label-studio-sdk'))",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    data = {
        "meta": {
            "when": _dt.datetime.now().isoformat(timespec="seconds"),
            "commit": _commit(),
            "ls_version": bench.ls.LS_VERSION,
            "sdk_version": sdk_version,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "tasks": args.tasks,
            "small": args.small,
            "method": args.method,
        },
        "results": results,
    }
    data["goals"] = goals(results, args.tasks, args.small)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2))
    md = markdown(data)
    print(md)
    if args.update_docs:
        update_docs(md)
    return 1 if args.check and not all(g["met"] for g in data["goals"] if not g.get("info")) else 0


if __name__ == "__main__":
    sys.exit(main())

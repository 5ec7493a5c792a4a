"""Span benchmark (issue 10) in real chromium + real JupyterLab, everything in one run.

1. **First paint of a long text with spans**: a 200,000-character text (CJK, emoji, combining
   marks, CRLF) with 500 existing spans, shown by nblabel (Labels on Text), against the floor:
   a minimal anywidget that only sets the same text (bench_widgets.MinimalText). Timed in the
   page from the cell's start to the frame after the text (and, for nblabel, every span) is in
   the DOM, and that frame rendered (a task posted from its rAF callback runs after the frame's
   style, layout and paint); rounds alternate floor / nblabel, each on a page cleared of earlier
   outputs. Goal: nblabel ≤ 2× the floor.
2. **Span action**: with those 500 spans present, a word is selected (a DOM selection, not
   timed) and the label key pressed; timed in the page from the keydown's timeStamp to the new
   `[data-region-id]` element in the DOM (MutationObserver), 100 actions, two frames and 30 ms
   apart; also split into input delay (timeStamp → dispatch) and handler (dispatch → DOM). The
   same-run floor: the text-only widget wrapping the same selections with `surroundContents`.
   Goal: p95 < 16 ms.
3. **Next item with a NER config**: `j` on a Labeler with Labels on Text over the bundled
   reviews vs the floor widget of bench/latency.py (a local string swap). Goal: ≤ 1.5× floor.

The machine may be shared: compare the ratios, measured in the same run, not the absolute times.
Results: bench/results/spans.json and a markdown table on stdout (`--update-docs` rewrites the
span block of docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(BENCH))

import harness as H  # noqa: E402
import latency as L  # noqa: E402  (press_series, stats, the floor widget)

RESULTS = BENCH / "results" / "spans.json"
DOCS = REPO / "docs" / "benchmarks.md"
DOCS_BEGIN, DOCS_END = "<!-- bench:spans:begin -->", "<!-- bench:spans:end -->"

NER = """<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#e53935"/>
    <Label value="LOC" background="#1e88e5"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""

# In-page: time a new element matching `sel` with a text of >= minLen chars and >= minRegions
# region ids, from now to its arrival and the next frame; and time label-key span actions.
JS_TOOLS = r"""(() => {
  if (window.__nblSpans) return;
  const S = {};
  S.watch = (sel, minLen, minRegions) => {
    const before = new Set(document.querySelectorAll(sel));
    const w = {shown: null, frame: null};
    const check = () => {
      for (const e of document.querySelectorAll(sel)) {
        if (before.has(e)) continue;
        if (e.textContent.length < minLen) continue;
        if (minRegions && new Set([...e.querySelectorAll('[data-region-id]')].map(x => x.dataset.regionId)).size < minRegions) continue;
        w.shown = performance.now();
        e.setAttribute('data-bench-new', '1');
        mo.disconnect();
        // after the next frame's style, layout and paint: a task posted from its rAF callback
        requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => { w.frame = performance.now(); };
          ch.port2.postMessage(0);
        });
        return;
      }
    };
    const mo = new MutationObserver(check);
    mo.observe(document.body, {subtree: true, childList: true, characterData: true});
    S.w = w;
  };
  // select a random word of the text in `box` (a real DOM selection over its text nodes)
  S.selectWord = (box, seed) => {
    const text = box.textContent;
    let at = (seed * 7919) % (text.length - 40);
    const m = /[\p{L}\p{N}]+/u.exec(text.slice(at, at + 40));
    const s = at + (m ? m.index : 0);
    const e = s + (m ? m[0].length : 1);
    const point = (off) => {
      const wk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      let sum = 0;
      for (let t = wk.nextNode(); t; t = wk.nextNode()) {
        if (off <= sum + t.data.length) return [t, off - sum];
        sum += t.data.length;
      }
    };
    const r = document.createRange();
    r.setStart(...point(s)); r.setEnd(...point(e));
    const sel = document.getSelection();
    sel.removeAllRanges(); sel.addRange(r);
  };
  // The floor of a span action: the minimal text widget wraps the selection in a span on "1".
  S.floorSpans = (rootSel, boxSel) => {
    const root = document.querySelector(rootSel);
    const box = root.querySelector(boxSel);
    let n = 0;
    root.addEventListener('keydown', (e) => {
      if (e.key !== '1') return;
      e.preventDefault(); e.stopPropagation();
      const sel = document.getSelection();
      if (!sel.rangeCount) return;
      const span = document.createElement('span');
      span.dataset.regionId = 'floor' + (n++);
      span.style.background = '#e5393555';
      sel.getRangeAt(0).surroundContents(span);
      sel.removeAllRanges();
    });
    return box;
  };
  S.armSpans = (rootSel, boxSel) => {
    const root = document.querySelector(rootSel);
    const box = root.querySelector(boxSel || '[data-nbl-object]');
    const st = {keys: [], disp: [], shows: [], ids: new Set([...box.querySelectorAll('[data-region-id]')].map(e => e.dataset.regionId))};
    st.onKey = (e) => { if (e.key === '1' && root.contains(e.target)) { st.keys.push(e.timeStamp); st.disp.push(performance.now()); } };
    window.addEventListener('keydown', st.onKey, true);
    st.mo = new MutationObserver((records) => {
      const now = performance.now();
      for (const rec of records) for (const n of rec.addedNodes) {
        const els = n.nodeType === 1 ? [n, ...n.querySelectorAll('[data-region-id]')] : [];
        for (const e of els) {
          const id = e.dataset && e.dataset.regionId;
          if (id && !st.ids.has(id)) { st.ids.add(id); st.shows.push(now); return; }
        }
      }
    });
    st.mo.observe(box, {subtree: true, childList: true});
    S.st = st;
    S.box = box;
  };
  S.disarmSpans = () => {
    const st = S.st;
    window.removeEventListener('keydown', st.onKey, true);
    st.mo.disconnect();
    return {keys: st.keys, disp: st.disp, shows: st.shows};
  };
  window.__nblSpans = S;
})()"""


def make_notebook(path: Path) -> None:
    import nbformat

    setup = f"""\
import sys, time
sys.path.insert(0, {str(BENCH)!r})
import pandas as pd, nblabel
from bench_widgets import MinimalSwap, MinimalText, big_text, spans_for
NER = {NER!r}
text = big_text(200_000)
spans = spans_for(text, 500)
big_df = pd.DataFrame({{"text": [text]}})  # one row, labeled: the Labeler opens on it
texts = nblabel.load_reviews()["review"].tolist()
ner_df = pd.DataFrame({{"text": texts}})
"""
    cells = [
        nbformat.v4.new_markdown_cell("# nblabel span bench (generated by bench/spans_bench.py)"),
        nbformat.v4.new_code_cell(setup),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def clear_outputs(page: Any) -> None:
    """Every measurement starts on a page without earlier long texts (their layout would count)."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => !document.querySelector('.nbl-root, .nblb-big-root')")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def first_paint(page: Any, source: str, sel: str, min_regions: int) -> float:
    """Cell start → the frame after a new `sel` shows the whole text (and its spans), ms."""
    clear_outputs(page)
    page.evaluate("([s, n, r]) => window.__nblSpans.watch(s, n, r)", [sel, 199_000, min_regions])
    key = H.start_cell(page, source)
    page.wait_for_function("() => window.__nblSpans.w.frame !== null", timeout=300_000)
    page.wait_for_function("(k) => (window.__nblRuns || {})[k] !== 'running'", arg=key, timeout=300_000)
    out = page.evaluate(H.JS_CELL_OUTPUT, key)
    if out["error"]:
        raise RuntimeError(H.strip_ansi(out["error"]))
    t0 = page.evaluate("(k) => window.__nblRunTimes[k].start", key)
    return page.evaluate("() => window.__nblSpans.w.frame") - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="first-paint rounds per widget (alternating)")
    ap.add_argument("--actions", type=int, default=100, help="span actions timed")
    ap.add_argument("--presses", type=int, default=100, help="next-item presses timed per widget")
    ap.add_argument("--update-docs", action="store_true", help="rewrite the span block of docs/benchmarks.md")
    args = ap.parse_args(argv)
    problem = H.chromium_problem()
    if problem:
        print(f"bench: {problem}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="nbl-spans-"))
    nbdir = tmp / "nb"
    nbdir.mkdir()
    make_notebook(nbdir / "spans.ipynb")
    res: dict[str, Any] = {
        "env": {
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "commit": L.git_describe(),
            "shared_machine": True,
        }
    }
    server = H.start_jupyter(tmp / "jupyter", nbdir)
    try:
        with sync_playwright() as p:
            browser = H.launch_browser(p)
            res["env"]["chromium"] = browser.version
            ctx, page = H.new_page(browser, server.base, log=lambda line: None)
            H.open_notebook(page, server, "spans.ipynb")
            H.run_all(page)
            page.wait_for_function(H.JS_KERNEL_READY, timeout=120_000)
            page.evaluate(JS_TOOLS)
            page.evaluate((BENCH / "measure.js").read_text())
            # the 500 spans are in the store before the timed Labelers open
            H.run_cell(
                page,
                f"seed = nblabel.Labeler(big_df, NER, store={str(tmp / 'big.db')!r})\n"
                "seed.store.save(0, {'text': text}, spans, annotator=seed.annotator)\nNone",
            )

            # 1. first paint
            floor, ours = [], []
            for i in range(args.rounds):
                floor.append(first_paint(page, f"m{i} = MinimalText(text=text)\nm{i}", ".nblb-bigtext", 0))
                ours.append(
                    first_paint(
                        page,
                        f"b{i} = nblabel.Labeler(big_df, NER, store={str(tmp / 'big.db')!r})\nb{i}",
                        ".nbl-root [data-nbl-object]",
                        500,
                    )
                )
            fp = {
                "floor_ms": [round(x, 1) for x in floor],
                "nblabel_ms": [round(x, 1) for x in ours],
                "floor_median_ms": round(statistics.median(floor), 1),
                "nblabel_median_ms": round(statistics.median(ours), 1),
            }
            fp["ratio"] = round(fp["nblabel_median_ms"] / fp["floor_median_ms"], 2)
            res["first_paint"] = fp
            print(json.dumps(fp), file=sys.stderr)

            # 2. span actions on a big Labeler (500 spans present) and a floor widget, the only two on the page
            clear_outputs(page)
            H.run_cell(page, "mf = MinimalText(text=text)\nmf")
            H.run_cell(page, f"bb = nblabel.Labeler(big_df, NER, store={str(tmp / 'big.db')!r})\nbb")
            page.wait_for_function("""() => { const b = document.querySelector('.nbl-root [data-nbl-object]');
                                             return !!b && b.querySelectorAll('[data-region-id]').length >= 500; }""")
            page.evaluate(
                "() => document.querySelector('.nbl-root [data-nbl-object]').setAttribute('data-bench-new', '1')"
            )
            page.evaluate("""() => { const box = [...document.querySelectorAll('[data-bench-new]')].pop();
                                     box.closest('.nbl-root').id = 'nbl-big';
                                     const roots = [...document.querySelectorAll('.nblb-big-root')];
                                     roots[roots.length - 1].id = 'nblb-big'; }""")
            page.evaluate("() => window.__nblSpans.floorSpans('#nblb-big', '.nblb-bigtext')")
            regions0 = page.evaluate(
                "() => document.querySelectorAll('#nbl-big [data-nbl-object] [data-region-id]').length"
            )
            res["span_action"] = {"spans_present_at_start": regions0}
            for name, root_sel, box_sel, after in (
                ("floor", "#nblb-big", ".nblb-bigtext", None),
                ("nblabel", "#nbl-big", "[data-nbl-object]", "Escape"),
            ):
                page.evaluate("([r, b]) => window.__nblSpans.armSpans(r, b)", [root_sel, box_sel])
                H.focus_root(page, root_sel)
                for i in range(args.actions + 5):
                    page.evaluate("(i) => window.__nblSpans.selectWord(window.__nblSpans.box, i + 1)", i)
                    page.keyboard.press("1")
                    page.wait_for_function("(n) => window.__nblSpans.st.shows.length >= n", arg=i + 1, timeout=10_000)
                    if after:
                        page.keyboard.press(after)  # unselect the new span
                    # a user does not act within the same frame: let the frame (layout, paint) pass
                    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                    page.wait_for_timeout(30)
                data = page.evaluate("() => window.__nblSpans.disarmSpans()")
                ks, ds, ss = data["keys"][5:], data["disp"][5:], data["shows"][5:]
                res["span_action"][name] = {
                    "key_to_dom_ms": L.stats([s_ - k for k, s_ in zip(ks, ss)]),
                    "handler_ms": L.stats([s_ - d for d, s_ in zip(ds, ss)]),
                    "input_delay_ms": L.stats([d - k for k, d in zip(ks, ds)]),
                }
            sa = res["span_action"]
            sa["ratio_p50"] = round(sa["nblabel"]["key_to_dom_ms"]["p50"] / sa["floor"]["key_to_dom_ms"]["p50"], 2)
            sa["ratio_p95"] = round(sa["nblabel"]["key_to_dom_ms"]["p95"] / sa["floor"]["key_to_dom_ms"]["p95"], 2)
            print(json.dumps(sa), file=sys.stderr)
            H.wait_all_acked(page, "#nbl-big", timeout=120_000)

            # 3. next item with a NER config vs the floor (a local string swap)
            H.run_cell(page, f"ner = nblabel.Labeler(ner_df, NER, store={str(tmp / 'ner.db')!r})\nner")
            H.run_cell(page, "mini = MinimalSwap(texts=texts)\nmini")
            page.wait_for_selector(".nblb-min-root")
            page.evaluate("""() => { const roots = [...document.querySelectorAll('.nbl-root')];
                                     roots[roots.length - 1].id = 'nbl-ner'; }""")
            L.WIDGETS["ner"] = ("#nbl-ner", "[data-nbl-object]")
            L.KEYS = ["1", "2", "j"]
            rng = random.Random(5)
            mini_keys = [rng.choice(["1", "2"]) for _ in range(args.presses + 10)]
            lat_floor = L.press_series(page, "minimal", "minimal", mini_keys, 30, 5_000, warmup=10)
            lat_ner = L.press_series(page, "ner", "ner", ["j"] * (args.presses + 10), 30, 5_000, warmup=10)
            nx = {"floor": lat_floor["key_to_text_ms"], "nblabel_ner": lat_ner["key_to_text_ms"]}
            nx["ratio_p50"] = round(nx["nblabel_ner"]["p50"] / nx["floor"]["p50"], 2)
            nx["ratio_p95"] = round(nx["nblabel_ner"]["p95"] / nx["floor"]["p95"], 2)
            res["next_item"] = nx
            ctx.close()
            browser.close()
    finally:
        server.stop()
    res["env"]["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2) + "\n")
    table = report(res)
    print(table)
    if args.update_docs:
        text = DOCS.read_text()
        block = f"{DOCS_BEGIN}\n{table}\n{DOCS_END}"
        if DOCS_BEGIN in text:
            a, b = text.index(DOCS_BEGIN), text.index(DOCS_END) + len(DOCS_END)
            text = text[:a] + block + text[b:]
        else:
            text = text.rstrip() + "\n\n## Spans (issue 10, bench/spans_bench.py)\n\n" + block + "\n"
        DOCS.write_text(text)
    return 0


def report(r: dict[str, Any]) -> str:
    fp, sa, nx = r["first_paint"], r["span_action"], r["next_item"]
    rows = [
        "| measure | nblabel | same-run floor | ratio | goal |",
        "|---|---|---|---|---|",
        f"| first paint, 200,000 chars + 500 spans (median of {len(fp['floor_ms'])}) | {fp['nblabel_median_ms']} ms | "
        f"{fp['floor_median_ms']} ms (text only) | {fp['ratio']}× | ≤ 2× |",
        f"| span action (label key → span in DOM), {sa['nblabel']['key_to_dom_ms']['n']} actions, {sa['spans_present_at_start']} span elements present | "
        f"p50 {sa['nblabel']['key_to_dom_ms']['p50']} ms, p95 {sa['nblabel']['key_to_dom_ms']['p95']} ms "
        f"(handler alone p50 {sa['nblabel']['handler_ms']['p50']}, p95 {sa['nblabel']['handler_ms']['p95']} ms) | "
        f"p50 {sa['floor']['key_to_dom_ms']['p50']} ms, p95 {sa['floor']['key_to_dom_ms']['p95']} ms "
        f"(`surroundContents` in the text-only widget) | {sa['ratio_p50']}× / {sa['ratio_p95']}× | p95 < 16 ms |",
        f"| next item, NER config (key → next text in DOM) | p50 {nx['nblabel_ner']['p50']} ms, p95 {nx['nblabel_ner']['p95']} ms | "
        f"p50 {nx['floor']['p50']} ms, p95 {nx['floor']['p95']} ms | {nx['ratio_p50']}× / {nx['ratio_p95']}× | ≤ 1.5× |",
    ]
    env = r["env"]
    rows.append("")
    rows.append(
        f"Run {env['date']} on {env['cpus']} CPUs, **shared machine** (load {env['loadavg_start']} → "
        f"{env.get('loadavg_end', '?')}), chromium {env.get('chromium', '?')}, commit {env['commit']}. "
        "Compare ratios (same run), not absolute times."
    )
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())

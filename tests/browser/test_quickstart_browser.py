"""End to end: notebooks/01-quickstart.ipynb (a copy) in real JupyterLab + chromium.

Keys are real key events from Playwright on the focused `.nbl-root`; everything the tests check
about the kernel side is read from the kernel (a cell run through JupyterLab's commands) or from
the SQLite store file itself. The DOM contract (data-pos, data-seq, data-ack, ...) is in
docs/architecture.md.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3

import pytest

import harness as H

pytestmark = [pytest.mark.browser, pytest.mark.frontends]

KEY_VALUE = {"1": "positive", "2": "negative"}  # the quickstart config's hotkeys
SCREENSHOT = H.REPO / "docs" / "img" / "labeler.png"

# setup code for the cells that read labels back from the kernel
READ_LABELS = """\
import pandas as pd
def _nbl_labels(n):
    col = lab.to_dataframe()["sentiment"]
    def plain(v):  # missing labels (None / NaN / pd.NA) → None; a single choice is a plain string
        return None if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else v
    return {"notna": int(col.notna().sum()), "first": [plain(v) for v in col.iloc[:n]]}
"""


def keys_for(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(sorted(KEY_VALUE)) for _ in range(n)]


def press_burst(page, keys: list[str]) -> None:
    """Press the keys back to back on the focused Labeler: no waiting between presses."""
    H.focus_root(page)
    for k in keys:
        page.keyboard.press(k)


def kernel_labels(page, n: int) -> dict:
    return H.kernel_json(page, f"_nbl_labels({n})", setup=READ_LABELS)


def expected(keys: list[str]) -> list[str]:
    return [KEY_VALUE[k] for k in keys]


def save_screenshot(page, path=SCREENSHOT) -> None:
    """docs/img/labeler.png for the README (other front ends: docs/img/gallery/<name>.png): only
    when missing or NBL_UPDATE_SCREENSHOT=1."""
    if path.exists() and os.environ.get("NBL_UPDATE_SCREENSHOT") != "1":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    out = page.locator(".jp-OutputArea-output", has=page.locator(H.ROOT)).first
    out.scroll_into_view_if_needed()
    out.screenshot(path=str(path), animations="disabled", caret="hide")


# --------------------------------------------------------------------------- 1 + 3 + 5


def test_keys_label_items_and_reach_the_kernel(quickstart):
    """30 labels by key (auto-advance), all acked, equal in the kernel's DataFrame; no cell changed."""
    page = quickstart.page
    attrs = H.root_attrs(page)
    assert attrs["pos"] == "0" and attrs["seq"] == "0" and attrs["done"] == "0", attrs
    assert attrs["total"] == "500", attrs
    cells_before = H.notebook_cells(page)

    keys = keys_for(30, seed=1)
    press_burst(page, keys)
    attrs = H.root_attrs(page)
    assert attrs["pos"] == "30", f"auto-advance: expected position 30 after 30 labels, got {attrs}"
    assert attrs["seq"] == "30", f"expected exactly one save per label, got {attrs}"
    attrs = H.wait_all_acked(page)
    assert attrs["ack"] == "30" and attrs["state"] == "saved", attrs
    assert attrs["done"] == "30", attrs

    assert H.notebook_cells(page) == cells_before, "a labeling key changed the notebook"
    if quickstart.frontend == "lab":  # the README image is JupyterLab's
        save_screenshot(page)
    else:
        save_screenshot(page, H.REPO / "docs" / "img" / "gallery" / f"{quickstart.frontend}.png")

    labels = kernel_labels(page, 30)
    assert labels["notna"] == 30, labels
    assert labels["first"] == expected(keys)


def test_widget_keys_do_not_reach_the_notebook(quickstart):
    """Navigation keys and notebook command-mode letters pressed in the widget leave the notebook alone."""
    page = quickstart.page
    cells_before = H.notebook_cells(page)
    H.focus_root(page)
    keys = [
        "j",
        "k",
        "n",
        "u",
        "u",
        "ArrowRight",
        "ArrowLeft",
        "ArrowDown",
        "ArrowUp",
        "m",
        "a",
        "b",
        "x",
        "c",
        "v",
        "z",
        "y",
        "d",
        "d",
    ]
    for key in keys:
        page.keyboard.press(key)
        assert H.notebook_cells(page) == cells_before, f"pressing {key!r} in the labeler changed the notebook"
    # the widget is still there (`m` would have turned its cell into markdown) and still has the focus
    assert page.locator(H.ROOT).count() == 1
    assert page.evaluate(f"() => document.activeElement === document.querySelector('{H.ROOT}')")
    attrs = H.root_attrs(page)
    assert attrs["seq"] == "0", f"no label key was pressed, yet saves were sent: {attrs}"

    # keys the widget does not handle still reach JupyterLab: Shift+Enter runs the widget's cell
    cell = page.evaluate(JS_WIDGET_CELL)
    assert cell["active"], "focusing the labeler did not make its cell the active cell"
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        """([id, n]) => { const c = window.jupyterapp.shell.currentWidget.content.widgets
                                       .find(c => c.model.id === id);
                          return c.model.executionCount !== null && c.model.executionCount > n; }""",
        arg=[cell["id"], cell["count"]],
        timeout=60_000,
    )


JS_WIDGET_CELL = f"""() => {{
  const nb = window.jupyterapp.shell.currentWidget.content;
  const i = nb.widgets.findIndex(c => c.node.querySelector('{H.ROOT}'));
  const c = nb.widgets[i];
  return {{id: c.model.id, count: c.model.executionCount, active: nb.activeCellIndex === i}};
}}"""


# --------------------------------------------------------------------------- 2


def test_labels_survive_kernel_restart(quickstart):
    page = quickstart.page
    keys = keys_for(30, seed=2)
    press_burst(page, keys)
    H.wait_all_acked(page)

    H.restart_kernel(page)
    H.run_all(page, clear_first=True)
    H.wait_labeler_ready(page)
    page.wait_for_function(H.JS_KERNEL_READY, timeout=120_000)
    attrs = H.root_attrs(page)
    assert attrs["pos"] == "30", f"expected to open on the first unlabeled item (30), got {attrs}"
    assert attrs["done"] == "30", attrs
    labels = kernel_labels(page, 31)
    assert labels["notna"] == 30, labels
    assert labels["first"] == expected(keys) + [None]


# --------------------------------------------------------------------------- 4


def kill_and_wait(pid: int, fd: int) -> None:
    """SIGKILL `pid` and wait until it has exited (its pidfd, opened before the kill, turns readable)."""
    os.kill(pid, signal.SIGKILL)
    readable, _, _ = select.select([fd], [], [], 30)
    os.close(fd)
    assert readable, f"kernel process {pid} survived SIGKILL for 30 s"


def test_acked_labels_survive_sigkill(quickstart):
    """Every save the browser saw acked is in the store after the kernel is SIGKILLed."""
    from nblabel.store import Store

    page = quickstart.page
    ids = H.kernel_json(page, "[str(i) for i in df.index[:40]]")
    pid = quickstart.server.kernel_pid(quickstart.notebook)

    fd = os.pidfd_open(pid)  # before the kill: a recycled pid can never be mistaken for the kernel

    keys = keys_for(40, seed=3)
    press_burst(page, keys[:30])
    H.wait_all_acked(page)
    # a second burst, killed at once: some of these saves may not be acked (or even committed)
    for k in keys[30:]:
        page.keyboard.press(k)
    kill_and_wait(pid, fd)
    attrs = H.root_attrs(page)
    acked = int(attrs["ack"])
    assert acked >= 30, attrs
    assert int(attrs["seq"]) == 40, attrs

    store = Store(quickstart.store)
    try:
        stored = {a["task_id"]: a for a in store.annotations()}
    finally:
        store.close()
    for i in range(acked):  # save seq i+1 labeled position i
        got = stored.get(ids[i])
        assert got is not None, f"acked save {i + 1} (task {ids[i]}) is not in the store"
        values = [r["value"]["choices"] for r in got["result"] if r.get("from_name") == "sentiment"]
        assert values == [[KEY_VALUE[keys[i]]]], (i, got)
    for i in range(acked, 40):  # committed but the ack was lost with the kernel: must still be right
        if ids[i] in stored:
            values = [r["value"]["choices"] for r in stored[ids[i]]["result"]]
            assert values == [[KEY_VALUE[keys[i]]]], (i, stored[ids[i]])
    assert set(stored) <= set(ids), f"unexpected tasks in the store: {set(stored) - set(ids)}"

    # the journal holds one committed history row per acked save sequence number
    con = sqlite3.connect(f"file:{quickstart.store}?mode=ro", uri=True)
    try:
        seqs = {r[0] for r in con.execute("SELECT seq FROM history")}
    finally:
        con.close()
    missing = [s for s in range(1, acked + 1) if s not in seqs]
    assert not missing, f"acked seqs without a history row: {missing}"

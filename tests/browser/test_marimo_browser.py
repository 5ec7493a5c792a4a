"""Smoke test: the Labeler in marimo (`mo.ui.anywidget(lab)`) under `marimo run`, headless chromium.

marimo is not a Jupyter front end (its own server, its own widget bridge), so this module owns its
server: one `marimo run` of a generated app for the module. What it proves: the labeler renders in
marimo, label keys pressed on it label items, the labels are committed to the SQLite store (read
from the file by this process, not from the widget), and axe-core finds no serious or critical
violation in it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

import harness as H

pytestmark = pytest.mark.browser

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive" hotkey="1"/><Choice value="negative" hotkey="2"/>
  </Choices>
</View>"""

APP = """import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    import nblabel

    lab = nblabel.Labeler(nblabel.load_reviews().head(40), {config!r}, store={store!r})
    view = mo.ui.anywidget(lab)
    view
    return lab, mo, view


if __name__ == "__main__":
    app.run()
"""


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory, browser):
    pytest.importorskip("marimo")
    tmp = tmp_path_factory.mktemp("marimo")
    store = tmp / "marimo.nblabel.db"
    app = tmp / "labeler_app.py"
    app.write_text(APP.format(config=CONFIG, store=str(store)))
    port = H.free_port()
    env = H.isolated_env(tmp / "env")
    env["HOME"] = str(tmp / "home")  # marimo keeps its config and state under the home directory
    env["MARIMO_SKIP_UPDATE_CHECK"] = "1"
    log = open(tmp / "marimo.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "marimo",
            "run",
            str(app),
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-token",
        ],
        env=env,
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"marimo exited with {proc.returncode}:\n{(tmp / 'marimo.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"marimo did not answer:\n{(tmp / 'marimo.log').read_text()}")
            time.sleep(0.1)  # polling a server that is not up yet: no event to wait on
        yield SimpleNamespace(base=base, store=store, log=tmp / "marimo.log")
    finally:
        H.stop_group(proc)


def stored_choices(path: Path) -> dict[str, list[str]]:
    """task id -> the `sentiment` choices committed to the store file."""
    from nblabel.store import Store

    store = Store(path)
    try:
        return {
            a["task_id"]: r["value"]["choices"]
            for a in store.annotations()
            for r in a["result"]
            if r.get("from_name") == "sentiment"
        }
    finally:
        store.close()


def test_labeler_renders_labels_by_key_and_commits_in_marimo(marimo_app, browser):
    ctx, page = H.new_page(browser, marimo_app.base)
    try:
        page.goto(marimo_app.base + "/")
        root = page.locator(H.ROOT).first  # Playwright's CSS engine pierces marimo's shadow roots
        root.wait_for(timeout=90_000)
        page.wait_for_function(
            """() => { const find = (n) => { const r = n.querySelector('.nbl-root'); if (r) return r;
                         for (const e of n.querySelectorAll('*')) if (e.shadowRoot) {
                           const f = find(e.shadowRoot); if (f) return f; }
                         return null; };
                       const r = find(document);
                       return !!r && r.dataset.ack === '0' && r.dataset.pos === '0'; }""",
            timeout=90_000,
        )
        assert root.get_attribute("data-total") == "40"
        root.focus()
        keys = ["1", "2", "1", "1", "2"]
        for k in keys:
            page.keyboard.press(k)
        assert root.get_attribute("data-pos") == "5"
        page.wait_for_function(
            """(el) => el.dataset.ack === el.dataset.seq && el.dataset.pending === '0'""",
            arg=root.element_handle(),
            timeout=30_000,
        )
        assert root.get_attribute("data-seq") == "5"
        assert root.get_attribute("data-state") == "saved"
        # axe-core (js devDependency) on the labeler inside marimo: no serious or critical violation
        page.add_script_tag(path=str(H.REPO / "js" / "node_modules" / "axe-core" / "axe.min.js"))
        axe = page.evaluate(
            """async (el) => { const r = await axe.run(el);
                 return {passes: r.passes.length,
                         bad: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                                          .map(v => v.id + ': ' + v.help)}; }""",
            root.element_handle(),
        )
        assert axe["bad"] == [] and axe["passes"] > 0, axe  # passes: the rules did see the labeler
        shot = H.REPO / "docs" / "img" / "gallery" / "marimo.png"  # docs/frontends.md
        if os.environ.get("NBL_UPDATE_SCREENSHOT") == "1" or not shot.exists():
            shot.parent.mkdir(parents=True, exist_ok=True)
            root.screenshot(path=str(shot), animations="disabled", caret="hide")
    finally:
        ctx.close()
    stored = stored_choices(marimo_app.store)
    value = {"1": "positive", "2": "negative"}
    assert [stored.get(str(i)) for i in range(5)] == [[value[k]] for k in keys], stored
    assert len(stored) == 5, stored

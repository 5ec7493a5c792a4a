"""Nothing typed is lost, in real JupyterLab + chromium: every way of leaving a text field, a
kernel restart under an open labeler, a Number outside its range. Each test asserts what is in
the SQLite store afterwards (read from the file itself), not only what the widget shows.

The labeler is made by a cell appended to a copy of the quickstart notebook (the notebook's own
cells are not run), over 3 long reviews, with its own store file and project name.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

import harness as H

pytestmark = pytest.mark.browser

CONFIG = """
<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive" hotkey="1"/><Choice value="negative" hotkey="2"/>
  </Choices>
  <TextArea name="note" toName="text" rows="1"/>
  <Number name="score" toName="text" min="0" max="10"/>
</View>
"""
ROOT = H.ROOT
NOTE = f"{ROOT} [data-nbl-control='note'] .nbl-textarea-input .nbl-input"
SCORE = f"{ROOT} [data-nbl-control='score'] input"
SCORE_PROBLEM = f"{ROOT} [data-nbl-control='score'] .nbl-field-error"


def cell_source(store: Path) -> str:
    return (
        "import nblabel, pandas as pd\n"
        "df8 = pd.DataFrame({'review': [(f'review {i}: ' + 'a long line of text. ' * 20 + '\\n') * 40"
        " for i in range(3)]})\n"
        f"lab8 = nblabel.Labeler(df8, {CONFIG!r}, store={str(store)!r}, name='h8', annotator='ana')\n"
        "lab8"
    )


@pytest.fixture
def labeler(lab, page, tmp_path):
    """The notebook open, one cell showing the h8 labeler; returns (page, store path, cell id)."""
    store = tmp_path / "h8.nblabel.db"
    H.open_notebook(page, lab.server, lab.notebook)
    key = H.start_cell(page, cell_source(store))
    H.wait_labeler_ready(page)
    page.wait_for_function("(key) => (window.__nblRuns || {})[key] === 'done'", arg=key, timeout=120_000)
    return page, store, key


def stored(store: Path) -> dict[str, dict]:
    """{task key: {"result": [...], "was_cancelled": bool}} of the h8 project, read from the file."""
    if not store.exists():
        return {}
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT task_key, result, was_cancelled FROM annotations WHERE project = 'h8'").fetchall()
    finally:
        con.close()
    return {k: {"result": json.loads(r), "was_cancelled": bool(c)} for k, r, c in rows}


def value_of(entry: dict | None, control: str) -> object:
    for item in (entry or {}).get("result", []):
        if item.get("from_name") == control:
            return item["value"]
    return None


def wait_stored(store: Path, task: str, control: str, expected: object, timeout: float = 30) -> None:
    """Poll the store file until task's control holds `expected` (the kernel commits asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        got = value_of(stored(store).get(task), control)
        if got == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"task {task} {control}: expected {expected!r} in the store, found {got!r}")
        time.sleep(0.1)  # the store is a file written by another process: nothing to wait on


def type_note(page, text: str) -> None:
    page.click(NOTE)
    page.keyboard.type(text)


def cell_count(page, key: str) -> int | None:
    return page.evaluate(
        """(key) => window.jupyterapp.shell.currentWidget.content.widgets
                      .find(c => c.model.id === key).model.executionCount""",
        key,
    )


# --------------------------------------------------------------------------- text fields


def test_shift_enter_in_a_text_box_does_not_run_the_cell_and_a_re_run_keeps_the_text(labeler):
    page, store, key = labeler
    cells, count = H.notebook_cells(page), cell_count(page, key)
    # JupyterLab reads shortcuts from keydown events bubbling to `document`: record what reaches it
    page.evaluate("""() => { window.__nblDoc = [];
        document.addEventListener('keydown', e => window.__nblDoc.push(e.key)); }""")
    type_note(page, "typed, then Shift+Enter")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Alt+Enter")
    # the keys stayed in the box: none reached JupyterLab, no cell ran or was added, the text is there
    assert page.evaluate("() => window.__nblDoc") == []
    assert cell_count(page, key) == count
    assert H.notebook_cells(page) == cells
    assert page.input_value(NOTE) == "typed, then Shift+Enter"
    # the user re-runs the cell while still typing (from the menu, say): the old view saves on its way out
    page.evaluate(
        """(key) => { const nb = window.jupyterapp.shell.currentWidget.content;
                                nb.activeCellIndex = nb.widgets.findIndex(c => c.model.id === key);
                                return window.jupyterapp.commands.execute('notebook:run-cell'); }""",
        key,
    )
    wait_stored(store, "0", "note", {"text": ["typed, then Shift+Enter"]})


@pytest.mark.parametrize("leave", ["Escape", "Tab", "click away"])
def test_leaving_a_text_box_saves_what_was_typed(labeler, leave):
    page, store, _ = labeler
    type_note(page, f"left with {leave}")
    if leave == "click away":
        page.mouse.click(5, 5)  # the top-left corner of JupyterLab, outside the labeler
    else:
        page.keyboard.press(leave)
    wait_stored(store, "0", "note", {"text": [f"left with {leave}"]})
    attrs = H.wait_all_acked(page)
    assert attrs["state"] == "saved" and attrs["pos"] == "0", attrs
    assert page.input_value(NOTE) == ""  # it is an entry of the item now
    entries = page.locator(f"{ROOT} [data-nbl-control='note'] .nbl-entry-text").all_inner_texts()
    assert entries == [f"left with {leave}"]


# --------------------------------------------------------------------------- Number


def test_a_number_out_of_range_says_why_and_is_saved_once_fixed(labeler):
    page, store, _ = labeler
    page.click(SCORE)
    page.keyboard.type("15")
    page.keyboard.press("Tab")
    problem = page.locator(SCORE_PROBLEM)
    problem.wait_for(state="visible")
    assert problem.inner_text() == "15 is above the maximum 10 \u2014 not saved"
    assert page.get_attribute(SCORE, "aria-invalid") == "true"
    H.focus_root(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.input_value(SCORE) == "15"  # still the draft of item 0
    assert value_of(stored(store).get("0"), "score") is None
    page.fill(SCORE, "7")
    page.keyboard.press("Tab")
    wait_stored(store, "0", "score", {"number": 7})
    assert not problem.is_visible()


# --------------------------------------------------------------------------- kernel restart


def test_after_a_kernel_restart_the_old_view_says_so_and_takes_no_label(labeler):
    page, store, _ = labeler
    H.focus_root(page)
    page.keyboard.press("1")
    H.wait_all_acked(page)
    wait_stored(store, "0", "sentiment", {"choices": ["positive"]})

    H.restart_kernel(page)
    page.wait_for_selector(f"{ROOT}[data-state='disconnected']", timeout=30_000)
    banner = page.locator(f"{ROOT} .nbl-banner")
    assert "kernel restarted \u2014 re-run the cell; nothing after this point is saved" in banner.inner_text()
    status = page.locator(f"{ROOT} .nbl-status").inner_text()
    assert "saved" not in status.replace("not saving", ""), status
    before = H.root_attrs(page)
    H.focus_root(page)
    page.keyboard.press("2")  # item 1: refused, no advance, no save queued
    page.keyboard.press("Control+Space")
    after = H.root_attrs(page)
    assert (after["pos"], after["seq"], after["state"]) == (before["pos"], before["seq"], "disconnected"), after
    assert "not saved" in page.locator(f"{ROOT} .nbl-notice").inner_text()
    # what the store holds: the label made before the restart, nothing after it
    assert set(stored(store)) == {"0"}
    assert value_of(stored(store)["0"], "sentiment") == {"choices": ["positive"]}


# --------------------------------------------------------------------------- reading


def test_long_texts_open_at_the_top_scroll_with_page_keys_and_the_keys_help_is_readable(labeler):
    page, _, _ = labeler
    H.focus_root(page)
    box = f"{ROOT} [data-nbl-object='text']"
    top = lambda: page.evaluate("(sel) => document.querySelector(sel).scrollTop", box)  # noqa: E731
    page.keyboard.press("PageDown")
    page.keyboard.press("Space")
    assert top() > 0
    page.keyboard.press("PageUp")
    page.keyboard.press("Shift+Space")
    assert top() == 0
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    assert top() > 0
    page.keyboard.press("ArrowRight")
    assert H.root_attrs(page)["pos"] == "1" and top() == 0  # the next review opens at its top
    page.click(f"{ROOT} .nbl-help summary")
    width = page.evaluate(f'() => document.querySelector("{ROOT} .nbl-help dl").getBoundingClientRect().width')
    assert width > 300, f"the keys help is {width:.0f} px wide"

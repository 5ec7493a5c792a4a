"""Review mode in real JupyterLab + chromium: two annotators' labels are in the store, three tasks
are flagged; the reviewer sees both annotators' labels, accepts one task with the key, rejects
another with a typed comment, fixes a third with a label key, and the store file and
`to_dataframe()` show each decision.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import harness as H
from nblabel.store import Store

pytestmark = pytest.mark.browser

CONFIG = """
<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive" hotkey="1"/><Choice value="negative" hotkey="2"/>
  </Choices>
</View>
"""
ROOT = H.ROOT
TEXTS = ["great phone", "oh great, it broke", "fine I guess", "not flagged"]
LABELS = {"ana": ["positive", "positive", "positive"], "bo": ["positive", "negative", "negative"]}


def choice(value: str) -> list[dict]:
    return [{"id": "c1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def team_store(path: Path) -> None:
    """ana and bo labeled tasks 0..2; tasks 0..2 are flagged for review (3 is not)."""
    store = Store(path, project="h14c")
    for who, labels in LABELS.items():
        for i, label in enumerate(labels):
            store.save(i, {"review": TEXTS[i]}, choice(label), annotator=who)
    store.flag_for_review([0, 1, 2], "random")
    store.close()


def reviews(path: Path) -> dict[str, tuple]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT task_key, state, comment, reviewer FROM reviews WHERE project = 'h14c'").fetchall()
    finally:
        con.close()
    return {k: (s, c, r) for k, s, c, r in rows}


def others(page) -> list[list[str]]:
    return page.evaluate(f"""() => [...document.querySelectorAll('{ROOT} .nbl-review-other')]
        .map(li => [li.dataset.annotator, li.querySelector('.nbl-review-summary').textContent])""")


def wait_done(page, n: int) -> None:
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.done === '{n}'", timeout=30_000)


def test_reviewer_sees_everyones_labels_then_accepts_rejects_with_a_comment_and_fixes(lab, page, tmp_path):
    store = tmp_path / "review.nblabel.db"
    team_store(store)
    H.open_notebook(page, lab.server, lab.notebook)
    key = H.start_cell(
        page,
        (
            "import nblabel, pandas as pd\n"
            f"dfr = pd.DataFrame({{'review': {TEXTS!r}}})\n"
            f"labr = nblabel.Labeler(dfr, {CONFIG!r}, store={str(store)!r}, name='h14c', annotator='rita', mode='review')\n"
            "labr"
        ),
    )
    H.wait_labeler_ready(page)
    page.wait_for_function("(key) => (window.__nblRuns || {})[key] === 'done'", arg=key, timeout=120_000)
    attrs = H.root_attrs(page)
    assert (attrs["mode"], attrs["total"], attrs["done"], attrs["taskId"]) == ("review", "3", "0", "0")
    assert others(page) == [["ana", "sentiment: positive"], ["bo", "sentiment: positive"]]

    # accept task 0 with the review key; the view moves on to task 1
    H.focus_root(page)
    page.keyboard.press("a")
    wait_done(page, 1)
    assert H.root_attrs(page)["taskId"] == "1"
    assert others(page) == [["ana", "sentiment: positive"], ["bo", "sentiment: negative"]]

    # reject task 1 with a comment typed in the box (the letters never reach the labeler)
    page.click(f"{ROOT} .nbl-review-comment")
    page.keyboard.type("sarcasm: both are wrong")
    assert H.root_attrs(page)["taskId"] == "1"
    page.click(f"{ROOT} .nbl-review-reject")
    wait_done(page, 2)
    assert H.root_attrs(page)["taskId"] == "2"

    # fix task 2 with the usual label key: saved as the consensus
    H.focus_root(page)
    page.keyboard.press("2")
    wait_done(page, 3)
    H.wait_all_acked(page)
    page.wait_for_selector(f"{ROOT} .nbl-review[data-review-state='fixed']", timeout=30_000)

    # back on task 1: the stored comment and state show
    page.keyboard.press("ArrowLeft")
    assert H.root_attrs(page)["taskId"] == "1"
    assert page.input_value(f"{ROOT} .nbl-review-comment") == "sarcasm: both are wrong"
    assert page.get_attribute(f"{ROOT} .nbl-review", "data-review-state") == "rejected"

    assert reviews(store) == {
        "0": ("accepted", None, "rita"),
        "1": ("rejected", "sarcasm: both are wrong", "rita"),
        "2": ("fixed", None, "rita"),
    }
    with Store(store, project="h14c") as s:
        assert s.annotation(2, "consensus")["result"][0]["value"] == {"choices": ["negative"]}
        assert s.annotation(2, "rita") is None
    frame = H.kernel_json(
        page,
        "labr.to_dataframe()[['sentiment', 'review_state', 'review_comment']]"
        ".astype(object).where(lambda f: f.notna(), None).values.tolist()",
    )
    assert frame == [
        ["positive", "accepted", None],
        [None, "rejected", "sarcasm: both are wrong"],
        ["negative", "fixed", None],
        [None, None, None],
    ]

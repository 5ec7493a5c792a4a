"""Taxonomy, DateTime, Ranker and Pairwise in real JupyterLab + chromium, checked in the store.

One Labeler with all four controls runs in a new cell; the test uses them the way a person does
(clicks, the keyboard, a real HTML5 drag) and then reads the annotation back from the kernel:
each result item must be the JSON Label Studio 1.23.2 writes for that tag.
"""

from __future__ import annotations

import harness as H
import pytest

pytestmark = pytest.mark.browser

CONFIG = """<View>
  <Text name="prompt" value="$prompt"/>
  <Taxonomy name="topic" toName="prompt">
    <Choice value="Archaea"/>
    <Choice value="Eukarya">
      <Choice value="Human"/>
      <Choice value="Fungi"/>
    </Choice>
  </Taxonomy>
  <DateTime name="when" toName="prompt"/>
  <List name="answers" value="$items" title="Answers"/>
  <Ranker name="rank" toName="answers">
    <Bucket name="good" title="Good"/>
    <Bucket name="bad" title="Bad"/>
  </Ranker>
  <Pairwise name="pw" toName="left,right"/>
  <Text name="left" value="$a"/>
  <Text name="right" value="$b"/>
</View>"""

ROOT = H.ROOT
ITEM = ROOT + ' .nbl-taxonomy .nbl-tax-item[data-value="{}"]'
CARD = ROOT + ' .nbl-ranker [data-item-id="{}"]'


@pytest.fixture
def family(lab, page, tmp_path):
    H.open_notebook(page, lab.server, lab.notebook)
    store = tmp_path / "family.nblabel.db"
    items = [
        {"id": "x1", "title": "First 😀"},
        {"id": "x2", "title": "Second"},
        {"id": "x3", "html": "<b>Third</b><img src=x onerror=\"document.title='pwned'\">"},
    ]
    src = (
        "import pandas as pd, nblabel\n"
        f"fam_df = pd.DataFrame({{'prompt': ['Which answer is better?', 'two'], 'items': [{items!r}, []],"
        " 'a': ['left answer', 'l2'], 'b': ['right answer', 'r2']})\n"
        f"fam = nblabel.Labeler(fam_df, {CONFIG!r}, store={str(store)!r}, annotator='ana')\n"
        "fam"
    )
    H.start_cell(page, src)
    H.wait_labeler_ready(page)
    page.wait_for_function(H.JS_KERNEL_READY, timeout=60_000)
    return page


def test_taxonomy_datetime_ranker_and_pairwise_results_reach_the_store(family):
    page = family
    H.focus_root(page)
    # Taxonomy: open Eukarya with a click, check Human; keyboard from the search box for Archaea
    page.locator(ROOT + " .nbl-tax-toggle").first.click()
    page.locator(ITEM.format("Human")).click()
    page.locator(ROOT + " .nbl-tax-search").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator(ITEM.format("Archaea")).get_attribute("aria-pressed") == "true"
    # DateTime: the browser's own date and time inputs
    page.locator(ROOT + " .nbl-dt-date").fill("2024-03-09")
    page.locator(ROOT + " .nbl-dt-time").fill("14:30")
    # Ranker: a real drag of x3 into "Good", then x1 with the keyboard: → twice ("_" → good → bad)
    page.locator(CARD.format("x3")).drag_to(page.locator(ROOT + ' .nbl-rank-column[data-column="good"]'))
    page.wait_for_selector(ROOT + ' .nbl-rank-column[data-column="good"] [data-item-id="x3"]')
    page.locator(CARD.format("x1")).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(ROOT + ' .nbl-rank-column[data-column="bad"] [data-item-id="x1"]')
    # the item html was sanitized: no handler ran, none is left
    assert page.title() != "pwned"
    assert page.locator(CARD.format("x3") + " img[onerror]").count() == 0
    # Pairwise: click the right object
    page.locator(ROOT + ' [data-nbl-object="right"]').click()
    attrs = H.wait_all_acked(page)
    assert attrs["pos"] == "0", "none of these keys may navigate"

    tasks = H.kernel_json(page, "fam.annotations")
    assert len(tasks) == 1 and len(tasks[0]["annotations"]) == 1
    by_name = {r["from_name"]: r for r in tasks[0]["annotations"][0]["result"]}
    assert set(by_name) == {"topic", "when", "rank", "pw"}
    assert by_name["topic"]["type"] == "taxonomy" and by_name["topic"]["to_name"] == "prompt"
    assert by_name["topic"]["value"] == {"taxonomy": [["Archaea"], ["Eukarya", "Human"]]}
    assert by_name["when"]["type"] == "datetime"
    assert by_name["when"]["value"] == {"datetime": "2024-03-09T14:30"}
    assert by_name["rank"]["type"] == "ranker" and by_name["rank"]["to_name"] == "answers"
    assert by_name["rank"]["value"] == {"ranker": {"_": ["x2"], "good": ["x3"], "bad": ["x1"]}}
    assert by_name["pw"]["type"] == "pairwise" and by_name["pw"]["to_name"] == "pw"
    assert by_name["pw"]["value"] == {"selected": "right"}
    for r in by_name.values():
        assert len(r["id"]) == 10 and r["origin"] == "manual"

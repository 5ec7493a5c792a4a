"""NER spans in real JupyterLab + chromium: Labels on Text with mouse drags and the keyboard.

A Labeler with a NER config (Labels + Relations + a per-region TextArea) runs in a new cell of
a notebook; spans are drawn with real mouse drags (Playwright's mouse, so chromium makes the
selection) and with keys, on a text with emoji (ZWJ family, flag, skin tone), CJK, a combining
mark and a `\\r\\n`. Every span's offsets are checked in the kernel with Python's own slicing:
`text[start:end] == value["text"]`.
"""

from __future__ import annotations

import json

import pytest

import harness as H

pytestmark = pytest.mark.browser

TEXT = "Ann 😀 met 李小龙 in 北京.\r\nBob saw e\u0301clairs 🇫🇷 with 👨\u200d👩\u200d👧 and 👍🏽 today"

CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="#e53935"/>
    <Label value="LOC" background="#1e88e5"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Relations><Relation value="lives_in"/></Relations>
  <TextArea name="note" toName="text" perRegion="true" placeholder="note on the selected span"/>
</View>"""

OBJ = '.nbl-root [data-nbl-object="text"]'
ECLAIRS = "e\u0301clairs"

# (x, y) of the left edge of the first character of `needle` and the right edge of its last one
JS_EDGES = """([sel, needle]) => {
  const box = document.querySelector(sel);
  const text = box.textContent;
  const at = text.indexOf(needle);
  if (at < 0) throw new Error('not in the text: ' + needle);
  const point = (off) => {
    const w = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let sum = 0;
    for (let t = w.nextNode(); t; t = w.nextNode()) {
      if (off < sum + t.data.length) return [t, off - sum];
      sum += t.data.length;
    }
    throw new Error('offset out of range');
  };
  const charRect = (off, len) => {
    const [n, o] = point(off);
    const r = document.createRange();
    r.setStart(n, o); r.setEnd(n, o + len);
    return r.getBoundingClientRect();
  };
  const chars = Array.from(needle);
  const first = charRect(at, chars[0].length);
  const lastLen = chars[chars.length - 1].length;
  const last = charRect(at + needle.length - lastLen, lastLen);
  return {x0: first.left + 1, y0: first.top + first.height / 2, x1: last.right - 1, y1: last.top + last.height / 2};
}"""


def drag_over(page, needle: str) -> None:
    """Select `needle` in the Text with a real mouse drag."""
    page.locator(OBJ).scroll_into_view_if_needed()
    e = page.evaluate(JS_EDGES, [OBJ, needle])
    page.mouse.move(e["x0"], e["y0"])
    page.mouse.down()
    page.mouse.move((e["x0"] + e["x1"]) / 2, (e["y0"] + e["y1"]) / 2, steps=3)
    page.mouse.move(e["x1"], e["y1"], steps=3)
    page.mouse.up()


def span_ids(page) -> dict[str, str]:
    """Region text -> region id, from the region list."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.nbl-region-item')]
        .map(li => [li.querySelector('.nbl-region-text').textContent, li.dataset.regionId]))""")


def results_in_kernel(page) -> list[dict]:
    return H.kernel_json(page, "[a['result'] for t in ner.annotations for a in t['annotations']]")


@pytest.fixture
def ner(lab, page, tmp_path):
    H.open_notebook(page, lab.server, lab.notebook)
    store = tmp_path / "ner.nblabel.db"
    src = (
        "import pandas as pd, nblabel\n"
        f"ner_df = pd.DataFrame({{'text': [{TEXT!r}, 'second item']}})\n"
        f"ner = nblabel.Labeler(ner_df, {CONFIG!r}, store={str(store)!r}, annotator='ana')\n"
        "ner"
    )
    H.start_cell(page, src)
    H.wait_labeler_ready(page)
    page.wait_for_function(H.JS_KERNEL_READY, timeout=60_000)
    return page


def test_spans_by_mouse_and_keyboard_reach_the_kernel_with_code_point_offsets(ner):
    page = ner
    H.focus_root(page)
    # the Text shows the task text unchanged, \r\n included
    assert page.evaluate(f"() => document.querySelector('{OBJ}').textContent") == TEXT

    # 1. label key, then a mouse drag: PER on 李小龙
    page.keyboard.press("1")
    drag_over(page, "李小龙")
    page.wait_for_selector(f"{OBJ} [data-region-id]")
    # 2. an overlapping span: drag first, then the label key (LOC on "龙 in 北京")
    page.keyboard.press("Escape")  # unselect the new span
    page.keyboard.press("Escape")  # drop the active label
    drag_over(page, "龙 in 北京")
    page.keyboard.press("2")
    # 3. the keyboard path: Shift+→ picks "Ann", → moves on, a label key labels it
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("1")
    # 4. mouse drags over emoji: the flag, the ZWJ family (with the words around it)
    page.keyboard.press("Escape")  # keyboard selection off
    page.keyboard.press("Escape")  # unselect
    drag_over(page, "🇫🇷 with 👨\u200d👩\u200d👧")
    page.keyboard.press("2")
    page.keyboard.press("Escape")
    drag_over(page, "e\u0301clairs")
    page.keyboard.press("1")
    ids = span_ids(page)
    assert set(ids) == {"李小龙", "龙 in 北京", "Ann", "🇫🇷 with 👨\u200d👩\u200d👧", "e\u0301clairs"}, ids
    # overlapping: 龙 sits inside both spans
    inside = page.evaluate(f"""() => [...document.querySelectorAll('{OBJ} [data-region-id]')]
        .filter(e => e.textContent === '龙').length""")
    assert inside >= 1

    # 5. change a label: select "Ann" in the region list, press LOC
    page.click(f'.nbl-region-item[data-region-id="{ids["Ann"]}"] .nbl-region-text')
    page.keyboard.press("2")
    # 6. delete with Backspace, undo brings it back
    eclairs = f'{OBJ} [data-region-id="{ids[ECLAIRS]}"]'
    page.click(eclairs)
    page.keyboard.press("Backspace")
    assert page.locator(eclairs).count() == 0
    page.keyboard.press("Control+z")
    page.wait_for_selector(eclairs)

    # 7. a relation: select 李小龙, Alt+R, click the 北京 span
    page.click(f'.nbl-region-item[data-region-id="{ids["李小龙"]}"] .nbl-region-text')
    page.keyboard.press("Alt+r")
    page.click(f'.nbl-region-item[data-region-id="{ids["龙 in 北京"]}"] .nbl-region-text')
    page.click('.nbl-relation .nbl-relation-label[data-value="lives_in"]')

    # 8. a per-region TextArea on the selected span
    page.click(f'.nbl-region-item[data-region-id="{ids["李小龙"]}"] .nbl-region-text')
    field = page.locator('[data-nbl-perregion="note"] textarea, [data-nbl-perregion="note"] input').first
    field.click()
    field.fill("a martial artist")
    page.keyboard.press("Control+Enter")
    attrs = H.wait_all_acked(page)
    assert attrs["pos"] == "0", attrs  # per-region edits never move to the next item

    [result] = results_in_kernel(page)
    spans = {r["id"]: r for r in result if r["type"] == "labels"}
    by_text = {r["value"]["text"]: r for r in spans.values()}
    assert sorted(by_text) == sorted(ids), by_text.keys()
    offsets = {t: (r["value"]["start"], r["value"]["end"]) for t, r in by_text.items()}
    # every span: Python's text[start:end] is the span's text
    for t, (s, e) in offsets.items():
        assert TEXT[s:e] == t, (t, s, e)
        assert (s, e) == (TEXT.index(t), TEXT.index(t) + len(t))
    assert {t: r["value"]["labels"] for t, r in by_text.items()} == {
        "李小龙": ["PER"],
        "龙 in 北京": ["LOC"],
        "Ann": ["LOC"],
        "🇫🇷 with 👨\u200d👩\u200d👧": ["LOC"],
        "e\u0301clairs": ["PER"],
    }
    assert [r for r in result if r["type"] == "relation"] == [
        {
            "type": "relation",
            "from_id": ids["李小龙"],
            "to_id": ids["龙 in 北京"],
            "direction": "right",
            "labels": ["lives_in"],
        }
    ]
    [note] = [r for r in result if r.get("from_name") == "note"]
    assert note["id"] == ids["李小龙"] and note["type"] == "textarea"
    s, e = offsets["李小龙"]
    assert note["value"] == {"start": s, "end": e, "text": ["a martial artist"]}, json.dumps(note)

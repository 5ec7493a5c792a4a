"""The docs gallery (docs/gallery.md): one labeler per supported tag family, rendered in JupyterLab.

Each family is built in the quickstart's kernel and displayed in a new cell; the test checks that
it rendered (the family's controls are in the DOM and the labeler synced) and screenshots it into
docs/img/gallery/ when the file is missing or NBL_UPDATE_SCREENSHOT=1 (`make screenshots`).
"""

from __future__ import annotations

import os

import pytest

import harness as H

pytestmark = pytest.mark.browser

GALLERY = H.REPO / "docs" / "img" / "gallery"

SETUP = """\
import tempfile, pandas as pd, nblabel
from IPython.display import display
_gal_df = pd.DataFrame({
    "review": ["The battery lasts two days and the screen is bright.",
               "Arrived broken; support never answered."],
    "html": ["<p><b>Order 1042</b></p><table border='1'><tr><th>item</th><th>qty</th></tr>"
             "<tr><td style='color: #b00'>charger</td><td align='right'>2</td></tr></table>",
             "<p>second</p>"],
    "url": ["clip-1.mp4", "clip-2.mp4"],
    "sentence": ["Ada Lovelace 👩‍💻 wrote notes on Babbage's engine in London.",
                 "東京 hosted Grace Hopper."],
    "prompt": ["Which answer explains photosynthesis best?", "second"],
    "items": [[{"id": "a1", "title": "Answer A", "body": "Plants turn light into sugar."},
               {"id": "a2", "title": "Answer B", "body": "Leaves are green."},
               {"id": "a3", "title": "Answer C", "body": "Roots drink water."}]] * 2,
})
_gal_store = tempfile.mkdtemp() + "/gallery.nblabel.db"
"""

FAMILIES = {
    "choices-textarea": (
        """<View>
  <Text name="text" value="$review"/>
  <Choices name="topics" toName="text" choice="multiple" showInline="true">
    <Choice value="battery"/><Choice value="screen"/><Choice value="shipping"/><Choice value="support"/>
  </Choices>
  <TextArea name="note" toName="text" placeholder="why?" rows="2"/>
</View>""",
        ".nbl-choice, textarea",
    ),
    "rating-number": (
        """<View>
  <Text name="text" value="$review"/>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="price" toName="text" min="0" max="1000"/>
</View>""",
        ".nbl-star, input",
    ),
    "hypertext": (
        """<View>
  <HyperText name="page" value="$html"/>
  <Choices name="ok" toName="page"><Choice value="complete"/><Choice value="incomplete"/></Choices>
</View>""",
        "table",
    ),
    "ner-relations": (
        """<View>
  <Labels name="ner" toName="text">
    <Label value="PER" background="#f4a261"/><Label value="ORG" background="#2a9d8f"/>
    <Label value="LOC" background="#8ab17d"/>
  </Labels>
  <Text name="text" value="$sentence"/>
  <Relations><Relation value="works_in"/><Relation value="knows"/></Relations>
</View>""",
        ".nbl-region[data-region-id]",
    ),
    "taxonomy-ranker": (
        """<View>
  <Text name="prompt" value="$prompt"/>
  <Taxonomy name="topic" toName="prompt">
    <Choice value="Biology"><Choice value="Botany"/><Choice value="Zoology"/></Choice>
    <Choice value="Physics"/>
  </Taxonomy>
  <List name="answers" value="$items" title="Answers"/>
  <Ranker name="rank" toName="answers"><Bucket name="good" title="Good"/><Bucket name="bad" title="Bad"/></Ranker>
</View>""",
        ".nbl-taxonomy, .nbl-ranker",
    ),
    "unsupported": (
        """<View>
  <Video name="video" value="$url"/>
  <Choices name="scene" toName="video"><Choice value="indoor"/><Choice value="outdoor"/></Choices>
</View>""",
        ".nbl-unsupported",
    ),
}


# The NER entry opens on a labeled item: spans in Label Studio's code-point offsets (computed in
# the kernel with str.find, so emoji count as Python counts them) and a relation, saved through
# the session's save path before the widget is displayed.
NER_SPANS = """\
def _span(t, i, word, label):
    s = t.find(word)
    return {"id": f"s{i}", "from_name": "ner", "to_name": "text", "type": "labels",
            "value": {"start": s, "end": s + len(word), "text": word, "labels": [label]}}
_t0, _t1 = _gal_df.sentence
_res = [[_span(_t0, 1, "Ada Lovelace", "PER"), _span(_t0, 2, "Babbage", "PER"), _span(_t0, 3, "London", "LOC"),
         {"type": "relation", "from_id": "s1", "to_id": "s3", "direction": "right", "labels": ["works_in"]}],
        [_span(_t1, 1, "東京", "LOC"), _span(_t1, 2, "Grace Hopper", "PER")]]
for _pos in (0, 1):  # both items labeled: the labeler opens on the first
    _ack = _gal._session.handle({"type": "save", "seq": _pos + 1, "pos": _pos, "task_id": _pos, "result": _res[_pos]})
    assert _ack["type"] == "ack", _ack
_gal = nblabel.Labeler(_gal_df, _gal.config.xml, store=_gal_store, name="ner-relations")  # opens on it
"""


def test_every_tag_family_renders_for_the_gallery(quickstart):
    page = quickstart.page
    H.run_cell(page, SETUP)
    update = os.environ.get("NBL_UPDATE_SCREENSHOT") == "1"
    GALLERY.mkdir(parents=True, exist_ok=True)
    for i, (name, (config, selector)) in enumerate(FAMILIES.items(), start=2):
        build = (
            f"import warnings\nwith warnings.catch_warnings():\n"
            f"    warnings.simplefilter('ignore')\n"
            f"    _gal = nblabel.Labeler(_gal_df, {config!r}, store=_gal_store, name={name!r})\n"
        )
        H.run_cell(page, build + (NER_SPANS if name == "ner-relations" else "") + "display(_gal)")
        page.wait_for_function(f"() => document.querySelectorAll('{H.ROOT}').length >= {i}", timeout=60_000)
        root = page.locator(H.ROOT).nth(i - 1)
        page.wait_for_function(
            "(r) => r.dataset.ack === '0' && r.dataset.pos === '0'", arg=root.element_handle(), timeout=60_000
        )
        assert root.locator(selector).count() > 0, f"{name}: nothing matches {selector!r}"
        path = GALLERY / f"{name}.png"
        if update or not path.exists():
            root.scroll_into_view_if_needed()
            root.screenshot(path=str(path), animations="disabled", caret="hide")
        assert path.exists()

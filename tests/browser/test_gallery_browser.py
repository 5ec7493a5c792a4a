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
})
_gal_store = tempfile.mkdtemp() + "/gallery.nblabel.db"
"""

FAMILIES = {
    "choices-textarea": ("""<View>
  <Text name="text" value="$review"/>
  <Choices name="topics" toName="text" choice="multiple" showInline="true">
    <Choice value="battery"/><Choice value="screen"/><Choice value="shipping"/><Choice value="support"/>
  </Choices>
  <TextArea name="note" toName="text" placeholder="why?" rows="2"/>
</View>""", ".nbl-choice, textarea"),
    "rating-number": ("""<View>
  <Text name="text" value="$review"/>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="price" toName="text" min="0" max="1000"/>
</View>""", ".nbl-star, input"),
    "hypertext": ("""<View>
  <HyperText name="page" value="$html"/>
  <Choices name="ok" toName="page"><Choice value="complete"/><Choice value="incomplete"/></Choices>
</View>""", "table"),
    "unsupported": ("""<View>
  <Video name="video" value="$url"/>
  <Choices name="scene" toName="video"><Choice value="indoor"/><Choice value="outdoor"/></Choices>
</View>""", ".nbl-unsupported"),
}


def test_every_tag_family_renders_for_the_gallery(quickstart):
    page = quickstart.page
    H.run_cell(page, SETUP)
    update = os.environ.get("NBL_UPDATE_SCREENSHOT") == "1"
    GALLERY.mkdir(parents=True, exist_ok=True)
    for i, (name, (config, selector)) in enumerate(FAMILIES.items(), start=2):
        H.run_cell(page, f"import warnings\nwith warnings.catch_warnings():\n"
                         f"    warnings.simplefilter('ignore')\n"
                         f"    _gal = nblabel.Labeler(_gal_df, {config!r}, store=_gal_store, name={name!r})\n"
                         f"display(_gal)")
        page.wait_for_function(f"() => document.querySelectorAll('{H.ROOT}').length >= {i}", timeout=60_000)
        root = page.locator(H.ROOT).nth(i - 1)
        page.wait_for_function("(r) => r.dataset.ack === '0' && r.dataset.pos === '0'",
                               arg=root.element_handle(), timeout=60_000)
        assert root.locator(selector).count() > 0, f"{name}: nothing matches {selector!r}"
        path = GALLERY / f"{name}.png"
        if update or not path.exists():
            root.scroll_into_view_if_needed()
            root.screenshot(path=str(path), animations="disabled", caret="hide")
        assert path.exists()

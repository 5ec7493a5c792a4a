"""Config strictness like Label Studio's: nblabel rejects what the 1.23.2 server rejects.

The cases and the server's verdict on each live in tests/config_cases.py; the server test
(tests/server/test_config_agreement.py) sends the same configs to a real server.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from config_cases import CASES, Case

from nblabel.config import ConfigError, parse_config


def _accepts(xml: str) -> bool:
    try:
        parse_config(xml)
    except ConfigError:
        return False
    return True


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_nblabel_verdict(case: Case) -> None:
    assert _accepts(case.xml) is case.nblabel


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_whatever_the_server_rejects_nblabel_rejects(case: Case) -> None:
    if not case.server:
        assert case.nblabel is False
    if case.server != case.nblabel:
        assert case.why, "a difference from the server needs a reason"


def test_a_missing_to_name_the_server_requires_names_the_candidate_object():
    with pytest.raises(ConfigError) as info:
        parse_config(
            '<View>\n<Text name="review" value="$review"/>\n<Choices name="c">\n<Choice value="a"/>\n'
            "</Choices>\n</View>"
        )
    err = info.value
    assert (err.line, err.col) == (3, 1)
    assert "has no toName" in err.message and "'toName' is a required property" in err.message
    assert err.hint == 'add toName="review"'


def test_a_missing_to_name_with_two_objects_lists_both():
    with pytest.raises(ConfigError) as info:
        parse_config('<View><Text name="a" value="$a"/><Text name="b" value="$b"/><TextArea name="t"/></View>')
    assert info.value.hint == 'add toName=… naming the object it labels: "a", "b"'


def test_a_rating_without_to_name_labels_the_one_object_before_it():
    spec = parse_config('<View><Text name="text" value="$text"/><Rating name="r"/></View>')
    assert spec.controls["r"]["toName"] == ["text"]


def test_pairwise_needs_two_different_objects():
    with pytest.raises(ConfigError) as info:
        parse_config('<View><Text name="a" value="$a"/><Pairwise name="p" toName="a,a"/></View>')
    assert "Pairwise compares two objects" in info.value.message


DYNAMIC = """<View>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text" value="$options">
    <Choice value="other"/>
  </Choices>
</View>"""


def test_dynamic_options_without_their_column_warn_and_keep_the_static_children():
    spec = parse_config(DYNAMIC)
    with pytest.warns(UserWarning, match=r"takes its options from \$options.*no column 'options'"):
        assert spec.bind(["text"]) == {"text": "text"}
    assert spec.controls["topic"]["labels"] == ["other"]


def test_dynamic_options_with_their_column_bind_without_a_warning():
    spec = parse_config(DYNAMIC)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert spec.bind(["text", "options"]) == {"text": "text", "options": "options"}


def test_a_variable_that_is_also_shown_stays_required():
    spec = parse_config(DYNAMIC.replace("<View>", '<View><Header value="$options"/>', 1))
    with pytest.raises(ConfigError, match="no column 'options'"):
        spec.bind(["text"])


def test_a_labeler_on_a_frame_without_the_options_column_opens_with_the_static_choice(tmp_path):
    import pandas as pd

    from nblabel import Labeler

    with pytest.warns(UserWarning, match=r"\$options"):
        lab = Labeler(pd.DataFrame({"text": ["a", "b"]}), DYNAMIC, store=tmp_path / "s.db")
    assert lab.window["tasks"][0]["data"] == {"text": "a"}


def test_a_filter_hotkey_focuses_the_filter_of_its_control():
    spec = parse_config(
        '<View><Text name="text" value="$text"/><Filter toName="animal" hotkey="shift+f"/>'
        '<Choices name="animal" toName="text"><Choice value="Cat"/></Choices></View>'
    )
    assert spec.hotkeys["shift+f"] == {"control": "animal", "value": None, "action": "filter"}

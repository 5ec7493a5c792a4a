"""The Labeler widget without a kernel: traits a new view needs, and the message round trip."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import nblabel
from nblabel import ConfigError, Labeler, LabelerWarning

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
</View>"""


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def __call__(self, data, buffers=None) -> None:  # replaces widget.comm.send
        self.sent.append(data)


def front_end_sends(widget: Labeler, content: dict) -> list[dict]:
    """Deliver one custom message as the front end would, return every message sent back."""
    rec = Recorder()
    widget.comm.send = rec
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})
    return [m["content"] if m.get("method") == "custom" else m for m in rec.sent]


@pytest.fixture
def lab(tmp_path) -> Labeler:
    df = nblabel.load_reviews()
    return Labeler(df, CONFIG, store=tmp_path / "labels.db", annotator="ana")


def test_a_new_view_gets_spec_window_and_progress_as_traits(lab):
    state = lab.get_state()
    assert state["spec"]["controls"]["sentiment"]["type"] == "choices"
    assert state["total"] == 500 and state["start"] == 0 and state["done"] == 0
    assert 0 < len(state["window"]["tasks"]) <= 200
    assert state["settings"]["annotator"] == "ana"


def test_the_synced_state_stays_small_whatever_the_dataset_size(tmp_path):
    big = pd.DataFrame({"review": ["x" * 100] * 1_000_000})
    lab = Labeler(big, CONFIG, store=tmp_path / "big.db")
    state = lab.get_state()
    # the front end's code (_esm, _css) is the same for every dataset: it has its own budget
    code = len(state.pop("_esm")) + len(state.pop("_css"))
    size = len(json.dumps(state, default=str))
    assert lab.total == 1_000_000
    assert size < 100_000, size
    assert code < 250_000, code


def test_a_save_message_is_acked_with_progress(lab):
    result = [
        {"id": "a", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}
    ]
    # exactly one message back: the ack (no trait update rides along per save)
    [reply] = front_end_sends(lab, {"type": "save", "seq": 1, "pos": 0, "task_id": 0, "result": result})
    assert reply == {"type": "ack", "seq": 1, "task_id": 0, "done": 1, "skipped": 0}
    assert lab.done == 1 and lab.get_state()["done"] == 1  # a view opened later sees the count
    assert lab.to_dataframe().loc[0, "sentiment"] == "positive"


def test_a_bad_save_is_reported_in_the_widget_and_as_a_warning(lab):
    bad = [{"id": "a", "from_name": "nope", "to_name": "text", "type": "choices", "value": {"choices": ["x"]}}]
    with pytest.warns(LabelerWarning, match="nope"):
        sent = front_end_sends(lab, {"type": "save", "seq": 4, "pos": 0, "task_id": 0, "result": bad})
    [reply] = [m for m in sent if m.get("type") == "error"]
    assert reply["seq"] == 4
    assert "nope" in lab.error and lab.errors == [reply["message"]]
    assert lab.progress.done == 0


def test_missing_column_names_the_closest_ones(tmp_path):
    df = pd.DataFrame({"reviews": ["a"]})
    with pytest.raises(ConfigError, match="reviews"):
        Labeler(df, CONFIG, store=tmp_path / "x.db")


def test_a_non_dataframe_is_refused_clearly(tmp_path):
    with pytest.raises(TypeError, match="DataFrame"):
        Labeler([{"review": "a"}], CONFIG, store=tmp_path / "x.db")


def test_repr_is_stable_for_notebook_outputs(lab):
    assert repr(lab) == "Labeler(500 tasks, 0 labeled, controls: sentiment, store='labels.db')"


def test_set_data_with_appended_rows_keeps_labels(lab):
    result = [
        {"id": "a", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["negative"]}}
    ]
    front_end_sends(lab, {"type": "save", "seq": 1, "pos": 0, "task_id": 0, "result": result})
    df = pd.concat([nblabel.load_reviews(), pd.DataFrame({"review": ["brand new"]}, index=[500])])
    lab.set_data(df)
    assert lab.total == 501 and lab.done == 1 and lab.start == 1
    assert lab.to_dataframe().loc[0, "sentiment"] == "negative"


# ---- a failed construction, and what a new user reads ------------------------------------


@pytest.mark.parametrize(
    "config, columns",
    [
        ("<View><Text name='t' value='$review'/><Choise name='c' toName='t'/></View>", None),  # bad config
        (CONFIG.replace("$review", "$reveiw"), None),  # $var without a column
        (CONFIG, {"review": "nope"}),  # columns= names no column
    ],
)
def test_a_labeler_that_fails_with_a_config_error_leaves_no_file_behind(tmp_path, monkeypatch, config, columns):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError):
        Labeler(nblabel.load_reviews(), config, columns=columns)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_duplicate_index_fails_before_the_store_is_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="duplicate"):
        Labeler(pd.DataFrame({"review": ["a", "b"]}, index=[1, 1]), CONFIG)
    assert list(tmp_path.iterdir()) == []


def test_a_config_error_carries_no_nblabel_frames(tmp_path):
    with pytest.raises(ConfigError) as info:
        Labeler(nblabel.load_reviews(), CONFIG.replace("Choices", "Choises"), store=tmp_path / "x.db")
    frames = [f.filename for f in __import__("traceback").extract_tb(info.value.__traceback__)]
    # only this test's frame and the one line of Labeler.__init__ that re-raises it
    assert sum("nblabel" in f and "tests" not in f for f in frames) <= 1, frames
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unsupported_tags_are_named_in_one_warning_at_construction(tmp_path):
    config = CONFIG.replace("</View>", '<Image name="img" value="$review"/><Video name="v" value="$review"/></View>')
    with pytest.warns(LabelerWarning, match="not rendered yet.*Image, Video") as record:
        Labeler(nblabel.load_reviews(), config, store=tmp_path / "x.db")
    assert len([w for w in record if issubclass(w.category, LabelerWarning)]) == 1


def test_help_shows_the_real_signature_and_documented_traits():
    import inspect
    import pydoc

    sig = inspect.signature(Labeler)
    assert list(sig.parameters)[:2] == ["df", "config"]
    assert sig.parameters["store"].kind is inspect.Parameter.KEYWORD_ONLY
    text = pydoc.render_doc(Labeler, renderer=pydoc.plaintext)
    head = text[: text.index("Method resolution order")]
    assert "Label the rows of a DataFrame" in head and "*, store" in head
    assert "Public constructor" not in text
    own = text[: text.index("inherited from")]
    for trait in ("spec", "window", "start", "total", "done", "skipped", "settings", "error"):
        assert Labeler.class_traits()[trait].help, trait
        assert Labeler.class_traits()[trait].help in own


def test_the_repr_is_one_short_line(lab):
    assert repr(lab) == "Labeler(500 tasks, 0 labeled, controls: sentiment, store='labels.db')"

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
    # the front-end code (`_esm`, `_css`) is the same for every dataset; the data must stay small
    state.pop("_esm")
    state.pop("_css")
    size = len(json.dumps(state, default=str))
    assert lab.total == 1_000_000
    assert size < 100_000, size


def test_a_save_message_is_acked_with_progress(lab):
    result = [{"id": "a", "from_name": "sentiment", "to_name": "text", "type": "choices",
               "value": {"choices": ["positive"]}}]
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
    result = [{"id": "a", "from_name": "sentiment", "to_name": "text", "type": "choices",
               "value": {"choices": ["negative"]}}]
    front_end_sends(lab, {"type": "save", "seq": 1, "pos": 0, "task_id": 0, "result": result})
    df = pd.concat([nblabel.load_reviews(), pd.DataFrame({"review": ["brand new"]}, index=[500])])
    lab.set_data(df)
    assert lab.total == 501 and lab.done == 1 and lab.start == 1
    assert lab.to_dataframe().loc[0, "sentiment"] == "negative"

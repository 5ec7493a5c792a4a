"""Review mode: the reviewer's queue is the flagged tasks, each with every annotator's labels;
accept / reject / fix reach the store through the `review` message (and a fix through a save)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from nblabel import Labeler, parse_config
from nblabel.session import LabelSession
from nblabel.store import Store

CONFIG = """
<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/>
    <Choice value="negative"/>
  </Choices>
</View>
"""


def choice(value: str) -> list[dict]:
    return [{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame({"review": ["great", "awful", "so so", "fine"]}, index=[10, 11, 12, 13])


@pytest.fixture
def store(tmp_path, df) -> Store:
    """Two annotators labeled tasks 10..12; 11 and 12 disagree; 10, 11, 12 are flagged."""
    s = Store(tmp_path / "team.db")
    for i, (ana, bo) in zip(df.index, [("positive", "positive"), ("negative", "positive"), ("positive", "negative")]):
        s.save(i, {"review": df.review[i]}, choice(ana), annotator="ana")
        s.save(i, {"review": df.review[i]}, choice(bo), annotator="bo")
    s.flag_for_review([10, 11, 12], "random")
    return s


def review_session(df: pd.DataFrame, store: Store) -> LabelSession:
    spec = parse_config(CONFIG)
    flagged = df[[str(i) in store.reviews() for i in df.index]]
    return LabelSession(flagged, spec, store, annotator="rita", mapping=spec.bind(list(df.columns)), mode="review")


def test_review_window_entries_carry_every_annotators_labels_and_the_review(df, store):
    s = review_session(df, store)
    entries = s.window(s.start_position())["tasks"]
    assert [e["id"] for e in entries] == [10, 11, 12]
    first = entries[1]
    assert [(o["annotator"], o["result"][0]["value"]["choices"], o["consensus"]) for o in first["others"]] == [
        ("ana", ["negative"], False),
        ("bo", ["positive"], False),
    ]
    assert first["review"] == {"state": "pending", "comment": None, "reviewer": None}
    assert first["annotation"] is None  # no consensus yet: nothing to edit but a fix


def test_label_mode_entries_have_no_others(df, store):
    spec = parse_config(CONFIG)
    s = LabelSession(df, spec, store, annotator="ana", mapping=spec.bind(list(df.columns)))
    assert all("others" not in e and "review" not in e for e in s.window(0)["tasks"])


def test_review_messages_reach_the_store_and_count_as_progress(df, store):
    s = review_session(df, store)
    assert s.progress.done == 0 and s.start_position() == 0
    ack = s.handle({"type": "review", "seq": 1, "task_id": 10, "decision": "accept", "comment": ""})
    assert ack == {
        "type": "ack",
        "kind": "review",
        "seq": 1,
        "task_id": 10,
        "done": 1,
        "skipped": 0,
        "review": {"state": "accepted", "comment": None, "reviewer": "rita"},
    }
    ack = s.handle(
        {"type": "review", "seq": 2, "task_id": 11, "decision": "reject", "comment": "both are wrong: it is sarcasm"}
    )
    assert ack["review"] == {"state": "rejected", "comment": "both are wrong: it is sarcasm", "reviewer": "rita"}
    # a fix by the usual label keys is a save: it becomes the consensus annotation
    ack = s.handle(
        {"type": "save", "seq": 3, "pos": 2, "task_id": 12, "result": choice("negative"), "was_cancelled": False}
    )
    assert ack["type"] == "ack" and ack["done"] == 3 and ack["review"]["state"] == "fixed"
    reviews = store.reviews()
    assert [reviews[k]["state"] for k in ("10", "11", "12")] == ["accepted", "rejected", "fixed"]
    assert store.annotation(12, "consensus")["result"] == choice("negative")
    assert store.annotation(12, "rita") is None  # the reviewer's fix is not a third vote
    # the window now shows the fix as the consensus, marked among the others
    entry = s.window(0)["tasks"][2]
    assert entry["annotation"]["result"] == choice("negative")
    assert [o["annotator"] for o in entry["others"] if o["consensus"]] == ["consensus"]
    # a reopened review knows what was reviewed
    assert review_session(df, store).progress.done == 3


def test_bad_review_messages_are_refused_and_store_nothing(df, store):
    s = review_session(df, store)
    bad = s.handle({"type": "review", "seq": 1, "task_id": 10, "decision": "maybe"})
    assert bad["type"] == "error" and bad["kind"] == "review" and "accept" in bad["message"]
    bad = s.handle({"type": "review", "seq": 2, "task_id": 13, "decision": "accept"})
    assert bad["type"] == "error" and "13" in bad["message"]  # not flagged: not in this review
    bad = s.handle({"type": "save", "seq": 3, "pos": 0, "task_id": 10, "result": [], "was_cancelled": False})
    assert bad["type"] == "error" and "fix needs a label" in bad["message"]
    bad = s.handle(
        {
            "type": "save",
            "seq": 4,
            "pos": 0,
            "task_id": 10,
            "result": [{**choice("positive")[0], "value": {"choices": ["nope"]}}],
        }
    )
    assert bad["type"] == "error"
    assert all(r["state"] == "pending" for r in store.reviews().values())
    assert store.annotation(10, "consensus") is None and s.progress.done == 0


def test_labeler_review_mode_walks_the_flagged_rows_and_the_dataframe_shows_every_row(df, store):
    lab = Labeler(df, CONFIG, store=store, annotator="rita", mode="review")
    assert lab.total == 3 and lab.settings["mode"] == "review" and lab.settings["review_key"] == "a"
    assert [t["id"] for t in lab.window["tasks"]] == [10, 11, 12]
    lab._on_msg(lab, {"type": "review", "seq": 1, "task_id": 11, "decision": "reject", "comment": "sarcasm"}, [])
    assert lab.done == 1
    frame = lab.to_dataframe()
    assert len(frame) == 4  # every row, not only the reviewed ones
    assert frame.loc[11, "review_state"] == "rejected" and frame.loc[11, "review_comment"] == "sarcasm"
    assert pd.isna(frame.loc[13, "review_state"])


def test_labeler_review_mode_with_nothing_flagged_warns(tmp_path, df):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lab = Labeler(df, CONFIG, store=tmp_path / "empty.db", mode="review")
    assert lab.total == 0 and any("review_sample" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="mode"):
        Labeler(df, CONFIG, store=tmp_path / "x.db", mode="judge")

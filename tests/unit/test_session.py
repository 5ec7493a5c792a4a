"""The labeling session: what the browser is sent, how saves are committed and acked."""

from __future__ import annotations

import pandas as pd
import pytest

from nblabel import parse_config
from nblabel.session import LabelSession
from nblabel.store import Store

CONFIG = """
<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive" hotkey="1"/>
    <Choice value="negative" hotkey="2"/>
  </Choices>
</View>
"""


def choice(value: str) -> list[dict]:
    return [{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {"review": [f"review {i}" for i in range(50)], "extra": range(50)}, index=[100 + i for i in range(50)]
    )


def session(df: pd.DataFrame, path, annotator: str = "ana", chunk: int = 20) -> LabelSession:
    spec = parse_config(CONFIG)
    return LabelSession(df, spec, Store(path), annotator=annotator, mapping=spec.bind(list(df.columns)), chunk=chunk)


def save(s: LabelSession, pos: int, value: str | None, seq: int, cancelled: bool = False) -> dict:
    return s.handle(
        {
            "type": "save",
            "seq": seq,
            "pos": pos,
            "task_id": s.source.task_id(pos),
            "result": choice(value) if value else [],
            "was_cancelled": cancelled,
            "lead_time": 1.5,
        }
    )


def test_window_holds_only_the_configs_variables_for_a_chunk(df, tmp_path):
    s = session(df, tmp_path / "s.db", chunk=20)
    w = s.window(0)
    assert (w["from"], w["to"]) == (0, 20)
    assert [t["pos"] for t in w["tasks"]] == list(range(20))
    assert w["tasks"][3] == {"pos": 3, "id": 103, "data": {"review": "review 3"}, "annotation": None, "predictions": []}


def test_a_save_is_committed_before_its_ack_and_counts_as_done(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    reply = save(s, 0, "positive", seq=1)
    assert reply == {"type": "ack", "seq": 1, "task_id": 100, "done": 1, "skipped": 0}
    with Store(tmp_path / "s.db") as other:  # a second connection sees the committed row
        assert other.annotation(100, "ana")["result"] == choice("positive")


def test_a_reopened_session_starts_at_the_first_unlabeled_task(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    for pos in range(3):
        save(s, pos, "negative", seq=pos + 1)
    save(s, 3, None, seq=4, cancelled=True)
    again = session(df, tmp_path / "s.db")
    assert again.start_position() == 4
    assert (again.progress.done, again.progress.skipped, again.progress.total) == (3, 1, 50)
    assert again.window(0)["tasks"][1]["annotation"] == {"result": choice("negative"), "was_cancelled": False}


def test_clearing_a_label_makes_the_task_unlabeled_again(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    save(s, 0, "positive", seq=1)
    reply = save(s, 0, None, seq=2)
    assert reply["done"] == 0
    assert s.start_position() == 0
    assert s.store.annotation(100, "ana") is None


def test_seek_skips_labeled_tasks_and_reports_the_gap(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    for pos in range(10, 15):
        save(s, pos, "positive", seq=pos)
    reply = s.handle({"type": "seek", "req": 7, "from": 10, "count": 3})
    assert reply["skip"] == [10, 15]
    assert (reply["from"], reply["to"]) == (15, 18)
    assert [t["pos"] for t in reply["tasks"]] == [15, 16, 17]


def test_seek_past_the_last_unlabeled_task_says_so(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    save(s, 49, "positive", seq=1)
    reply = s.handle({"type": "seek", "req": 1, "from": 49, "count": 5})
    assert reply["tasks"] == [] and reply["skip"] == [49, 50]


def test_need_is_clipped_to_the_data_and_to_two_chunks(df, tmp_path):
    s = session(df, tmp_path / "s.db", chunk=10)
    reply = s.handle({"type": "need", "req": 2, "from": 5, "to": 500})
    assert (reply["from"], reply["to"], len(reply["tasks"])) == (5, 25, 20)


def test_a_result_that_does_not_fit_the_config_is_refused_and_not_stored(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    reply = s.handle({"type": "save", "seq": 9, "pos": 0, "task_id": 100, "result": choice("meh")})
    assert reply["type"] == "error" and reply["seq"] == 9
    assert "meh" in reply["message"]
    assert s.store.annotation(100, "ana") is None


def test_a_save_for_a_task_that_moved_is_refused(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    reply = s.handle({"type": "save", "seq": 3, "pos": 0, "task_id": 999, "result": choice("positive")})
    assert reply["type"] == "error" and "999" in reply["message"]


def test_appended_rows_keep_every_existing_label(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    for pos in range(5):
        save(s, pos, "positive", seq=pos + 1)
    more = pd.concat([df, pd.DataFrame({"review": ["new one"], "extra": [0]}, index=[999])])
    again = session(more, tmp_path / "s.db")
    assert again.progress.total == 51 and again.progress.done == 5
    wide = again.to_dataframe()
    assert wide["sentiment"].notna().sum() == 5 and wide.loc[999, "review"] == "new one"


def test_annotators_do_not_see_each_others_labels(df, tmp_path):
    ana = session(df, tmp_path / "s.db", annotator="ana")
    save(ana, 0, "positive", seq=1)
    bob = session(df, tmp_path / "s.db", annotator="bob")
    assert bob.start_position() == 0 and bob.progress.done == 0
    long = bob.to_dataframe(form="long", annotator="*")
    assert list(long["annotator"]) == ["ana"]


def test_annotations_are_label_studio_task_json(df, tmp_path):
    s = session(df, tmp_path / "s.db")
    save(s, 2, "negative", seq=1)
    [task] = s.annotations()
    assert task["id"] == 102
    assert task["data"] == {"review": "review 2", "extra": 2}
    [ann] = task["annotations"]
    assert ann["result"] == choice("negative") and ann["completed_by"] == "ana"
    assert ann["was_cancelled"] is False and ann["lead_time"] == 1.5


def test_saves_from_the_comm_thread_and_reads_from_cells_do_not_interfere(df, tmp_path):
    # JupyterLab runs widget messages on a kernel subshell thread, user cells on the main thread.
    import threading

    s = session(df, tmp_path / "s.db")
    errors: list[BaseException] = []

    def label_all() -> None:
        try:
            for pos in range(50):
                assert save(s, pos, "positive", seq=pos + 1)["type"] == "ack"
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    worker = threading.Thread(target=label_all)
    worker.start()
    while worker.is_alive():
        p = s.progress
        assert p.done + p.remaining == 50
        s.to_dataframe()
    worker.join()
    assert not errors
    assert s.progress.done == 50 and s.to_dataframe()["sentiment"].notna().sum() == 50

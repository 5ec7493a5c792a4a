"""The SQLite store: what a save writes, what survives, and how bad paths fail.

Everything here runs against real SQLite files in tmp_path (and one real child process).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import nblabel
from nblabel.store import SCHEMA_VERSION, Store, StoreError, default_store_path


def choice(value: str, name: str = "sentiment") -> list[dict]:
    return [{"id": "r1", "from_name": name, "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "labels.db"


@pytest.fixture
def store(path: Path):
    with Store(path) as s:
        yield s


# ---- round trips ----------------------------------------------------------------------------


def test_a_saved_annotation_is_there_after_reopening_the_file(path):
    with Store(path) as s:
        s.save(7, {"text": "good"}, choice("positive"), annotator="ana", lead_time=2.5, seq=1)
    with Store(path) as again:  # a kernel restart: a fresh connection to the same file
        ann = again.annotation(7, "ana")
    assert ann is not None
    assert ann["task_id"] == "7"
    assert ann["result"] == choice("positive")
    assert ann["was_cancelled"] is False
    assert ann["lead_time"] == 2.5


def test_save_returns_the_stored_annotation_with_utc_iso_times(store):
    ann = store.save(1, {"text": "x"}, choice("positive"), annotator="ana")
    assert set(ann) == {
        "id",
        "task_id",
        "annotator",
        "result",
        "was_cancelled",
        "lead_time",
        "created_at",
        "updated_at",
    }
    assert isinstance(ann["id"], int)
    assert ann == store.annotation(1, "ana")
    created = dt.datetime.fromisoformat(ann["created_at"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.timezone.utc) - created) < dt.timedelta(minutes=1)


def test_saving_again_replaces_the_result_and_keeps_id_and_created_at(store):
    first = store.save(1, {"text": "x"}, choice("positive"), annotator="ana")
    second = store.save(1, {"text": "x"}, choice("negative"), annotator="ana")
    assert second["result"] == choice("negative")
    assert second["id"] == first["id"]
    assert second["created_at"] == first["created_at"]
    assert second["updated_at"] >= first["updated_at"]
    assert len(store.annotations()) == 1


def test_lead_time_none_keeps_the_previous_lead_time(store):
    store.save(1, {}, choice("positive"), annotator="ana", lead_time=3.0)
    assert store.save(1, {}, choice("negative"), annotator="ana")["lead_time"] == 3.0
    assert store.save(1, {}, choice("negative"), annotator="ana", lead_time=4.0)["lead_time"] == 4.0


def test_task_ids_of_different_types_that_read_the_same_are_one_task(store):
    store.save(np.int64(5), {}, choice("positive"), annotator="ana")
    assert store.annotation(5, "ana") is not None
    assert store.annotation("5", "ana") is not None
    assert store.annotation(5.0, "ana") is not None  # a JSON round trip turns 5 into 5.0 or back
    store.save("5", {}, choice("negative"), annotator="ana")
    assert [a["result"] for a in store.annotations()] == [choice("negative")]


def test_unicode_and_emoji_text_round_trip_exactly(path):
    text = "Größe 👍🏽 naïve — 日本語 \u200d👩‍👩‍👧 \"quotes\" 'and' \\ backslash\nnew line"
    result = [{"id": "t1", "from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": [text]}}]
    with Store(path) as s:
        s.save("clé-✓", {"text": text}, result, annotator="zoë 🐙")
    with Store(path) as s:
        ann = s.annotation("clé-✓", "zoë 🐙")
        assert ann["result"][0]["value"]["text"] == [text]
        assert s.tasks() == [{"id": "clé-✓", "data": {"text": text}}]
    raw = sqlite3.connect(path).execute("SELECT result FROM annotations").fetchone()[0]
    assert "👍🏽" in raw  # stored as readable UTF-8 JSON, not \\u escapes


def test_annotators_keep_separate_annotations_of_the_same_task(store):
    store.save(1, {}, choice("positive"), annotator="ana")
    store.save(1, {}, choice("negative"), annotator="ben")
    assert store.annotation(1, "ana")["result"] == choice("positive")
    assert store.annotation(1, "ben")["result"] == choice("negative")
    assert [a["annotator"] for a in store.annotations()] == ["ana", "ben"]
    assert [a["annotator"] for a in store.annotations("ben")] == ["ben"]
    assert store.counts("ana") == (1, 0)


def test_projects_in_one_file_do_not_see_each_other(path):
    with Store(path, project="a") as a, Store(path, project="b") as b:
        a.save(1, {"t": "a"}, choice("positive"), annotator="ana")
        assert b.annotation(1, "ana") is None
        assert b.annotations() == [] and b.tasks() == [] and b.history() == []
        b.save(1, {"t": "b"}, choice("negative"), annotator="ana")
        assert a.annotation(1, "ana")["result"] == choice("positive")


def test_the_task_snapshot_is_stored_with_each_save_as_label_studio_task_json(store):
    store.save(3, {"text": "first", "n": np.int64(2), "score": float("nan")}, choice("positive"), annotator="ana")
    store.save(3, {"text": "edited"}, choice("positive"), annotator="ana")
    store.save("b", {"text": "other"}, [], annotator="ana", was_cancelled=True)
    assert store.tasks() == [{"id": "3", "data": {"text": "edited"}}, {"id": "b", "data": {"text": "other"}}]


# ---- skip / clear / history -----------------------------------------------------------------


def test_an_empty_result_clears_the_annotation(store):
    store.save(1, {}, choice("positive"), annotator="ana")
    assert store.save(1, {}, [], annotator="ana") == {}
    assert store.annotation(1, "ana") is None
    assert store.annotated("ana") == {}
    assert store.counts("ana") == (0, 0)


def test_a_skip_is_stored_as_cancelled_and_counted_apart_from_done(store):
    ann = store.save(1, {}, [], annotator="ana", was_cancelled=True)
    store.save(2, {}, choice("positive"), annotator="ana")
    assert ann["was_cancelled"] is True and ann["result"] == []
    assert store.counts("ana") == (1, 1)
    assert store.annotated("ana") == {"1": True, "2": False}


def test_labeling_a_skipped_task_turns_the_skip_into_done(store):
    store.save(1, {}, [], annotator="ana", was_cancelled=True)
    store.save(1, {}, choice("positive"), annotator="ana")
    assert store.counts("ana") == (1, 0)
    assert store.annotated("ana") == {"1": False}


def test_every_save_skip_and_clear_appends_a_history_row_with_its_seq(store):
    store.save(1, {}, choice("positive"), annotator="ana", seq=1)
    store.save(1, {}, choice("negative"), annotator="ana", seq=2)
    store.save(1, {}, [], annotator="ana", was_cancelled=True, seq=3)
    store.save(1, {}, [], annotator="ana", seq=4)
    store.save(2, {}, choice("positive"), annotator="ben")
    rows = store.history(1)
    assert [(r["action"], r["seq"], r["annotator"]) for r in rows] == [
        ("save", 1, "ana"),
        ("save", 2, "ana"),
        ("skip", 3, "ana"),
        ("clear", 4, "ana"),
    ]
    assert rows[1]["result"] == choice("negative")
    assert [r["was_cancelled"] for r in rows] == [False, False, True, False]
    assert all(r["task_id"] == "1" for r in rows)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert len(store.history()) == 5
    assert store.history(2)[0]["seq"] is None


def test_a_save_that_fails_leaves_no_trace(store):
    store.save(1, {}, choice("positive"), annotator="ana")
    bad = [{"from_name": "score", "to_name": "text", "type": "number", "value": {"number": float("nan")}}]
    with pytest.raises(ValueError):
        store.save(1, {}, bad, annotator="ana")  # NaN is not JSON
    assert store.annotation(1, "ana")["result"] == choice("positive")
    assert len(store.history()) == 1


def test_a_result_that_is_not_a_list_raises_type_error_naming_the_task(store):
    with pytest.raises(TypeError, match="task 'row-9'.*list"):
        store.save("row-9", {}, {"choices": ["x"]}, annotator="ana")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="task '4'"):
        store.save(4, {}, ["positive"], annotator="ana")  # type: ignore[list-item]
    assert store.history() == []


# ---- predictions ----------------------------------------------------------------------------


def test_predictions_are_kept_one_per_task_and_model_version(store):
    n = store.add_predictions(
        [
            (1, choice("positive"), 0.6, "v1"),
            (1, choice("negative"), np.float64(0.9), "v1"),  # replaces the first
            (1, choice("positive"), None, "v2"),
            (np.int64(2), choice("negative"), 0.1, "v1"),
            (3, choice("negative"), float("nan"), "v1"),
        ]
    )
    assert n == 5
    preds = store.predictions([1, "2", 3])
    assert preds["1"] == [
        {"result": choice("negative"), "score": 0.9, "model_version": "v1"},
        {"result": choice("positive"), "score": None, "model_version": "v2"},
    ]
    assert preds["2"] == [{"result": choice("negative"), "score": 0.1, "model_version": "v1"}]
    assert preds["3"] == [{"result": choice("negative"), "score": None, "model_version": "v1"}]
    assert store.predictions([4]) == {"4": []}


def test_predictions_for_many_tasks_come_back_in_one_call(store):
    store.add_predictions((i, choice("positive"), i / 2000, "v1") for i in range(1500))
    preds = store.predictions(range(1500))
    assert len(preds) == 1500
    assert preds["1499"][0]["score"] == pytest.approx(1499 / 2000)


def test_a_prediction_result_that_is_not_a_list_raises_type_error(store):
    with pytest.raises(TypeError, match="task '1'"):
        store.add_predictions([(1, "positive", 0.5, "v1")])  # type: ignore[list-item]
    assert store.predictions([1]) == {"1": []}


# ---- durability and concurrency -------------------------------------------------------------

CHILD = textwrap.dedent("""
    import sys
    from nblabel.store import Store
    store = Store(sys.argv[1])
    result = [{"id": "r", "from_name": "sentiment", "to_name": "text", "type": "choices",
               "value": {"choices": ["positive"]}}]
    for i in range(100_000):
        store.save(i, {"text": f"row {i}"}, result, annotator="ana", seq=i)
        print(f"saved {i}", flush=True)
""")


def test_save_is_durable_when_the_process_is_killed(path):
    """Every save whose return the child printed must be in the file after a SIGKILL."""
    root = Path(nblabel.__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=path.parent,
    )
    printed: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            printed.append(int(line.split()[1]))
            if len(printed) == 40:
                child.send_signal(signal.SIGKILL)  # mid-stream, no chance to clean up
                break
        rest, err = child.communicate(timeout=60)  # lines already written before the kill
    finally:
        if child.poll() is None:
            child.kill()
    printed += [int(line.split()[1]) for line in rest.splitlines() if line.startswith("saved ")]
    assert child.returncode == -signal.SIGKILL, err
    assert len(printed) < 100_000, "the child finished before it was killed"
    with Store(path) as s:
        stored = s.annotated("ana")
        assert {str(i) for i in printed} <= set(stored)
        assert len(s.history()) >= len(printed)


def test_two_stores_on_one_file_see_each_others_saves(path):
    with Store(path) as first, Store(path) as second:  # two notebooks on one file
        first.save(1, {}, choice("positive"), annotator="ana")
        assert second.annotation(1, "ana")["result"] == choice("positive")
        second.save(1, {}, choice("negative"), annotator="ana")
        assert first.annotation(1, "ana")["result"] == choice("negative")
        assert first.counts("ana") == second.counts("ana") == (1, 0)


def test_two_stores_writing_at_once_lose_no_save(path):
    stores = [Store(path), Store(path)]
    errors: list[BaseException] = []

    def work(s: Store, who: str) -> None:
        try:
            for i in range(150):
                s.save(i, {"i": i}, choice("positive"), annotator=who, seq=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, f"user{n}")) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(path) as s:
        assert s.counts("user0") == s.counts("user1") == (150, 0)
        assert len(s.history()) == 300
    for s in stores:
        s.close()


def test_one_store_can_be_used_from_several_threads(store):
    def work(offset: int) -> None:
        for i in range(100):
            store.save(offset + i, {}, choice("positive"), annotator="ana")
            store.counts("ana")

    threads = [threading.Thread(target=work, args=(n * 1000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts("ana") == (400, 0)


def test_the_file_is_in_wal_mode_with_full_sync_and_a_busy_timeout(store, path):
    conn = store._conn  # the store's own connection: synchronous is per connection
    assert conn is not None
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent


# ---- opening: paths, schema, lifetime -------------------------------------------------------


def test_missing_folders_are_created(tmp_path):
    target = tmp_path / "a" / "b" / "labels.db"
    with Store(target) as s:
        assert s.path == target
        s.save(1, {}, choice("positive"), annotator="ana")
    assert target.is_file()


def test_a_new_store_records_its_schema_version(path):
    Store(path).close()
    rows = dict(sqlite3.connect(path).execute("SELECT key, value FROM meta").fetchall())
    assert rows["schema_version"] == str(SCHEMA_VERSION)
    assert rows["app"] == "nblabel"
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "tasks", "annotations", "predictions", "history"} <= tables
    columns = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(annotations)")}
    assert {"server_id", "was_cancelled", "lead_time", "updated_at"} <= columns


def test_a_store_written_by_a_newer_nblabel_is_refused(path):
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer nblabel") as info:
        Store(path)
    assert str(path) in str(info.value)
    assert "upgrade" in str(info.value)


def test_a_directory_is_refused_naming_it(tmp_path):
    with pytest.raises(StoreError, match="directory") as info:
        Store(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_a_text_file_is_refused_naming_it(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("these are my notes, not a database\n" * 20)
    with pytest.raises(StoreError, match="not an nblabel store") as info:
        Store(notes)
    assert str(notes) in str(info.value)
    assert notes.read_text().startswith("these are my notes")  # untouched


def test_another_programs_sqlite_file_is_refused(tmp_path):
    other = tmp_path / "app.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
    with pytest.raises(StoreError, match="not an nblabel store.*users") as info:
        Store(other)
    assert str(other) in str(info.value)
    with sqlite3.connect(other) as conn:  # refused without being touched (still not in WAL mode)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["users"]


def test_a_path_below_a_file_is_refused_naming_it(tmp_path):
    blocker = tmp_path / "data.csv"
    blocker.write_text("a,b\n")
    target = blocker / "labels.db"
    with pytest.raises(StoreError) as info:
        Store(target)
    assert str(target) in str(info.value)
    assert "is a file" in str(info.value)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_folder_is_refused_naming_the_path(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError) as info:
            Store(folder / "labels.db")
        assert str(folder / "labels.db") in str(info.value)
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/version").exists(), reason="needs Linux /proc")
def test_an_unwritable_file_is_refused_naming_it():
    with pytest.raises(StoreError, match="/proc/version"):
        Store("/proc/version")  # read-only even for root


def test_default_store_path_is_nblabel_db_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_store_path() == tmp_path / "nblabel.db"


def test_a_closed_store_says_so(path):
    s = Store(path)
    s.close()
    s.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        s.annotations()
    with Store(path) as s2:
        pass
    with pytest.raises(StoreError, match="closed"):
        s2.save(1, {}, choice("positive"), annotator="ana")


def test_an_in_memory_store_works_for_throwaway_use():
    with Store(":memory:") as s:
        s.save(1, {}, choice("positive"), annotator="ana")
        assert s.counts("ana") == (1, 0)


# ---- schema v2: Label Studio sync tables ----------------------------------------------------


def test_a_version_1_store_is_migrated_to_version_2_keeping_everything(path, monkeypatch):
    import nblabel.store as store_module

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 1)  # the v1 code path: migrations up to 1
    with Store(path) as old:
        old.save(1, {"text": "a"}, choice("positive"), annotator="ana", lead_time=2.0, seq=1)
        old.save(2, {"text": "b"}, [], annotator="ana", was_cancelled=True, seq=2)
        old.add_predictions([(1, choice("negative"), 0.5, "v1")])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "links" not in tables and "pending" not in tables
    monkeypatch.undo()

    with Store(path) as s:
        assert [(a["task_id"], a["result"], a["was_cancelled"], a["lead_time"]) for a in s.annotations()] == [
            ("1", choice("positive"), False, 2.0),
            ("2", [], True, None),
        ]
        assert [h["seq"] for h in s.history()] == [1, 2]
        assert s.predictions([1]) == {"1": [{"result": choice("negative"), "score": 0.5, "model_version": "v1"}]}
        store_id = s.store_id
        s.save(3, {"text": "c"}, choice("neutral"), annotator="ana")
    assert len(store_id) == 32 and int(store_id, 16) >= 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"links", "pending", "reviews"} <= tables
    with Store(path) as again:
        assert again.store_id == store_id  # made once, by the migration
        assert again.counts("ana") == (2, 1)


def test_every_store_gets_its_own_store_id(tmp_path):
    with Store(tmp_path / "a.db") as a, Store(tmp_path / "b.db") as b:
        assert a.store_id != b.store_id


def test_fingerprints_ignore_key_order_but_not_content():
    from nblabel.store import annotation_fingerprint, fingerprint

    a = [{"id": "x", "type": "choices", "value": {"choices": ["a"]}}]
    b = [{"value": {"choices": ["a"]}, "type": "choices", "id": "x"}]
    assert fingerprint(a) == fingerprint(b)
    assert annotation_fingerprint(a, False) == annotation_fingerprint(b, 0)
    assert annotation_fingerprint(a, True) != annotation_fingerprint(a, False)
    assert fingerprint(a) != fingerprint([{"id": "x", "type": "choices", "value": {"choices": ["b"]}}])


def test_links_are_kept_per_store_project_and_remote_and_found_both_ways(path):
    with Store(path) as s, Store(path, project="other") as other:
        s.record_sync("r1", 7, links=[("task", "1", 11, "f1"), ("task", "2", 12, "f2"), ("annotation", 5, None, "fa")])
        s.record_sync("r2", 8, links=[("task", "1", 99, "g")])
        assert s.links("r1", "task") == {"1": ("1", 11, "f1"), "2": ("2", 12, "f2")}
        assert s.links("r1", "task", ["2", "3"]) == {"2": ("2", 12, "f2")}
        assert s.links("r1", "annotation", [5]) == {"5": ("5", None, "fa")}
        assert s.links_by_server_id("r1", "task", [12, 99]) == {12: ("2", 12, "f2")}
        assert s.links("r2", "task") == {"1": ("1", 99, "g")}
        assert other.links("r1", "task") == {}
        s.record_sync("r1", 7, links=[("task", "1", 11, "new")], unlink=[("task", "2")])
        assert s.links("r1", "task") == {"1": ("1", 11, "new")}


def test_journal_rows_stay_until_done(path):
    with Store(path) as s:
        s.journal("r", 7, "task", ["1", "2"], "batch-a")
        s.journal("r", 7, "annotation", [4], "batch-b")
        assert s.pending("r") == [
            {"kind": "task", "local_id": "1", "batch": "batch-a"},
            {"kind": "task", "local_id": "2", "batch": "batch-a"},
            {"kind": "annotation", "local_id": "4", "batch": "batch-b"},
        ]
        assert s.pending("elsewhere") == []
        s.record_sync("r", 7, links=[("task", "1", 11, "f")], done=[("task", "1"), ("annotation", 4)])
    with Store(path) as s:  # committed
        assert s.pending("r") == [{"kind": "task", "local_id": "2", "batch": "batch-a"}]


def test_changed_annotations_are_the_unsent_and_the_edited_ones_of_tasks_on_the_server(path):
    from nblabel.store import annotation_fingerprint

    with Store(path) as s:
        same = s.save(1, {}, choice("positive"), annotator="ana")
        edited = s.save(1, {}, choice("positive"), annotator="bob")
        new = s.save(2, {}, choice("neutral"), annotator="ana")
        s.save(3, {}, choice("negative"), annotator="ana")  # task 3 is not on the server
        reordered = [{k: v for k, v in reversed(list(item.items()))} for item in choice("positive")]
        s.record_sync(
            "r",
            7,
            links=[
                ("task", "1", 11, None),
                ("task", "2", 12, None),
                ("annotation", same["id"], 21, annotation_fingerprint(reordered, False)),
                ("annotation", edited["id"], None, annotation_fingerprint(choice("positive"), False)),
            ],
        )
        s.save(1, {}, choice("negative"), annotator="bob")
        changed = {a["id"]: a for a in s.changed_annotations("r")}
        assert sorted(changed) == [edited["id"], new["id"]]
        assert changed[edited["id"]]["link"].server_id is None and changed[edited["id"]]["task_server_id"] == 11
        assert changed[new["id"]]["link"] is None and changed[new["id"]]["result"] == choice("neutral")
        assert s.synced_counts("r") == (1, 0)
        assert s.unlinked_annotated_keys("r") == ["3"]
        assert [a["annotator"] for a in s.annotations_of([1, "2"])] == ["ana", "bob", "ana"]
        assert set(s.annotations_by_id([same["id"], 999])) == {same["id"]}


def test_changed_predictions_and_prediction_rows(path):
    from nblabel.store import prediction_fingerprint

    with Store(path) as s:
        s.add_predictions([(1, choice("a"), 0.5, "v1"), (1, choice("b"), None, "v2"), (2, choice("c"), 1.0, "v1")])
        rows = s.prediction_rows([1, 2])
        assert [(p["task_id"], p["model_version"], p["score"]) for p in rows] == [
            ("1", "v1", 0.5),
            ("1", "v2", None),
            ("2", "v1", 1.0),
        ]
        s.record_sync(
            "r",
            7,
            links=[("task", "1", 11, None)]
            + [
                ("prediction", p["id"], None, prediction_fingerprint(p["result"], p["score"], p["model_version"]))
                for p in rows[:1]
            ],
        )
        assert [p["model_version"] for p in s.changed_predictions("r")] == ["v2"]  # task 2 is not on the server
        s.add_predictions([(1, choice("z"), 0.5, "v1")])
        assert [p["model_version"] for p in s.changed_predictions("r")] == ["v1", "v2"]


@pytest.mark.parametrize("returning", [True, False], ids=["sqlite>=3.35", "older-sqlite"])
def test_pulled_annotations_are_written_with_history_and_links_in_one_transaction(path, returning, monkeypatch):
    monkeypatch.setattr("nblabel.store._HAS_RETURNING", returning)  # older SQLite has no RETURNING
    with Store(path) as s:
        mine = s.save(1, {}, choice("positive"), annotator="ana", seq=4)
        written = s.record_sync(
            "r",
            7,
            tasks=[("ls-9", {"text": "from the server"}, {"k": 1})],
            annotations=[
                {
                    "id": mine["id"],
                    "task_id": "1",
                    "annotator": "ana",
                    "result": choice("negative"),
                    "was_cancelled": False,
                    "lead_time": None,
                    "created_at": "2024-01-01T00:00:00+00:00",
                    "updated_at": "2024-01-02T00:00:00+00:00",
                    "link": (31, "fp1"),
                },
                {
                    "task_id": "ls-9",
                    "annotator": "bob@example.org",
                    "result": choice("neutral"),
                    "was_cancelled": False,
                    "lead_time": 3.0,
                    "created_at": "2024-01-01T00:00:00+00:00",
                    "updated_at": "2024-01-01T00:00:00+00:00",
                    "link": (32, "fp2"),
                },
            ],
        )
        assert written[("1", "ana")] == mine["id"]
        assert s.annotation(1, "ana")["result"] == choice("negative")
        assert s.annotation(1, "ana")["updated_at"] == "2024-01-02T00:00:00+00:00"
        bob = s.annotation("ls-9", "bob@example.org")
        assert bob["result"] == choice("neutral") and bob["lead_time"] == 3.0
        assert s.links_by_server_id("r", "annotation", [31, 32]) == {
            31: (str(mine["id"]), 31, "fp1"),
            32: (str(bob["id"]), 32, "fp2"),
        }
        assert [(h["task_id"], h["action"], h["seq"]) for h in s.history()] == [
            ("1", "save", 4),
            ("1", "save", None),
            ("ls-9", "save", None),
        ]
        assert {"id": "ls-9", "data": {"text": "from the server"}, "meta": {"k": 1}} in s.tasks()
        again = s.record_sync(
            "r", 7, annotations=[{"task_id": "ls-9", "annotator": "bob@example.org", "result": choice("positive")}]
        )
        assert again == {("ls-9", "bob@example.org"): bob["id"]}  # the same row, overwritten
        assert s.annotation("ls-9", "bob@example.org")["result"] == choice("positive")
        with pytest.raises(TypeError):
            s.record_sync(
                "r",
                7,
                annotations=[{"task_id": "2", "annotator": "x", "result": "nope"}],
                links=[("task", "2", 50, None)],
            )
        assert s.links("r", "task", ["2"]) == {}  # all or nothing


def test_pulled_values_are_stored_as_json_safe_makes_them(path):
    """Server JSON is stored as it came, but long integers (task ids from other systems), NaN
    and non-JSON values get the same treatment as DataFrame cells."""
    big = 2**63 - 25
    data = {"tweet": big, "score": float("nan"), "n": np.int64(3), "text": "1234567890123456 in a string"}
    result = [{"id": "a", "from_name": "n", "to_name": "t", "type": "number", "value": {"number": big}}]
    with Store(path) as s:
        s.record_sync(
            "r",
            7,
            tasks=[("ls-1", data, {"when": np.float64(1.5)})],
            annotations=[{"task_id": "ls-1", "annotator": "bob", "result": result}],
        )
        (task,) = s.tasks()
        assert task["data"] == {"tweet": str(big), "score": None, "n": 3, "text": data["text"]}
        assert task["meta"] == {"when": 1.5}
        assert s.annotation("ls-1", "bob")["result"][0]["value"] == {"number": str(big)}


def test_task_keys_with_snapshot_names_only_stored_tasks(tmp_path):
    store = Store(tmp_path / "s.db")
    store.save("a", {"text": "x"}, [], annotator="ana", was_cancelled=True)
    keys = {"a", "b"} | {f"k{i}" for i in range(1200)}  # more keys than one query takes
    assert store.task_keys_with_snapshot(keys) == {"a"}

"""A Labeler with a model: predictions in a worker thread, streamed, stored, ordered, retrained."""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import nblabel
from nblabel import Labeler, LabelerWarning

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
</View>"""


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, data, buffers=None) -> None:
        with self.lock:
            self.sent.append(data)

    def custom(self, kind: str | None = None) -> list[dict]:
        with self.lock:
            out = [m["content"] for m in self.sent if m.get("method") == "custom"]
        return [m for m in out if kind is None or m.get("type") == kind]


def front_end_sends(widget: Labeler, content: dict) -> None:
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


def save(lab: Labeler, pos: int, label: str, seq: int) -> None:
    task_id = lab._session.source.task_id(lab._session.row(pos))
    front_end_sends(
        lab,
        {
            "type": "save",
            "seq": seq,
            "pos": pos,
            "task_id": task_id,
            "was_cancelled": False,
            "result": [
                {
                    "id": "r",
                    "from_name": "sentiment",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": [label]},
                }
            ],
        },
    )


def score_model(rows: pd.DataFrame) -> list[dict]:
    """P(positive) from the text length: a deterministic stand-in with known scores."""
    p = (rows["review"].str.len() % 100) / 100
    return [{"positive": float(x), "negative": float(1 - x)} for x in p]


@pytest.fixture
def df() -> pd.DataFrame:
    return nblabel.load_reviews().head(300)


def make(df, tmp_path, predict=None, **kw) -> tuple[Labeler, Recorder]:
    """A labeler whose messages are recorded from the start (the model starts after the recorder)."""
    lab = Labeler(df, CONFIG, store=tmp_path / "s.db", annotator="ana", **kw)
    rec = Recorder()
    lab.comm.send = rec
    if predict is not None:
        lab.predict(predict)
    return lab, rec


def test_predictions_are_stored_streamed_and_shown_in_new_windows(df, tmp_path):
    lab, rec = make(df, tmp_path, predict=score_model, predict_batch=50)
    assert lab.wait_predictions(30)
    msgs = rec.custom("predictions")
    got = [t for m in msgs for t in m["tasks"]]
    assert len(got) == len(df) and all(len(m["tasks"]) <= 50 for m in msgs)
    first = got[0]
    assert first["predictions"][0]["model_version"] == "score_model"
    assert first["predictions"][0]["result"][0]["value"]["choices"][0] in ("positive", "negative")
    # stored: a new view's window carries them
    entry = lab._session.entries(0, 1)[0]
    assert entry["predictions"][0]["score"] == pytest.approx(max(score_model(df.iloc[:1])[0].values()))
    frame = lab.to_dataframe()
    assert {"sentiment_pred", "sentiment_score"} <= set(frame.columns)
    assert frame["sentiment_pred"].notna().all() and frame["sentiment"].isna().all()


def test_the_rows_around_the_user_go_first(df, tmp_path):
    lab, rec = make(df, tmp_path)
    lab._session.focus = 200
    lab.predict(score_model)
    assert lab.wait_predictions(30)
    first = rec.custom("predictions")[0]["tasks"]
    assert first[0]["pos"] == 200


def test_a_model_that_raises_shows_the_error_and_loses_no_label(df, tmp_path):
    def broken(rows):
        raise RuntimeError("weights missing")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lab, rec = make(df, tmp_path, predict=broken)
        assert lab.wait_predictions(10)
    assert any(issubclass(w.category, LabelerWarning) and "weights missing" in str(w.message) for w in caught)
    errors = rec.custom("error")
    assert errors and errors[0]["seq"] is None and "RuntimeError: weights missing" in errors[0]["message"]
    assert "weights missing" in lab.error
    save(lab, 0, "positive", 1)
    assert rec.custom("ack")[-1]["seq"] == 1 and lab.progress.done == 1


def test_a_model_that_hangs_times_out_and_labeling_goes_on(df, tmp_path):
    release = threading.Event()

    def hangs(rows):
        release.wait(30)
        return ["positive"] * len(rows)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelerWarning)
        lab, rec = make(df, tmp_path, predict=hangs, predict_timeout=0.3)
        t = time.perf_counter()
        save(lab, 0, "negative", 1)  # answered while the model hangs
        assert time.perf_counter() - t < 0.25
        assert rec.custom("ack")[-1]["seq"] == 1
        assert lab.wait_predictions(5)
    assert "did not answer within 0.3 s" in lab.error
    release.set()


def test_an_answer_out_of_contract_names_the_row_and_field(df, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelerWarning)
        lab, rec = make(df, tmp_path, predict=lambda rows: ["neutral"] * len(rows))
        assert lab.wait_predictions(10)
    assert "'neutral'" in lab.error and "'sentiment'" in lab.error and f"task {df.index[0]!r}" in lab.error


def test_a_slow_model_leaves_saves_fast(df, tmp_path):
    def slow(rows):
        time.sleep(1.0)
        return score_model(rows)

    lab, rec = make(df, tmp_path, predict=slow)
    times = []
    for i in range(20):
        t = time.perf_counter()
        save(lab, i, "positive", i + 1)
        times.append(time.perf_counter() - t)
    assert len(rec.custom("ack")) == 20
    assert max(times) < 0.2, times  # a 1 s model call never sits in front of a save
    lab.close()


def test_reorder_ranks_open_items_after_the_current_one_and_keeps_the_rest(df, tmp_path):
    lab, rec = make(df, tmp_path, predict=score_model, order="margin")
    for i in range(3):
        save(lab, i, "positive", i + 1)
    assert lab.wait_predictions(30)
    deadline = time.time() + 5
    while not rec.custom("reorder_ready") and time.time() < deadline:
        time.sleep(0.01)
    assert rec.custom("reorder_ready")  # the full pass asked the front end where it is
    s = lab._session
    on_screen = s.source.task_id(s.row(5))
    front_end_sends(lab, {"type": "reorder", "pos": 5})
    assert s.source.task_id(s.row(5)) == on_screen  # the current item did not move
    assert [s.row(p) for p in range(6)] == list(range(6))
    top2 = np.sort(lab.probabilities, axis=1)
    margins = np.round(top2[:, -1] - top2[:, -2], 9)
    after = [margins[s.row(p)] for p in range(6, len(df))]
    assert after == sorted(after)  # smallest margin first
    assert lab.start == 5 and lab.window["from"] <= 5 < lab.window["to"]
    # a save of a moved task still lands on its task (the id decides)
    moved_id = df.index[6]
    front_end_sends(
        lab,
        {
            "type": "save",
            "seq": 9,
            "pos": 6,
            "task_id": moved_id,
            "was_cancelled": False,
            "result": [
                {
                    "id": "r",
                    "from_name": "sentiment",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["negative"]},
                }
            ],
        },
    )
    assert lab.store.annotation(moved_id, "ana")["result"][0]["value"]["choices"] == ["negative"]


def test_retrain_every_n_labels_with_a_pipeline(df, tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = nblabel.SklearnModel(make_pipeline(TfidfVectorizer(), LogisticRegression()), column="review")
    lab, rec = make(df, tmp_path, predict=model)
    assert lab.wait_predictions(10)
    assert not rec.custom("predictions")  # not fitted: nothing to show yet
    lab.retrain(every=10)
    for i in range(10):
        save(lab, i, "positive" if i % 2 else "negative", i + 1)
    deadline = time.time() + 30
    while not rec.custom("predictions") and time.time() < deadline:
        time.sleep(0.02)
    assert lab.wait_predictions(30)
    assert model.fits >= 1 and lab.model.model_version.startswith("Pipeline-")
    assert lab.to_dataframe()["sentiment_pred"].notna().all()
    assert lab.last_retrain_seconds > 0


def test_predictions_export_apart_from_annotations(df, tmp_path):
    import json

    lab, rec = make(df.head(20), tmp_path, predict=score_model)
    assert lab.wait_predictions(30)
    save(lab, 0, "negative", 1)
    out = tmp_path / "out.json"
    lab.export("json", out, all_tasks=True)
    tasks = {t["id"]: t for t in json.loads(out.read_text())}
    first = tasks[df.index[0]]
    assert first["annotations"][0]["result"][0]["value"] == {"choices": ["negative"]}
    assert first["predictions"][0]["model_version"] == "score_model"
    assert first["predictions"][0]["result"][0]["origin"] == "prediction"
    # every predicted row is exported, its data read from the DataFrame (never labeled: no snapshot)
    assert list(tasks) == list(df.head(20).index)
    other = tasks[df.index[5]]
    assert other["annotations"] == [] and other["data"]["review"] == df["review"].iloc[5]
    assert other["predictions"][0]["model_version"] == "score_model" and other["predictions"][0]["task"] == df.index[5]
    assert "meta" not in other
    # the flat formats, like Label Studio's converter, show annotations only: one row per task
    lab.export("json_min", tmp_path / "min.json", all_tasks=True)
    rows = json.loads((tmp_path / "min.json").read_text())
    assert len(rows) == 20 and [r["id"] for r in rows if "sentiment" in r] == [df.index[0]]
    # without all_tasks: Label Studio's default, labeled tasks only
    lab.export("json", out)
    assert [t["id"] for t in json.loads(out.read_text())] == [df.index[0]]


def test_plots_draw_labels_confidence_and_learning(df, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from nblabel import active

    lab, rec = make(df.head(40), tmp_path, predict=score_model)
    assert lab.wait_predictions(30)
    for i in range(6):
        save(lab, i, "positive" if i % 2 else "negative", i + 1)
    lab.retrain(lambda labeled: None)  # score the shown pre-labels, keep the model
    assert lab.wait_predictions(30)
    learning = lab.learning
    assert learning["labels"].tolist() == [6] and learning["scored"].tolist() == [6]
    assert 0 <= learning["accuracy"].iloc[0] <= 1
    bars = lab.plot_labels().patches
    assert sorted(round(b.get_height()) for b in bars) == [3, 3]
    assert sum(p.get_height() for p in lab.plot_confidence().patches) == 40
    assert len(lab.plot_learning().lines[0].get_xdata()) == 1
    curve = pd.DataFrame(
        {
            "strategy": ["margin"] * 2 + ["random"] * 2,
            "seed": [0] * 4,
            "labels": [10, 20, 10, 20],
            "accuracy": [0.5, 0.8, 0.5, 0.6],
        }
    )
    ax = active.plot_learning_curve(curve)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["margin (n=1 seeds)", "random (n=1 seeds)"]


def test_the_front_ends_retrain_message_refits_with_the_last_fit_function(df, tmp_path):
    lab, rec = make(df.head(40), tmp_path, predict=score_model)
    assert lab.wait_predictions(30)
    assert lab.settings["retrain"] is False and lab.settings["retrain_key"] == "."
    # before lab.retrain(...) there is no fit function: an error in the widget, nothing queued
    with pytest.warns(LabelerWarning, match=r"call lab.retrain\(fit_fn\)"):
        front_end_sends(lab, {"type": "retrain"})
    assert rec.custom("error")[-1]["seq"] is None and "lab.retrain" in lab.error

    fits: list[int] = []

    def fit(labeled: pd.DataFrame):
        fits.append(len(labeled))

        def refit(rows: pd.DataFrame) -> list[str]:
            return ["positive"] * len(rows)

        refit.model_version = f"refit-{len(fits)}"  # type: ignore[attr-defined]
        return refit

    lab.retrain(fit, every=1000)  # sets the fit function, no retrain yet
    assert lab.settings["retrain"] is True and lab.settings["accept_key"] == "r"
    for i in range(3):
        save(lab, i, "negative", i + 1)
    assert lab.wait_predictions(30) and fits == []
    front_end_sends(lab, {"type": "retrain"})
    deadline = time.time() + 30
    while not fits and time.time() < deadline:
        time.sleep(0.02)
    assert lab.wait_predictions(30)
    assert fits == [3] and lab.model.model_version == "refit-1"
    assert lab.to_dataframe()["sentiment_pred"].eq("positive").all()


def test_a_fit_function_that_raises_on_the_retrain_key_shows_in_the_widget(df, tmp_path):
    lab, rec = make(df.head(20), tmp_path, predict=score_model)
    assert lab.wait_predictions(30)

    def broken(labeled):
        raise RuntimeError("no GPU here")

    lab.retrain(broken, every=1000)
    save(lab, 0, "positive", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LabelerWarning)
        front_end_sends(lab, {"type": "retrain"})
        deadline = time.time() + 30
        while "no GPU" not in lab.error and time.time() < deadline:
            time.sleep(0.02)
    assert "retraining failed: RuntimeError: no GPU here" in lab.error
    assert any("no GPU here" in m["message"] for m in rec.custom("error"))
    assert lab.to_dataframe()["sentiment"].iloc[0] == "positive"  # the label is kept


def test_the_retrain_key_avoids_the_configs_hotkeys():
    from nblabel.widget import retrain_key

    assert retrain_key(nblabel.parse_config(CONFIG)) == "."
    taken = nblabel.parse_config(CONFIG.replace('<Choice value="positive"/>', '<Choice value="positive" hotkey="."/>'))
    assert retrain_key(taken) == ","

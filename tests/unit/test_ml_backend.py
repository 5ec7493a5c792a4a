"""Label Studio's ML-backend protocol both ways, over real HTTP on loopback."""

from __future__ import annotations

import subprocess
import sys
import time

import pandas as pd
import pytest
import requests

import nblabel
from nblabel import Labeler, MLBackend, serve_model
from nblabel.models import MLBackendError

CONFIG = """<View>
  <Text name="text" value="$review"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
</View>"""


def by_length(rows: pd.DataFrame) -> list[dict]:
    return [
        {"positive": 0.9, "negative": 0.1} if len(t) > 60 else {"positive": 0.2, "negative": 0.8}
        for t in rows["review"]
    ]


@pytest.fixture
def server():
    fits = []
    srv = serve_model(by_length, port=0, fit=lambda event, payload: fits.append((event, payload)) or "v2")
    srv.fits = fits
    yield srv
    srv.stop()


def test_health_setup_and_predict_speak_the_protocol(server):
    assert requests.get(server.url + "/health", timeout=5).json() == {"status": "UP", "model_class": "by_length"}
    assert requests.post(server.url + "/setup", json={"project": "3.1", "schema": CONFIG}, timeout=5).json() == {
        "model_version": "by_length"
    }
    tasks = [{"id": 1, "data": {"review": "x" * 80}}, {"id": 2, "data": {"review": "short"}}]
    answer = requests.post(
        server.url + "/predict", json={"tasks": tasks, "project": "3.1", "label_config": CONFIG}, timeout=5
    ).json()
    results = answer["results"]
    assert [r["result"][0]["value"]["choices"] for r in results] == [["positive"], ["negative"]]
    assert [r["score"] for r in results] == [0.9, 0.8]
    assert results[0]["result"][0]["from_name"] == "sentiment" and results[0]["model_version"] == "by_length"


def test_a_model_answer_outside_the_config_is_a_400_naming_the_task():
    with serve_model(lambda rows: ["neutral"] * len(rows), port=0) as srv:
        r = requests.post(
            srv.url + "/predict",
            json={"tasks": [{"id": 7, "data": {"review": "a"}}], "label_config": CONFIG},
            timeout=5,
        )
    assert r.status_code == 400 and "task 7" in r.json()["error"] and "'neutral'" in r.json()["error"]


def test_webhook_annotation_events_and_train_run_fit(server):
    r = requests.post(
        server.url + "/webhook",
        json={"action": "ANNOTATION_CREATED", "project": {"id": 1}, "annotation": {"id": 5}},
        timeout=5,
    )
    assert r.status_code == 201
    requests.post(server.url + "/webhook", json={"action": "PROJECT_UPDATED"}, timeout=5)
    requests.post(server.url + "/train", json={"annotations": [], "project": 1}, timeout=5)
    deadline = time.time() + 5
    while len(server.fits) < 2 and time.time() < deadline:
        time.sleep(0.01)
    assert [e for e, _ in server.fits] == ["ANNOTATION_CREATED", "START_TRAINING"]
    assert server.events == ["ANNOTATION_CREATED", "PROJECT_UPDATED", "START_TRAINING"]
    assert server.model_version == "v2"  # fit returned a new version


def test_an_ml_backend_is_a_labeler_model(server, tmp_path):
    df = nblabel.load_reviews().head(40)
    lab = Labeler(df, CONFIG, store=tmp_path / "s.db", annotator="a", predict=MLBackend(server.url))
    assert lab.wait_predictions(30) and not lab.error
    frame = lab.to_dataframe()
    expected = ["positive" if len(t) > 60 else "negative" for t in df["review"]]
    assert frame["sentiment_pred"].tolist() == expected
    assert set(frame["sentiment_score"].round(2)) <= {0.9, 0.8}


def test_an_unreachable_backend_is_a_clear_error():
    with pytest.raises(MLBackendError, match="/health"):
        MLBackend("http://127.0.0.1:9", timeout=2)


def test_the_serve_model_command(tmp_path):
    import socket

    (tmp_path / "mymodel.py").write_text("def predict(rows):\n    return ['positive'] * len(rows)\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "nblabel.cli", "serve-model", "mymodel:predict", "--port", str(port)],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                health = requests.get(url + "/health", timeout=1).json()
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.time() < deadline, proc.stderr.read() if proc.poll() else "timeout"
                time.sleep(0.1)
        assert health["status"] == "UP"
        answer = requests.post(
            url + "/predict", json={"tasks": [{"id": 1, "data": {"review": "a"}}], "label_config": CONFIG}, timeout=5
        ).json()
        assert answer["results"][0]["result"][0]["value"] == {"choices": ["positive"]}
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()


def test_serve_model_names_a_bad_target(tmp_path, capsys):
    from nblabel.cli import main

    assert main(["serve-model", "nosuchmodule_xyz:predict", "--port", "0"]) == 1
    assert "cannot import 'nosuchmodule_xyz'" in capsys.readouterr().err

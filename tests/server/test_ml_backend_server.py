"""A model served by nblabel, connected to a real Label Studio 1.23.2 project through its API:
predictions land on the tasks, annotation events reach the model's fit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from conftest import CONFIG, REQUIRE, Raw
from nblabel import MLBackend, serve_model


@pytest.fixture(scope="module")
def ml_server(ls_module):
    """A Label Studio of its own that may call a model on this machine.

    Label Studio refuses ML-backend URLs on loopback and private networks by default
    ("URL resolves to a reserved network address"); a model served next to a local server needs
    ``ML_BLOCK_LOCAL_IP=false`` and ``SSRF_PROTECTION_ENABLED=false``. The session server keeps the default; this one is started with
    the setting and stopped after this module."""
    if not ls_module.is_installed() and not REQUIRE:
        pytest.skip(f"Label Studio {ls_module.LS_VERSION} is not installed")
    names = ("ML_BLOCK_LOCAL_IP", "SSRF_PROTECTION_ENABLED")  # the URL check, and the requests themselves
    old = {n: os.environ.get(n) for n in names}
    os.environ.update({n: "false" for n in names})
    try:
        server = ls_module.start(install_if_missing=REQUIRE)
    finally:
        for n, v in old.items():
            if v is None:
                del os.environ[n]
            else:
                os.environ[n] = v
    yield server
    server.stop()


@pytest.fixture
def raw(ml_server) -> Raw:
    return Raw(ml_server.url, ml_server.token)


@pytest.fixture
def project(raw):
    r = raw.call("POST", "/api/projects", json={"title": f"ml {uuid.uuid4().hex[:8]}", "label_config": CONFIG})
    assert r.status_code == 201, r.text[:300]
    p = r.json()
    yield type("P", (), {"id": p["id"]})
    raw.call("DELETE", f"/api/projects/{p['id']}")


TEXTS = ["a long and thoughtful review of a very good product", "bad", "fine, really quite nice overall", "meh"]


def by_length(rows: pd.DataFrame) -> list[dict]:
    return [
        {"positive": 0.9, "negative": 0.05, "neutral": 0.05}
        if len(t) > 20
        else {"positive": 0.1, "negative": 0.7, "neutral": 0.2}
        for t in rows["text"]
    ]


def wait_for(check, timeout: float = 30.0):
    end = time.time() + timeout
    while time.time() < end:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    return check()


def test_a_served_model_predicts_on_label_studio_tasks_and_hears_annotations(project, raw):
    fits: list[str] = []
    with serve_model(by_length, port=0, fit=lambda event, payload: fits.append(event)) as server:
        r = raw.call("POST", f"/api/projects/{project.id}/import", json=[{"text": t} for t in TEXTS])
        assert r.status_code == 201, r.text[:300]
        r = raw.call("POST", "/api/ml", json={"url": server.url, "project": project.id, "title": "nblabel-served"})
        assert r.status_code == 201, r.text[:300]
        backend = r.json()
        assert backend["state"] == "CO", backend  # Label Studio's /health check passed: connected

        r = raw.call(
            "POST",
            "/api/dm/actions",
            params={"id": "retrieve_tasks_predictions", "project": project.id},
            json={"selectedItems": {"all": True, "excluded": []}},
        )
        assert r.status_code == 200, r.text[:300]
        tasks = raw.all_tasks(project.id)
        by_text = {t["data"]["text"]: t for t in tasks}
        for text in TEXTS:
            preds = by_text[text]["predictions"]
            assert len(preds) == 1, by_text[text]
            want = "positive" if len(text) > 20 else "negative"
            assert preds[0]["result"][0]["value"]["choices"] == [want]
            assert preds[0]["score"] == pytest.approx(0.9 if want == "positive" else 0.7)
            assert preds[0]["model_version"] == "by_length"

        # an annotation made in Label Studio reaches the model through the webhook
        task = by_text[TEXTS[1]]
        r = raw.call(
            "POST",
            f"/api/tasks/{task['id']}/annotations",
            json={
                "result": [
                    {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["negative"]}}
                ]
            },
        )
        assert r.status_code == 201, r.text[:300]
        assert wait_for(lambda: "ANNOTATION_CREATED" in fits), (fits, server.events)


def test_label_studio_sends_what_mlbackend_sends(project, raw):
    """nblabel's client and Label Studio's server drive the same served model the same way."""
    with serve_model(by_length, port=0) as server:
        client_side = MLBackend(server.url, config=CONFIG)(pd.DataFrame({"text": TEXTS}))
        raw.call("POST", f"/api/projects/{project.id}/import", json=[{"text": t} for t in TEXTS])
        raw.call("POST", "/api/ml", json={"url": server.url, "project": project.id, "title": "m"})
        raw.call(
            "POST",
            "/api/dm/actions",
            params={"id": "retrieve_tasks_predictions", "project": project.id},
            json={"selectedItems": {"all": True, "excluded": []}},
        )
        server_side = {t["data"]["text"]: t["predictions"][0] for t in raw.all_tasks(project.id)}
    for text, mine in zip(TEXTS, client_side):
        theirs = server_side[text]
        assert [i["value"] for i in mine["result"]] == [i["value"] for i in theirs["result"]]
        assert mine["score"] == pytest.approx(theirs["score"])


# ---- a backend written with Label Studio's own `label-studio-ml` package, used as an MLBackend ----

LSML_VERSION = "1.0.9"
LSML_VENV = Path(__file__).resolve().parents[2] / ".cache" / "lsml-venv"

LSML_BACKEND = """
import sys
from label_studio_ml.api import init_app
from label_studio_ml.model import LabelStudioMLBase


class ByLength(LabelStudioMLBase):
    def predict(self, tasks, **kwargs):
        out = []
        for task in tasks:
            long = len(task["data"]["text"]) > 20
            out.append({"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                                    "value": {"choices": ["positive" if long else "negative"]}}],
                        "score": 0.9 if long else 0.7})
        return out


init_app(model_class=ByLength).run(host="127.0.0.1", port=int(sys.argv[1]))
"""


def lsml_python() -> Path:
    """Python of a venv holding label-studio-ml (test-only, never an nblabel dependency)."""
    py = LSML_VENV / "bin" / "python"
    if not py.exists():
        if not REQUIRE:
            pytest.skip(f"label-studio-ml is not installed in {LSML_VENV} (NBL_REQUIRE_SERVER=1 installs it)")
        subprocess.run([sys.executable, "-m", "venv", str(LSML_VENV)], check=True)
        # 1.0.9 imports rq without declaring it
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"label-studio-ml=={LSML_VERSION}", "rq"], check=True)
    return py


def test_a_label_studio_ml_backend_is_an_nblabel_model(tmp_path):
    import socket

    import requests

    import nblabel

    py = lsml_python()
    script = tmp_path / "backend.py"
    script.write_text(LSML_BACKEND)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [str(py), str(script), str(port)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                requests.get(url + "/health", timeout=1)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.time() < deadline, "the label-studio-ml backend did not start"
                time.sleep(0.2)
        df = pd.DataFrame({"text": TEXTS}, index=[f"t{i}" for i in range(len(TEXTS))])
        lab = nblabel.Labeler(df, CONFIG, store=tmp_path / "s.db", annotator="a", predict=nblabel.MLBackend(url))
        assert lab.wait_predictions(60) and not lab.error, lab.error
        frame = lab.to_dataframe()
        assert frame["sentiment_pred"].tolist() == ["positive" if len(t) > 20 else "negative" for t in TEXTS]
        assert frame["sentiment_score"].round(2).tolist() == [0.9 if len(t) > 20 else 0.7 for t in TEXTS]
        lab.close()
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()

"""Label Studio's ML-backend protocol, both ways.

* :class:`MLBackend` uses a running backend (one written with ``label-studio-ml``, or nblabel's
  own) as an nblabel model: each batch of rows is one ``POST /predict``.
* :func:`serve_model` / ``nblabel serve-model module:callable`` serve an nblabel model to a Label
  Studio server: ``GET /health``, ``POST /setup``, ``/predict``, ``/webhook`` (annotation events
  → ``fit``), ``/train``. Standard library HTTP server, one thread per request, loopback by
  default: a notebook can serve while it labels.

Wire format (Label Studio 1.23.2, docs/models.md): ``/predict`` gets ``{"tasks": [{"id",
"data"}], "project": "<id>.<created>", "label_config": xml, "params": {...}}`` and answers
``{"results": [{"result": [...], "score": s, "model_version": v}, ...]}``, one per task in order.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping

import pandas as pd
import requests

from ..config import ConfigError, ConfigSpec, parse_config
from ..frame import json_safe
from .contract import PredictionError, model_version_of, normalize_batch


class MLBackendError(RuntimeError):
    """A backend that cannot be reached or answers outside the protocol."""


class MLBackend:
    """A running Label Studio ML backend as an nblabel model (``Labeler(..., predict=MLBackend(url))``).

    ``config`` is the labeling config the backend is set up with (a Labeler passes its own through
    :meth:`bind`); ``columns`` maps config ``$vars`` to DataFrame columns when they differ. Each
    call sends the rows as Label Studio tasks (``id`` = index label, ``data`` = the row) and
    returns the backend's answers, one per row, for the model contract to validate.
    """

    def __init__(
        self,
        url: str,
        *,
        config: str | ConfigSpec | None = None,
        project: str = "1.0",
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.project = project
        self._http = session or requests.Session()
        self._spec: ConfigSpec | None = None
        self._mapping: dict[str, Any] = {}
        self.model_version = "ml-backend"
        self.model_class = ""
        health = self._get("/health")
        if health.get("status") != "UP":
            raise MLBackendError(f"{self.url}/health says {health!r}, not status UP")
        self.model_class = str(health.get("model_class") or "")
        if config is not None:
            self.bind(config if isinstance(config, ConfigSpec) else parse_config(config))

    def _get(self, path: str) -> dict:
        try:
            r = self._http.get(self.url + path, timeout=self.timeout)
            r.raise_for_status()
            return r.json()
        except (requests.RequestException, ValueError) as exc:
            raise MLBackendError(f"ML backend {self.url}{path}: {exc}") from None

    def _post(self, path: str, body: dict) -> Any:
        try:
            r = self._http.post(self.url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise MLBackendError(f"ML backend {self.url}{path}: {exc}") from None
        if r.status_code >= 400:
            raise MLBackendError(f"ML backend {self.url}{path} answered {r.status_code}: {r.text[:300]}")
        try:
            return r.json()
        except ValueError:
            raise MLBackendError(f"ML backend {self.url}{path} answered non-JSON: {r.text[:200]!r}") from None

    def bind(self, spec: ConfigSpec, mapping: Mapping[str, Any] | None = None) -> None:
        """Set the backend up for this config (``POST /setup``); a Labeler calls it."""
        self._spec = spec
        self._mapping = dict(mapping or {})
        answer = self._post(
            "/setup",
            {"project": self.project, "schema": spec.xml, "hostname": "", "access_token": "", "extra_params": {}},
        )
        if isinstance(answer, dict) and answer.get("model_version"):
            self.model_version = str(answer["model_version"])

    def tasks(self, rows: pd.DataFrame) -> list[dict]:
        """The rows as Label Studio tasks: every column, plus each ``$var`` under its own name."""
        out = []
        for task_id, row in rows.iterrows():
            data = {str(k): json_safe(v) for k, v in row.items()}
            for var, col in self._mapping.items():
                data.setdefault(var, json_safe(row[col]))
            out.append({"id": json_safe(task_id), "data": data})
        return out

    def __call__(self, rows: pd.DataFrame) -> list[Any]:
        if self._spec is None:
            raise MLBackendError(
                "MLBackend needs the labeling config: MLBackend(url, config=...) or use it in a Labeler"
            )
        answer = self._post(
            "/predict",
            {
                "tasks": self.tasks(rows),
                "project": self.project,
                "label_config": self._spec.xml,
                "params": {"context": None},
            },
        )
        results = answer.get("results") if isinstance(answer, dict) else answer
        if not isinstance(results, list):
            raise MLBackendError(f"ML backend /predict must answer {{'results': [...]}}, got {type(answer).__name__}")
        if len(results) != len(rows):
            raise MLBackendError(f"ML backend /predict answered {len(results)} results for {len(rows)} tasks")
        out = []
        for r in results:
            if isinstance(r, list):  # a list of PredictionValue dicts: the first one
                r = r[0] if r else None
            if isinstance(r, dict) and "result" in r and not r.get("model_version"):
                r = {**r, "model_version": self.model_version}
            if isinstance(r, dict) and not r.get("result"):
                r = None
            out.append(r)
        return out

    def __repr__(self) -> str:
        return f"MLBackend({self.url!r}, model_class={self.model_class!r}, model_version={self.model_version!r})"


# ---- serving ------------------------------------------------------------------------------------

FitFn = Callable[[str, dict], Any]


class ModelServer:
    """An nblabel model behind Label Studio's ML-backend protocol, in a background thread.

    ``model(rows) -> predictions`` follows the model contract (docs/models.md); rows are a
    DataFrame of the tasks' ``data`` (index = task ids). ``fit(event, payload)``, if given, runs
    for ``/webhook`` annotation events and ``/train`` (in its own thread; the answer does not
    wait). ``config`` fixes the labeling config; else each request's ``label_config`` (or the
    one ``/setup`` sent) is used.
    """

    def __init__(
        self,
        model: Callable[[pd.DataFrame], Any],
        *,
        fit: FitFn | None = None,
        config: str | None = None,
        host: str = "127.0.0.1",
        port: int = 9090,
        model_version: str | None = None,
    ) -> None:
        self.model = model
        self.fit = fit
        self.model_version = model_version or model_version_of(model)
        self._fixed = parse_config(config) if config is not None else None
        self._specs: dict[str, ConfigSpec] = {}
        self.events: list[str] = []  # webhook/train events received, for tests and logs
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet by default
                pass

            def _send(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> Any:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                return json.loads(raw or b"{}")

            def do_GET(self) -> None:
                path = self.path.split("?")[0].rstrip("/")
                if path in ("/health", ""):
                    self._send(
                        200,
                        {
                            "status": "UP",
                            "model_class": type(server.model).__name__
                            if not hasattr(server.model, "__name__")
                            else server.model.__name__,
                        },
                    )
                else:
                    self._send(404, {"error": f"no route GET {path}"})

            def do_POST(self) -> None:
                path = self.path.split("?")[0].rstrip("/")
                try:
                    body = self._body()
                except ValueError as exc:
                    self._send(400, {"error": f"request body is not JSON: {exc}"})
                    return
                try:
                    if path == "/predict":
                        self._send(200, server.predict(body))
                    elif path == "/setup":
                        self._send(200, server.setup(body))
                    elif path in ("/webhook", "/train"):
                        self._send(201 if path == "/webhook" else 200, server.event(path, body))
                    else:
                        self._send(404, {"error": f"no route POST {path}"})
                except (PredictionError, ConfigError, MLBackendError, KeyError, TypeError, ValueError) as exc:
                    self._send(400, {"error": f"{type(exc).__name__}: {exc}"})
                except Exception as exc:  # the model's own failure: report, keep serving
                    self._send(500, {"error": f"{type(exc).__name__}: {exc}"})

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        host_, port_ = self._httpd.server_address[:2]
        self.host: str = host_.decode() if isinstance(host_, bytes) else str(host_)
        self.port: int = int(port_)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="nblabel-serve-model", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ModelServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "ModelServer":
        return self.start() if not self._thread.is_alive() else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- protocol -------------------------------------------------------------------------
    def _spec_for(self, body: dict) -> ConfigSpec:
        if self._fixed is not None:
            return self._fixed
        project = str(body.get("project") or "")
        xml = body.get("label_config") or body.get("schema")
        if xml:
            with self._lock:
                spec = self._specs.get(project)
                if spec is None or spec.xml != xml:
                    spec = self._specs[project] = parse_config(xml)
            return spec
        with self._lock:
            if project in self._specs:
                return self._specs[project]
        raise ValueError("no label_config in the request and no /setup for this project")

    def setup(self, body: dict) -> dict:
        if body.get("schema") or self._fixed is not None:
            self._spec_for(body)
        return {"model_version": self.model_version}

    def predict(self, body: dict) -> dict:
        tasks = body.get("tasks")
        if not isinstance(tasks, list):
            raise ValueError("'tasks' must be a list")
        spec = self._spec_for(body)
        ids = [t.get("id") for t in tasks]
        rows = pd.DataFrame([t.get("data") or {} for t in tasks], index=pd.Index(ids, name="id"))
        answer = self.model(rows)
        version = model_version_of(self.model) if hasattr(self.model, "model_version") else self.model_version
        preds = {p.task_id: p for p in normalize_batch(spec, rows, answer, model_version=version)}
        results = []
        for task_id in ids:
            p = preds.get(task_id)
            results.append(p.to_json() if p is not None else {"result": [], "score": None, "model_version": version})
        return {"results": results}

    def event(self, path: str, body: dict) -> dict:
        action = str(body.get("action") or ("START_TRAINING" if path == "/train" else ""))
        with self._lock:
            self.events.append(action)
        if self.fit is None:
            return {"status": "ok", "detail": "this model does not train"}
        if path == "/webhook" and action not in (
            "ANNOTATION_CREATED",
            "ANNOTATION_UPDATED",
            "ANNOTATIONS_DELETED",
            "ANNOTATION_DELETED",
            "START_TRAINING",
        ):
            return {"status": "ok", "detail": f"ignored {action or 'an event without action'}"}
        threading.Thread(target=self._fit, args=(action, body), name="nblabel-fit", daemon=True).start()
        return {"status": "ok", "job": action}

    def _fit(self, action: str, body: dict) -> None:
        try:
            out = self.fit(action, body)
            if isinstance(out, str):
                self.model_version = out
        except Exception as exc:  # logged, the server stays up
            with self._lock:
                self.events.append(f"fit failed: {type(exc).__name__}: {exc}")


def serve_model(
    model: Callable[[pd.DataFrame], Any],
    *,
    port: int = 9090,
    host: str = "127.0.0.1",
    fit: FitFn | None = None,
    config: str | None = None,
) -> ModelServer:
    """Serve ``model`` to Label Studio from a notebook, in a background thread; returns the running
    server (``.url``, ``.stop()``). Connect it in Label Studio under Settings → Model, or with
    ``POST /api/ml {"url": server.url, "project": id}``. ``port=0`` picks a free port."""
    return ModelServer(model, fit=fit, config=config, host=host, port=port).start()

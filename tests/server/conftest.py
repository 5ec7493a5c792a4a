"""A real Label Studio 1.23.2 server for the tests in tests/server (scripts/ls_server.py).

One server per test session: a copy of the initialised template data dir on a free loopback
port (~3 s; the first run also needs `python scripts/ls_server.py install`, ~45 s and ~1 GB, and
the template, ~22 s). Without the installed server the tests are skipped, unless
NBL_REQUIRE_SERVER=1: then the fixture installs what is missing and any failure to install or
start FAILS the tests (CI must not pass by skipping them).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from faults import FaultProxy  # tests/server is on sys.path for its conftest
from nblabel.labelstudio import LabelStudio, LabelStudioError, Project

REPO = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("NBL_REQUIRE_SERVER") == "1"

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/>
    <Choice value="negative"/>
    <Choice value="neutral"/>
  </Choices>
</View>"""


@pytest.fixture(scope="session")
def ls_module() -> Any:
    import ls_server  # scripts/ is on sys.path (root conftest.py)

    return ls_server


@pytest.fixture(scope="session")
def ls_server(ls_module: Any) -> Iterator[Any]:
    """The running server: .url, .token (legacy key), .pid, .data_dir, .log_path."""
    if not ls_module.is_installed() and not REQUIRE:
        pytest.skip(
            f"Label Studio {ls_module.LS_VERSION} is not installed in {ls_module.VENV}: run "
            "`python scripts/ls_server.py install` (or set NBL_REQUIRE_SERVER=1, which installs it)"
        )
    try:
        server = ls_module.start(install_if_missing=REQUIRE)
    except Exception as exc:  # ServerProblem, OSError, ...
        msg = f"cannot start a Label Studio server: {type(exc).__name__}: {exc}"
        if REQUIRE:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(ls_server: Any) -> Iterator[LabelStudio]:
    with LabelStudio(ls_server.url, ls_server.token, timeout=60) as c:
        yield c


class Raw:
    """The plain REST API through `requests`, independent of nblabel's client (the test oracle)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Token {token}"

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.s.request(method, self.url + path, timeout=120, **kw)

    def get(self, path: str, **params: Any) -> Any:
        r = self.call("GET", path, params=params)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return r.json()

    def all_tasks(self, project_id: int) -> list[dict]:
        """Every task of a project with annotations and predictions, in one page."""
        body = self.get("/api/tasks", project=project_id, page_size=100_000, fields="all", resolve_uri="false")
        assert len(body["tasks"]) == body["total"]
        return body["tasks"]

    def projects_titled(self, title: str) -> list[dict]:
        body = self.get("/api/projects", title=title, page_size=1000)
        return [p for p in body["results"] if p["title"] == title]

    def delete_tasks(self, project_id: int, task_ids: list[int]) -> None:
        r = self.call(
            "POST",
            "/api/dm/actions",
            params={"id": "delete_tasks", "project": project_id},
            json={"selectedItems": {"all": False, "included": task_ids}},
        )
        assert r.status_code == 200, r.text[:300]


@pytest.fixture(scope="session")
def raw(ls_server: Any) -> Raw:
    return Raw(ls_server.url, ls_server.token)


def unique_title(prefix: str = "t") -> str:
    return f"{prefix[:36]} {uuid.uuid4().hex[:10]}"


@pytest.fixture
def pat(raw: Raw) -> Iterator[str]:
    """A personal access token (JWT refresh token) of the admin, made with the legacy key through
    `POST /api/token/` and revoked afterwards (a user may hold only one valid PAT)."""
    r = raw.call("POST", "/api/token/")
    assert r.status_code == 201, r.text[:300]
    token = r.json()["token"]
    yield token
    raw.call("POST", "/api/token/blacklist/", json={"refresh": token})


@pytest.fixture(scope="session")
def config_xml() -> str:
    return CONFIG


@pytest.fixture(scope="session")
def make_title() -> Any:
    return unique_title


@pytest.fixture
def project_config() -> str:
    """The labeling config of `project`; a test module overrides it to use its own."""
    return CONFIG


@pytest.fixture
def project(client: LabelStudio, project_config: str, request: pytest.FixtureRequest) -> Iterator[Project]:
    """A fresh project with `project_config`, deleted afterwards."""
    p = client.create_project(unique_title(request.node.name), project_config)
    yield p
    try:
        p.delete()
    except LabelStudioError:
        pass


@pytest.fixture
def proxy(ls_server: Any) -> Iterator[FaultProxy]:
    """A FaultProxy in front of the session's server."""
    p = FaultProxy(ls_server.url)
    yield p
    p.close()

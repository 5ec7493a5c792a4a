"""Fixtures for the real-browser tests: one server per front end and one chromium per session.

Front ends: a test runs on **JupyterLab 4** unless it opts into the matrix. Mark a test (or a module
with ``pytestmark``) ``@pytest.mark.frontends`` to run it once per front end in
``harness.FRONTENDS`` (JupyterLab 4 and Jupyter Notebook 7; ids ``[lab]`` / ``[notebook]``), or
``@pytest.mark.frontends("notebook")`` for a chosen few. The `lab` and `page` fixtures then serve
the test's front end; everything else (harness.open_notebook, run_all, restart_kernel, ...) is the
same code for both, since both expose the same `window.jupyterapp`. Each front end's server starts
once per session, on first use. marimo is not a Jupyter front end: its smoke test owns its server
(tests/browser/test_marimo_browser.py).

* `jupyter` (session): `jupyter lab` on loopback, config/runtime/settings/workspaces/IPython dirs in a
  temporary directory, notebooks COPIED into its root (the repo's notebooks are never opened), and
  `NBL_STORE` pointing the quickstart notebook at a temporary store file.
* `notebook7` (session): the same for `jupyter notebook` (Notebook 7).
* `frontend`: the session server of the test's front end (`jupyter` unless the test is marked).
* `lab`: the server for one test (of its front end); afterwards every session (and kernel) is deleted, so a reopened
  notebook never reuses an old kernel, and the store file is removed before each test.
* `browser` (session): Debian's chromium. Missing chromium skips, unless NBL_REQUIRE_BROWSER=1
  (`make test`, CI) which makes it an error.
* `page`: a fresh context per test; console errors and page errors are printed (shown by pytest
  on failure); requests to anything but the local server are aborted.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import harness as H  # noqa: E402


def _required() -> bool:
    return os.environ.get("NBL_REQUIRE_BROWSER", "") not in ("", "0")


@pytest.fixture(scope="session")
def browser():
    problem = H.chromium_problem()
    if problem:
        if _required():
            pytest.fail(f"NBL_REQUIRE_BROWSER is set but {problem}", pytrace=False)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = H.launch_browser(p)
        yield b
        b.close()


def _serve(tmp_path_factory, frontend: str):
    tmp = tmp_path_factory.mktemp(f"jupyter-{frontend}")
    root = tmp / "nb"
    root.mkdir()
    store = tmp / "store" / "reviews.nblabel.db"
    store.parent.mkdir()
    server = H.start_jupyter(tmp / "server", root, extra_env={"NBL_STORE": str(store)}, frontend=frontend)
    try:
        yield SimpleNamespace(server=server, root=root, store=store, frontend=frontend)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory, browser):
    """JupyterLab 4 for the session (depends on `browser` so a machine without chromium skips first)."""
    yield from _serve(tmp_path_factory, "lab")


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory, browser):
    """Jupyter Notebook 7 for the session, started on first use."""
    yield from _serve(tmp_path_factory, "notebook")


_SESSION_FIXTURE = {"lab": "jupyter", "notebook": "notebook7"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("frontends")
    if marker is None or "frontend" not in metafunc.fixturenames:
        return
    names = list(marker.args) or list(H.FRONTENDS)
    unknown = [n for n in names if n not in H.FRONTENDS]
    if unknown:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: unknown front end(s) {unknown}; known: {list(H.FRONTENDS)}"
        )
    metafunc.parametrize("frontend", names, indirect=True)


@pytest.fixture
def frontend(request):
    """The session server of this test's front end: JupyterLab, or the `frontends` marker's parameter."""
    name = getattr(request, "param", "lab")
    return request.getfixturevalue(_SESSION_FIXTURE[name])


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@pytest.fixture
def lab(frontend, request):
    """The server for one test, with a clean store and a private copy of the quickstart notebook."""
    jupyter = frontend
    jupyter.server.delete_sessions()
    remove_store(jupyter.store)
    src = H.NOTEBOOKS / "01-quickstart.ipynb"
    assert src.exists(), f"{src} is missing"
    name = f"quickstart-{request.node.name}.ipynb".replace("[", "-").replace("]", "")
    shutil.copyfile(src, jupyter.root / name)
    yield SimpleNamespace(
        server=jupyter.server, store=jupyter.store, notebook=name, root=jupyter.root, frontend=jupyter.frontend
    )
    jupyter.server.delete_sessions()


@pytest.fixture
def page(browser, frontend):
    ctx, pg = H.new_page(browser, frontend.server.base)
    yield pg
    ctx.close()


@pytest.fixture
def quickstart(lab, page):
    """The quickstart copy opened in the test's front end, all cells run, the Labeler rendered and synced."""
    H.open_notebook(page, lab.server, lab.notebook)
    H.run_all(page)
    H.wait_labeler_ready(page)
    page.wait_for_function(H.JS_KERNEL_READY, timeout=120_000)  # every cell of run-all finished
    return SimpleNamespace(page=page, **vars(lab))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed and "lab" in item.funcargs:
        server = item.funcargs["lab"].server
        report.sections.append(("jupyter server log (tail)", server.tail_log(80)))
    return report

"""Fixtures for the real-browser tests: one JupyterLab server and one chromium per session.

* `jupyter` (session): `jupyter lab` on loopback, config/runtime/settings/workspaces/IPython dirs in a
  temporary directory, notebooks COPIED into its root (the repo's notebooks are never opened), and
  `NBL_STORE` pointing the quickstart notebook at a temporary store file.
* `lab`: the server for one test; afterwards every session (and kernel) is deleted, so a reopened
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


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory, browser):
    # depends on `browser` so a machine without chromium skips before starting a server
    tmp = tmp_path_factory.mktemp("jupyter")
    root = tmp / "nb"
    root.mkdir()
    store = tmp / "store" / "reviews.nblabel.db"
    store.parent.mkdir()
    server = H.start_jupyter(tmp / "server", root, extra_env={"NBL_STORE": str(store)})
    try:
        yield SimpleNamespace(server=server, root=root, store=store)
    finally:
        server.stop()


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@pytest.fixture
def lab(jupyter, request):
    """The server for one test, with a clean store and a private copy of the quickstart notebook."""
    jupyter.server.delete_sessions()
    remove_store(jupyter.store)
    src = H.NOTEBOOKS / "01-quickstart.ipynb"
    assert src.exists(), f"{src} is missing"
    name = f"quickstart-{request.node.name}.ipynb".replace("[", "-").replace("]", "")
    shutil.copyfile(src, jupyter.root / name)
    yield SimpleNamespace(server=jupyter.server, store=jupyter.store, notebook=name, root=jupyter.root)
    jupyter.server.delete_sessions()


@pytest.fixture
def page(browser, jupyter):
    ctx, pg = H.new_page(browser, jupyter.server.base)
    yield pg
    ctx.close()


@pytest.fixture
def quickstart(lab, page):
    """The quickstart copy opened in JupyterLab, all cells run, the Labeler rendered and synced."""
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

"""nbval runs of the notebooks: a throwaway store for every notebook, a real Label Studio server for
06-label-studio-sync.ipynb.

A pytest plugin loaded by the repository's root conftest.py (not a notebooks/conftest.py, which the
demo's file browser would show users next to the notebooks).

Only when that notebook is collected (and not deselected), a server is started from
``scripts/ls_server.py`` (a fresh copy of the template data dir on a free loopback port, ~3-5 s)
before any notebook kernel starts, and stopped at the end of the session. Its kernel gets
``LABEL_STUDIO_URL``, ``LABEL_STUDIO_API_KEY`` and a temporary ``NBL_STORE_DIR`` through the
environment (nbval's kernels inherit ``os.environ``); they are set just before that notebook's
kernel starts and restored after its last cell, so other notebooks run exactly as before.

Without an installed server the notebook's cells are skipped; with ``NBL_REQUIRE_SERVER=1`` the
server is installed if missing and any failure to start it FAILS the cells (CI must not pass by
skipping). ``NBL_LS_KEEP=1`` keeps the temp data dir and log.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SYNC_NOTEBOOK = "06-label-studio-sync.ipynb"
REQUIRE = os.environ.get("NBL_REQUIRE_SERVER") == "1"
ENV_KEYS = ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "NBL_STORE_DIR")


class _State:
    server: Any = None
    problem: str | None = None
    tmp: Path | None = None
    saved_env: dict[str, str | None] | None = None


_state = _State()


def _item_path(item: pytest.Item) -> Path:
    return Path(str(getattr(item, "path", None) or item.fspath))


def _is_notebook_item(item: pytest.Item) -> bool:
    return _item_path(item).suffix == ".ipynb"


def _is_sync_item(item: pytest.Item) -> bool:
    return _item_path(item).name == SYNC_NOTEBOOK


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(_is_notebook_item(i) for i in session.items):
        # Every notebook run under pytest labels into a throwaway store, never the user's demo store
        # in notebooks/ (01-quickstart.ipynb reads NBL_STORE; nbval's kernels inherit os.environ).
        # 01 reads NBL_STORE (one file, as the browser tests set it); every other notebook makes its own
        # file in NBL_STORE_DIR, so one notebook's labels never show up in another's store.
        stores = Path(tempfile.mkdtemp(prefix="nbl-nbval-"))
        os.environ.setdefault("NBL_STORE", str(stores / "reviews.nblabel.db"))
        os.environ.setdefault("NBL_STORE_DIR", str(stores))
        os.environ.setdefault("NBL_PROGRESS", "0")  # no progress bars in the compared outputs
    if not any(_is_sync_item(i) for i in session.items):
        return  # nothing of 06 will run: no server
    try:
        import ls_server as ls  # scripts/ is on sys.path (root conftest.py)

        if not ls.is_installed() and not REQUIRE:
            _state.problem = (
                f"Label Studio {ls.LS_VERSION} is not installed in {ls.VENV}: run `python "
                "scripts/ls_server.py install` (or set NBL_REQUIRE_SERVER=1, which installs it)"
            )
            return
        _state.server = ls.start(install_if_missing=REQUIRE)
    except Exception as exc:  # ServerProblem, OSError, ...
        _state.problem = f"cannot start a Label Studio server for {SYNC_NOTEBOOK}: {type(exc).__name__}: {exc}"
        return
    _state.tmp = Path(tempfile.mkdtemp(prefix="nbl-nb06-"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Runs before nbval's file setup (which starts the kernel) for the notebook's first cell."""
    if not _is_sync_item(item):
        return
    if _state.problem is not None:
        if REQUIRE:
            pytest.fail(_state.problem, pytrace=False)
        pytest.skip(_state.problem)
    if _state.saved_env is None:
        assert _state.server is not None and _state.tmp is not None
        _state.saved_env = {k: os.environ.get(k) for k in ENV_KEYS}
        os.environ["LABEL_STUDIO_URL"] = _state.server.url
        os.environ["LABEL_STUDIO_API_KEY"] = _state.server.token
        os.environ["NBL_STORE_DIR"] = str(_state.tmp)  # 06 makes reviews-sync.nblabel.db there


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the notebook's last cell: give the other notebooks their environment back."""
    if _is_sync_item(item) and (nextitem is None or not _is_sync_item(nextitem)):
        _restore_env()


def _restore_env() -> None:
    if _state.saved_env is None:
        return
    for key, value in _state.saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _state.saved_env = None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _restore_env()
    if _state.server is not None:
        _state.server.stop()
        _state.server = None
    if _state.tmp is not None and not os.environ.get("NBL_LS_KEEP"):
        shutil.rmtree(_state.tmp, ignore_errors=True)
        _state.tmp = None

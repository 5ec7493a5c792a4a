"""Real chromium + real JupyterLab, shared by the browser tests (conftest.py) and bench/latency.py.

Nothing here depends on pytest. Everything runs on loopback: the Jupyter server is isolated in a
temporary directory (config, runtime, settings, workspaces, IPython profile), chromium is
Debian's (Playwright never downloads a browser) and every request that does not go to the local
server is aborted by the page's route handler. See /docs/architecture.md ("Front end behaviour and
DOM contract") for the attributes waited on here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"

CHROMIUM = os.environ.get("NBL_CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",  # chromium refuses its sandbox as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ROOT = ".nbl-root"  # the Labeler's focusable root (docs/architecture.md)


# --------------------------------------------------------------------------- chromium


def chromium_problem() -> str | None:
    """Why a real-browser run is impossible here, or None when chromium and Playwright are usable."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"chromium not found at {CHROMIUM} (install Debian's chromium: `make chromium`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:  # pragma: no cover - dev extra missing
        return f"playwright is not importable: {exc}"
    return None


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)


def new_page(
    browser: Any, base_url: str, log: Callable[[str], None] = print, viewport: dict | None = None
) -> tuple[Any, Any]:
    """A fresh context + page that can only reach `base_url`; console errors and page errors are logged."""
    ctx = browser.new_context(viewport=viewport or {"width": 1400, "height": 900})
    prefix = base_url.rstrip("/")

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(prefix) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            log(f"[blocked request] {url}")
            route.abort()

    # Only requests that are NOT to the local server reach the Python handler (a negative regex),
    # so local traffic is not slowed down by routing.
    import re

    ctx.route(re.compile(r"^(?!" + re.escape(prefix) + r")(?!data:)(?!blob:)"), only_local)
    page = ctx.new_page()
    page.on("console", lambda m: m.type == "error" and log(f"[console.error] {m.text}"))
    page.on("pageerror", lambda e: log(f"[pageerror] {e}"))
    return ctx, page


# --------------------------------------------------------------------------- jupyter server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(tmp: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("ANYWIDGET_HMR", "JUPYTER_TOKEN", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        env.pop(name, None)
    dirs = {
        "JUPYTER_CONFIG_DIR": tmp / "config",
        "JUPYTER_RUNTIME_DIR": tmp / "runtime",
        "JUPYTER_DATA_DIR": tmp / "data",
        "IPYTHONDIR": tmp / "ipython",
        "JUPYTERLAB_SETTINGS_DIR": tmp / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": tmp / "workspaces",
    }
    for key, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[key] = str(path)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def write_config(config_dir: Path) -> None:
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    # the "Jupyter news?" toast covers the page; it would also try to fetch a feed
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    (config_dir / "jupyter_lab_config.py").write_text(
        "c.LabApp.news_url = None\nc.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n"
    )


# The front ends the browser tests run on: name -> (module run with `python -m`, notebook URL path).
# Both are a jupyter_server with one application on it; `window.jupyterapp` is the same API in both.
FRONTENDS = {
    "lab": ("jupyterlab", "lab/tree"),  # JupyterLab 4
    "notebook": ("notebook", "notebooks"),  # Jupyter Notebook 7
}


@dataclass
class JupyterServer:
    """A running `jupyter lab` (or `jupyter notebook`) on 127.0.0.1, isolated under `tmp`; notebooks live in `root`."""

    tmp: Path
    root: Path
    port: int
    token: str
    proc: subprocess.Popen
    env: dict[str, str] = field(repr=False)
    frontend: str = "lab"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime_dir(self) -> Path:
        return Path(self.env["JUPYTER_RUNTIME_DIR"])

    @property
    def log_path(self) -> Path:
        return self.tmp / "server.log"

    def lab_url(self, notebook: str) -> str:
        # `reset`: start from an empty workspace, or the previous test's notebooks reopen (and start kernels)
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def notebook_url(self, notebook: str) -> str:
        """The URL that opens `notebook` in this server's front end (JupyterLab or Notebook 7)."""
        if self.frontend == "lab":
            return self.lab_url(notebook)
        return f"{self.base}/{FRONTENDS[self.frontend][1]}/{notebook}?token={self.token}"

    def rest(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base}/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
        return json.loads(text) if text.strip() else None

    def sessions(self) -> list[dict]:
        return self.rest("GET", "api/sessions")

    def delete_sessions(self) -> None:
        """Shut down every session and its kernel: a reopened path would reuse the old kernel."""
        for s in self.sessions():
            try:
                self.rest("DELETE", f"api/sessions/{s['id']}", timeout=60)
            except urllib.error.HTTPError as exc:  # already gone
                if exc.code != 404:
                    raise

    def kernel_id(self, notebook: str) -> str:
        for s in self.sessions():
            if s.get("path") == notebook or s.get("notebook", {}).get("path") == notebook:
                return s["kernel"]["id"]
        raise LookupError(f"no session for {notebook!r}: {self.sessions()}")

    def kernel_pid(self, notebook: str) -> int:
        """The pid of the notebook's kernel: the process whose command line names its connection file."""
        return pid_with_arg(f"kernel-{self.kernel_id(notebook)}.json")

    def tail_log(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        stop_group(self.proc)


def pid_with_arg(needle: str) -> int:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(needle.encode() in a for a in args):
            found.append(int(entry.name))
    if len(found) != 1:
        raise LookupError(f"expected one process with {needle!r} in its command line, found {found}")
    return found[0]


def start_jupyter(
    tmp: Path, root: Path, extra_env: dict[str, str] | None = None, timeout: float = 90, frontend: str = "lab"
) -> JupyterServer:
    """Start `jupyter lab` (or `jupyter notebook` for ``frontend="notebook"``) headless on loopback
    (see reference: browser-testing §4) and wait until it answers."""
    import secrets

    if frontend not in FRONTENDS:
        raise ValueError(f"unknown front end {frontend!r}; known: {', '.join(FRONTENDS)}")
    tmp.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    env = isolated_env(tmp, extra_env)
    write_config(Path(env["JUPYTER_CONFIG_DIR"]))
    port, token = free_port(), secrets.token_hex(16)
    app_flag = (
        "--LabApp.expose_app_in_browser=True"
        if frontend == "lab"
        else "--JupyterNotebookApp.expose_app_in_browser=True"
    )
    cmd = [
        sys.executable,
        "-m",
        FRONTENDS[frontend][0],
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        app_flag,
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(
        cmd, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()
    server = JupyterServer(tmp=tmp, root=root, port=port, token=token, proc=proc, env=env, frontend=frontend)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter {frontend} exited with {proc.returncode}:\n{server.tail_log()}")
        try:
            server.rest("GET", "api/status", timeout=2)
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_group(proc)
            raise TimeoutError(f"jupyter {frontend} did not answer within {timeout:.0f} s:\n{server.tail_log()}")
        time.sleep(0.1)  # polling a server that is not up yet: no event to wait on


def stop_group(proc: subprocess.Popen, grace: float = 10) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


# --------------------------------------------------------------------------- notebook driving

JS_APP_READY = """() => window.jupyterapp !== undefined"""
JS_KERNEL_READY = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""


def open_notebook(page: Any, server: JupyterServer, notebook: str, timeout: float = 90_000) -> None:
    """Open `notebook` (path relative to the server root) in the server's front end (JupyterLab or
    Notebook 7) and wait for an idle kernel."""
    page.goto(server.notebook_url(notebook))
    page.wait_for_function(JS_APP_READY, timeout=timeout)
    page.evaluate("() => window.jupyterapp.restored")
    page.wait_for_function(
        """(path) => { const w = window.jupyterapp.shell.currentWidget;
                       return !!w && !!w.context && w.context.path === path && !!w.sessionContext; }""",
        arg=notebook,
        timeout=timeout,
    )
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.ready")
    page.wait_for_function(JS_KERNEL_READY, timeout=timeout)


def run_all(page: Any, clear_first: bool = False) -> None:
    if clear_first:
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.wait_for_function(f"() => document.querySelectorAll('{ROOT}').length === 0")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def wait_labeler_ready(page: Any, timeout: float = 90_000) -> Any:
    """Wait for a rendered, synced Labeler (`data-ack='0'` and a task shown); return its locator."""
    page.wait_for_selector(f"{ROOT}[data-ack='0']", timeout=timeout)
    page.wait_for_function(
        f"""() => {{ const r = document.querySelector('{ROOT}');
                    return !!r && r.dataset.state !== 'loading' && r.dataset.pos !== undefined
                           && r.dataset.pos !== ''; }}""",
        timeout=timeout,
    )
    return page.locator(ROOT).first


def focus_root(page: Any, selector: str = ROOT) -> None:
    """Focus a widget root the way a user does after clicking it, and check the focus landed."""
    page.evaluate(
        """(sel) => { const r = document.querySelector(sel);
                      r.scrollIntoView({block: 'center'}); r.focus(); }""",
        selector,
    )
    ok = page.evaluate("(sel) => document.activeElement === document.querySelector(sel)", selector)
    if not ok:
        active = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
        raise AssertionError(f"{selector} did not take the focus; active element: {active}")


def root_attrs(page: Any, selector: str = ROOT) -> dict[str, str]:
    return page.evaluate("(sel) => Object.assign({}, document.querySelector(sel).dataset)", selector)


def wait_all_acked(page: Any, selector: str = ROOT, timeout: float = 30_000) -> dict[str, str]:
    """Wait until the highest acked save is the last one sent and nothing is pending."""
    page.wait_for_function(
        """(sel) => { const r = document.querySelector(sel);
                      return !!r && r.dataset.ack === r.dataset.seq && r.dataset.pending === '0'; }""",
        arg=selector,
        timeout=timeout,
    )
    return root_attrs(page, selector)


def notebook_cells(page: Any) -> list[tuple[str, str]]:
    """(type, source) of every cell of the current notebook, from its model."""
    return [
        tuple(c)
        for c in page.evaluate(
            """() => window.jupyterapp.shell.currentWidget.content.widgets
                 .map(c => [c.model.type, c.model.sharedModel.getSource()])"""
        )
    ]


JS_RUN_NEW_CELL = """async ({source, wait}) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  nb.mode = 'command';
  await app.commands.execute('notebook:insert-cell-below');
  const cell = nb.activeCell;
  cell.model.sharedModel.setSource(source);
  const index = nb.activeCellIndex;
  window.__nblRuns = window.__nblRuns || {};
  const key = cell.model.id;
  window.__nblRuns[key] = 'running';
  window.__nblRunTimes = window.__nblRunTimes || {};
  window.__nblRunTimes[key] = {start: performance.now(), end: null};
  // the command resolves once the execute reply *and* the kernel's idle status arrived,
  // i.e. after every output of the cell is in its model
  const run = app.commands.execute('notebook:run-cell').then(
      () => { window.__nblRuns[key] = 'done'; window.__nblRunTimes[key].end = performance.now(); },
      (e) => { window.__nblRuns[key] = 'failed: ' + e; });
  if (wait) await run;
  return {index, key};
}"""

JS_CELL_OUTPUT = """(key) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets.find(c => c.model.id === key);
  const outs = cell.model.outputs.toJSON();
  const text = outs.filter(o => o.output_type === 'stream')
                   .map(o => Array.isArray(o.text) ? o.text.join('') : o.text).join('');
  const err = outs.filter(o => o.output_type === 'error')
                  .map(o => o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n'));
  return {text, error: err.join('\\n'), run: (window.__nblRuns || {})[key]};
}"""

_BEGIN, _END = "@@NBL-BEGIN@@", "@@NBL-END@@"


def strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def run_cell(page: Any, source: str, timeout: float = 60_000) -> str:
    """Append a code cell via the app's commands, run it, and return what it printed."""
    key = start_cell(page, source)
    page.wait_for_function("(key) => (window.__nblRuns || {})[key] !== 'running'", arg=key, timeout=timeout)
    out = page.evaluate(JS_CELL_OUTPUT, key)
    if out["run"] != "done":
        raise RuntimeError(f"running the cell failed ({out['run']}):\n{source}")
    if out["error"]:
        raise RuntimeError(f"cell failed:\n{source}\n---\n{strip_ansi(out['error'])}")
    return out["text"]


def kernel_json(page: Any, expr: str, setup: str = "", timeout: float = 60_000) -> Any:
    """Evaluate the Python expression `expr` in the notebook's kernel (in a new cell) and return it via JSON."""
    src = f"{setup}\nimport json as _nbl_json\nprint({_BEGIN!r} + _nbl_json.dumps({expr}, default=str) + {_END!r})"
    text = run_cell(page, src, timeout=timeout)
    start, end = text.rfind(_BEGIN), text.rfind(_END)
    if start < 0 or end < 0:
        raise RuntimeError(f"no result printed by:\n{src}\n---\n{text}")
    return json.loads(text[start + len(_BEGIN) : end])


def start_cell(page: Any, source: str) -> str:
    """Append a code cell and start running it without waiting; returns its model id (see cell_done)."""
    return page.evaluate(JS_RUN_NEW_CELL, {"source": source, "wait": False})["key"]


def cell_done(page: Any, key: str) -> bool:
    return page.evaluate("(key) => (window.__nblRuns || {})[key] === 'done'", key)


def restart_kernel(page: Any, timeout: float = 60_000) -> None:
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.restartKernel()")
    page.wait_for_function(JS_KERNEL_READY, timeout=timeout)

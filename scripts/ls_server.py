#!/usr/bin/env python3
"""Install, initialise, start and stop a local Label Studio 1.23.2 server (tests and development).

Standard library only, so it runs with any Python >= 3.10 (the repo venv is not needed).

    python scripts/ls_server.py install          # own venv in .cache/ls-venv (~1 GB, ~45 s, once)
    python scripts/ls_server.py init             # template data dir .cache/ls-template (~22 s, once)
    python scripts/ls_server.py start [--port 8080] [--data-dir DIR]
    python scripts/ls_server.py status
    python scripts/ls_server.py stop

As a module (the test fixture in tests/server/conftest.py):

    server = ls_server.start()            # fresh copy of the template on a free loopback port
    ...                                   # server.url, server.token (legacy key), server.pid
    server.stop()                         # SIGTERM, SIGKILL after a timeout; removes the temp dir

Label Studio pins packages that clash with nblabel's (numpy <2.3, pytz <2023, ...), so it lives in
its own venv and nblabel only talks to it over HTTP. Every Label Studio command gets
LABEL_STUDIO_BASE_DATA_DIR (otherwise it writes into $HOME) and binds to 127.0.0.1 only.
See docs/label-studio.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

LS_VERSION = "1.23.2"
REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("NBL_LS_CACHE") or REPO / ".cache")
VENV = CACHE / "ls-venv"
TEMPLATE = CACHE / "ls-template"
DEV_DATA = CACHE / "ls-data"  # persistent data dir of `ls_server.py start` (the CLI)
STATE_FILE = CACHE / "ls-server.json"  # pid/url of the server started by the CLI
INSTALL_STAMP = VENV / ".nblabel-installed"
TEMPLATE_STAMP = TEMPLATE / ".nblabel-template"

# A fixed admin for local test servers only (loopback, throw-away data). Not a secret.
ADMIN_EMAIL = "admin@nblabel.test"
ADMIN_PASSWORD = "nblabel-admin-pass"
ADMIN_TOKEN = "nblabel0test0legacy0token0000000000000000"  # legacy API key (`Token <key>`)

_STARTED_RE = re.compile(r"Starting development server at https?://[^:/\s]+:(\d+)/")


class ServerProblem(RuntimeError):
    """The server could not be installed, initialised or started (message says why)."""


@dataclass
class LocalServer:
    """A Label Studio process started by `start()`."""

    url: str  # http://127.0.0.1:PORT (the confirmed port)
    token: str = field(repr=False)  # legacy API key of the admin (send as `Token <key>`)
    pid: int
    data_dir: Path  # LABEL_STUDIO_BASE_DATA_DIR
    log_path: Path  # stdout + stderr of the server
    port: int
    username: str = ADMIN_EMAIL
    password: str = field(default=ADMIN_PASSWORD, repr=False)
    cleanup_dir: Path | None = None  # removed by stop() (the temp dir holding data_dir and log)
    _proc: subprocess.Popen | None = field(default=None, repr=False, compare=False)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server, SIGKILL it after `timeout` s; then remove the temp dir, if any."""
        if self._proc is not None:
            _stop_popen(self._proc, timeout)
        else:
            stop_pid(self.pid, timeout)
        if self.cleanup_dir is not None and not os.environ.get("NBL_LS_KEEP"):
            shutil.rmtree(self.cleanup_dir, ignore_errors=True)

    def log_tail(self, n: int = 40) -> str:
        return _tail(self.log_path, n)

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- install


def is_installed() -> bool:
    return _read(INSTALL_STAMP) == LS_VERSION and (VENV / "bin" / "label-studio").exists()


def install(force: bool = False, quiet: bool = True, python: str | None = None) -> Path:
    """Install label-studio==LS_VERSION into VENV (idempotent: a stamp file). Returns the venv."""
    with _lock("install"):
        if is_installed() and not force:
            return VENV
        python = python or os.environ.get("NBL_LS_PYTHON") or sys.executable or "python3"
        if VENV.exists():  # a half-built or outdated venv: start over
            shutil.rmtree(VENV)
        VENV.parent.mkdir(parents=True, exist_ok=True)
        q = ["-q"] if quiet else []
        t0 = time.monotonic()
        _run([python, "-m", "venv", str(VENV)], "create the venv")
        pip = [str(VENV / "bin" / "python"), "-m", "pip"]
        _run(pip + ["install", *q, "--upgrade", "pip"], "upgrade pip")
        _run(pip + ["install", *q, f"label-studio=={LS_VERSION}"], f"pip install label-studio=={LS_VERSION}")
        _run(pip + ["check"], "pip check")
        INSTALL_STAMP.write_text(LS_VERSION)
        _say(f"label-studio {LS_VERSION} installed in {VENV} ({time.monotonic() - t0:.0f} s)")
        return VENV


def ls_env(data_dir: Path) -> dict[str, str]:
    """The environment for any Label Studio command: isolated data dir, fixed admin, no phoning home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LABEL_STUDIO_", "HEARTEX_", "DJANGO_", "POSTGRE_", "PYTHON"))
        and k not in {"PORT", "HOST", "INTERNAL_HOST", "VIRTUAL_ENV", "SECRET_KEY", "DATABASE_URL"}
    }
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
            "LABEL_STUDIO_USERNAME": ADMIN_EMAIL,
            "LABEL_STUDIO_PASSWORD": ADMIN_PASSWORD,
            "LABEL_STUDIO_USER_TOKEN": ADMIN_TOKEN,
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            "LATEST_VERSION_CHECK": "false",
            "COLLECT_ANALYTICS": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "PYTHONUNBUFFERED": "1",  # log lines reach the log file at once (port confirmation)
        }
    )
    return env


def init_template(force: bool = False) -> Path:
    """`label-studio init` once into TEMPLATE (migrations, admin, legacy token). Returns TEMPLATE."""
    if not is_installed():
        raise ServerProblem(f"Label Studio is not installed in {VENV}: run `python scripts/ls_server.py install`")
    with _lock("template"):
        if _read(TEMPLATE_STAMP) == LS_VERSION and not force:
            return TEMPLATE
        tmp = Path(tempfile.mkdtemp(prefix=".ls-template-", dir=CACHE))
        try:
            t0 = time.monotonic()
            cmd = [
                str(VENV / "bin" / "label-studio"),
                "init",
                "-q",
                "--username",
                ADMIN_EMAIL,
                "--password",
                ADMIN_PASSWORD,
                "--user-token",
                ADMIN_TOKEN,
                "--enable-legacy-api-token",
            ]
            _run(cmd, "label-studio init", env=ls_env(tmp), cwd=tmp, timeout=600)
            if not any(tmp.glob("*.sqlite3")):
                raise ServerProblem(f"label-studio init left no SQLite database in {tmp}")
            (tmp / TEMPLATE_STAMP.name).write_text(LS_VERSION)
            if TEMPLATE.exists():
                shutil.rmtree(TEMPLATE)
            tmp.rename(TEMPLATE)
            _say(f"template data dir ready in {TEMPLATE} ({time.monotonic() - t0:.0f} s)")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return TEMPLATE


# --------------------------------------------------------------------------- start / stop


def free_port() -> int:
    """A currently free loopback port (the kernel's pick; LS may still lose a race: see start())."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    data_dir: Path | str | None = None,
    port: int | None = None,
    *,
    timeout: float = 120.0,
    die_with_parent: bool = True,
    install_if_missing: bool = False,
) -> LocalServer:
    """Start Label Studio on 127.0.0.1 and wait until it answers on the confirmed port.

    `data_dir=None`: a fresh temp dir holding a copy of the template (removed by `stop()`).
    An existing `data_dir` is used as is; a missing one is created from the template.
    `die_with_parent`: the server gets SIGTERM when the calling thread ends (Linux), so a killed
    test run leaves no server behind (call start() from a thread that outlives the server).
    """
    if install_if_missing:
        install()
    template = init_template()
    cleanup = None
    if data_dir is None:
        cleanup = Path(tempfile.mkdtemp(prefix="nbl-ls-"))
        data_dir = cleanup / "data"
        log_path = cleanup / "server.log"
    else:
        data_dir = Path(data_dir).resolve()
        log_path = data_dir.with_name(data_dir.name + ".log")
    if not data_dir.exists():
        shutil.copytree(template, data_dir, symlinks=True)  # `cp -a` (keeps mtimes and modes)
    port = port or free_port()
    cmd = [
        str(VENV / "bin" / "label-studio"),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "WARNING",
    ]
    log = open(log_path, "wb")  # a fresh log per start: the port is read from it
    try:
        proc = subprocess.Popen(
            cmd,
            env=ls_env(data_dir),
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_signal() if die_with_parent else None,
        )
    finally:
        log.close()
    server = LocalServer(
        url=f"http://127.0.0.1:{port}",
        token=ADMIN_TOKEN,
        pid=proc.pid,
        data_dir=data_dir,
        log_path=log_path,
        port=port,
        cleanup_dir=cleanup,
        _proc=proc,
    )
    try:
        _wait_ready(server, proc, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: LocalServer, proc: subprocess.Popen, timeout: float) -> None:
    """Wait for the 'Starting development server at ...:PORT/' log line, then /health and an
    authenticated call on THAT port. Label Studio silently moves to the next port when the one
    asked for is busy, so a /health answer alone may come from somebody else's server."""
    deadline = time.monotonic() + timeout
    asked = server.port
    while True:
        if proc.poll() is not None:
            raise ServerProblem(
                f"Label Studio exited with code {proc.returncode} during start-up; log {server.log_path}:\n"
                + server.log_tail()
            )
        m = _STARTED_RE.search(_read(server.log_path) or "")
        if m:
            actual = int(m.group(1))
            if actual != asked:
                _say(f"port {asked} was taken; Label Studio moved to {actual}")
                server.port = actual
                server.url = f"http://127.0.0.1:{actual}"
            if _http_ok(server.url + "/health"):
                break
        if time.monotonic() > deadline:
            raise ServerProblem(
                f"Label Studio did not become ready on port {asked} within {timeout:.0f} s; "
                f"log {server.log_path}:\n" + server.log_tail()
            )
        time.sleep(0.25)
    # The admin's legacy key must work on the confirmed port: this is our server and data dir.
    who = _http_json(server.url + "/api/current-user/whoami", token=server.token)
    if not isinstance(who, dict) or who.get("email") != ADMIN_EMAIL:
        raise ServerProblem(f"unexpected whoami answer on {server.url}: {who!r}")


def stop_pid(pid: int, timeout: float = 10.0) -> bool:
    """SIGTERM `pid` (only if it is a Label Studio process), SIGKILL after `timeout` s.
    Returns False if there was no such process."""
    if not _is_label_studio(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not _alive(pid):
            break
        time.sleep(0.1)
    return True


def _stop_popen(proc: subprocess.Popen, timeout: float) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _alive(pid: int) -> bool:
    try:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child: reap it
                return False
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = _read(Path(f"/proc/{pid}/stat"))
    return not (stat and stat.rsplit(")", 1)[-1].split()[0] == "Z")  # a zombie is dead


def _is_label_studio(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid) if not Path("/proc").is_dir() else False
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when the thread that started it exits
    (PR_SET_PDEATHSIG). Resolved before the fork: the child only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


# --------------------------------------------------------------------------- helpers


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _http_json(url: str, token: str | None = None) -> object:
    req = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        raise ServerProblem(f"GET {url} -> {exc.code}: {exc.read()[:300]!r}") from None
    except (OSError, ValueError) as exc:
        raise ServerProblem(f"GET {url} failed: {exc}") from None


def _run(cmd: list[str], what: str, *, env: dict | None = None, cwd: Path | None = None, timeout: float = 1800) -> None:
    try:
        r = subprocess.run(
            cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerProblem(f"{what} failed: {exc}") from None
    if r.returncode != 0:
        out = (r.stdout + r.stderr).strip().splitlines()
        raise ServerProblem(f"{what} failed (exit {r.returncode}):\n" + "\n".join(out[-30:]))


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    """An inter-process lock, so parallel test sessions don't build the same venv/template."""
    import fcntl

    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".ls-{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _tail(path: Path, n: int) -> str:
    return "\n".join((_read(path) or "").splitlines()[-n:])


def _say(msg: str) -> None:
    print(f"[ls_server] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- CLI


def _cli_start(args: argparse.Namespace) -> int:
    state = _state()
    if state and _is_label_studio(state["pid"]):
        print(f"already running: {state['url']} (pid {state['pid']}); `stop` it first")
        return 1
    install()
    data_dir = Path(args.data_dir) if args.data_dir else DEV_DATA
    srv = start(data_dir, args.port, die_with_parent=False)
    state = {
        "url": srv.url,
        "pid": srv.pid,
        "port": srv.port,
        "data_dir": str(srv.data_dir),
        "log_path": str(srv.log_path),
    }
    STATE_FILE.write_text(json.dumps(state))
    print(f"Label Studio {LS_VERSION} running at {srv.url} (pid {srv.pid}), data {srv.data_dir}, log {srv.log_path}")
    print(f"  log in: {srv.username} / {srv.password}")
    print(f"  export LABEL_STUDIO_URL={srv.url}")
    print(f"  export LABEL_STUDIO_API_KEY={srv.token}")
    return 0


def _state() -> dict | None:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("install", help=f"install label-studio=={LS_VERSION} into {VENV}")
    pi.add_argument("--force", action="store_true")
    pt = sub.add_parser("init", help=f"create the template data dir {TEMPLATE}")
    pt.add_argument("--force", action="store_true")
    ps = sub.add_parser("start", help="start a server in the background (persistent data dir)")
    ps.add_argument("--port", type=int, default=8080, help="asked port (LS moves on if busy; the real one is printed)")
    ps.add_argument("--data-dir", help=f"data dir (default {DEV_DATA}, created from the template)")
    sub.add_parser("stop", help="stop the server started by `start`")
    sub.add_parser("status", help="is the server started by `start` running?")
    args = p.parse_args(argv)
    try:
        if args.cmd == "install":
            print(install(force=args.force, quiet=False))
        elif args.cmd == "init":
            install()
            print(init_template(force=args.force))
        elif args.cmd == "start":
            return _cli_start(args)
        elif args.cmd == "stop":
            state = _state()
            if not state:
                print("no server recorded")
                return 0
            stopped = stop_pid(int(state["pid"]))
            STATE_FILE.unlink(missing_ok=True)
            print(f"stopped pid {state['pid']}" if stopped else f"pid {state['pid']} was not running")
        elif args.cmd == "status":
            state = _state()
            if state and _is_label_studio(int(state["pid"])) and _http_ok(state["url"] + "/health"):
                print(f"running: {state['url']} (pid {state['pid']})")
            else:
                print("not running")
                return 1
    except ServerProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

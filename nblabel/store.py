"""The SQLite store: annotations that survive kernel restarts, crashes and two open notebooks.

One file holds any number of projects (``project`` column). Tables (see docs/architecture.md):

- ``meta(key, value)``: ``schema_version`` (migrations) and ``app = "nblabel"``;
- ``tasks``: the last seen snapshot of each labeled task's data (Label Studio task JSON);
- ``annotations``: one row per (project, task, annotator), the annotator's latest result;
- ``predictions``: one row per (project, task, model_version);
- ``history``: an append-only journal of every save/skip/clear, with the browser's ``seq``.

``server_id`` columns are reserved for syncing with a Label Studio server.

Durability: a save is acknowledged to the browser only after :meth:`Store.save` returns, and
it returns only after ``COMMIT``. The database runs in WAL mode with ``synchronous=FULL``: in
WAL mode ``synchronous=NORMAL`` already survives the *process* dying (the commit is in the OS
page cache once ``COMMIT`` returns), but it fsyncs the WAL only at checkpoints, so an OS crash
or power cut can lose recently acknowledged saves. ``FULL`` fsyncs the WAL on every commit,
which costs a few milliseconds per save, nothing at human labeling speed, and makes
"acknowledged" mean "on disk".

Concurrency: saves come from the kernel's comm thread, so the connection is opened with
``check_same_thread=False`` and every use holds a lock. Two notebooks on the same file are two
connections: WAL lets readers and one writer proceed together, ``busy_timeout`` makes a writer
wait for the other's commit instead of failing, and writes start with ``BEGIN IMMEDIATE`` so a
transaction never has to upgrade a read lock (an upgrade conflict fails at once, without
waiting for the busy timeout).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nblabel.frame import json_safe, task_key

__all__ = ["Store", "StoreError", "default_store_path", "SCHEMA_VERSION"]

#: The schema version this code writes. A store with a higher version was written by a newer
#: nblabel and is refused rather than misread.
SCHEMA_VERSION = 1

#: Milliseconds a writer waits for another connection's transaction before giving up.
BUSY_TIMEOUT_MS = 10_000

# Migration n brings a store from version n-1 to version n. Append new entries; never edit old ones.
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE IF NOT EXISTS tasks (
            project    TEXT NOT NULL,
            key        TEXT NOT NULL,
            data       TEXT NOT NULL,
            meta       TEXT,
            server_id  INTEGER,
            created_at TEXT NOT NULL,
            PRIMARY KEY (project, key)
        )""",
        """CREATE TABLE IF NOT EXISTS annotations (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            project       TEXT NOT NULL,
            task_key      TEXT NOT NULL,
            annotator     TEXT NOT NULL,
            result        TEXT NOT NULL,
            was_cancelled INTEGER NOT NULL DEFAULT 0,
            lead_time     REAL,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            server_id     INTEGER,
            UNIQUE (project, task_key, annotator)
        )""",
        "CREATE INDEX IF NOT EXISTS annotations_by_annotator ON annotations (project, annotator)",
        """CREATE TABLE IF NOT EXISTS predictions (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            project       TEXT NOT NULL,
            task_key      TEXT NOT NULL,
            model_version TEXT NOT NULL,
            score         REAL,
            result        TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            server_id     INTEGER,
            UNIQUE (project, task_key, model_version)
        )""",
        """CREATE TABLE IF NOT EXISTS history (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            project       TEXT NOT NULL,
            task_key      TEXT NOT NULL,
            annotator     TEXT NOT NULL,
            action        TEXT NOT NULL CHECK (action IN ('save', 'skip', 'clear')),
            result        TEXT NOT NULL,
            was_cancelled INTEGER NOT NULL DEFAULT 0,
            seq           INTEGER,
            at            TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS history_by_task ON history (project, task_key)",
    ],
}

# SQLite limits host parameters per statement (999 in old builds); stay well below.
_CHUNK = 500


class StoreError(RuntimeError):
    """The store file cannot be opened or written; the message names the file and what to do.

    Raised for a directory or unwritable path, a file that is not an nblabel store, a store
    written by a newer nblabel, a closed store, and a write that SQLite refused (disk full,
    another writer holding the lock past ``BUSY_TIMEOUT_MS``...).
    """


def default_store_path() -> Path:
    """Where a labeler keeps its labels unless told otherwise: ``nblabel.db`` in the current directory.

    The current directory of a Jupyter kernel is the notebook's folder, so labels sit next to
    the notebook and a restarted kernel finds them again.
    """
    return Path.cwd() / "nblabel.db"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class Store:
    """Annotations, task snapshots, predictions and a save journal in one SQLite file.

    ``path`` is created (with parent directories) if missing; ``":memory:"`` gives a throwaway
    in-memory store (not durable; for experiments). ``project`` separates label sets that share
    a file. Task ids are keyed with :func:`nblabel.frame.task_key` (``5``, ``np.int64(5)`` and
    ``"5"`` are the same task). Thread-safe; use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike, project: str = "default") -> None:
        if not isinstance(project, str) or not project:
            raise ValueError("project must be a non-empty string")
        self.project = project
        self._lock = threading.RLock()
        memory = str(path) == ":memory:"
        self.path = Path(path) if memory else Path(path).expanduser().absolute()
        if not memory:
            self._prepare_path()
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                ":memory:" if memory else str(self.path),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc
        try:
            self._setup()
        except StoreError:
            self._conn.close()
            self._conn = None
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            self._conn = None
            raise self._open_error(exc) from exc

    # ---- opening -------------------------------------------------------------------------

    def _prepare_path(self) -> None:
        path = self.path
        if path.is_dir():
            raise StoreError(
                f"cannot use {path} as an nblabel store: it is a directory "
                f"(pass a file path such as {path / 'nblabel.db'})"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            blocker = next((p for p in path.parents if p.exists()), None)
            why = (f"{blocker} is a file, not a folder" if blocker is not None and not blocker.is_dir()
                   else exc.strerror or str(exc))
            raise StoreError(f"cannot create the folder for the nblabel store {path}: {why}") from exc
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"cannot open the nblabel store {path}: the file is not readable and writable")

    def _open_error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            return StoreError(f"{self.path} is not an nblabel store (not an SQLite database: {text}); "
                              "pass another path")
        if "readonly" in text or "unable to open" in text or "disk I/O" in text:
            return StoreError(f"cannot write the nblabel store {self.path}: {text} "
                              "(check that the file and its folder are writable)")
        return StoreError(f"cannot open the nblabel store {self.path}: {text}")

    def _setup(self) -> None:
        conn = self._conn
        assert conn is not None
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        # Look before touching anything: a text file fails this read ("not a database"), and
        # another program's database or a newer store is refused before WAL mode (which is
        # persistent) is switched on in it.
        self._schema_version(conn.cursor(), create=False)
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")  # see the module docstring: acked = durable
        with self._write() as cur:
            version = self._schema_version(cur, create=True)  # again: another process may have migrated
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target]:
                    cur.execute(statement)
            if version < SCHEMA_VERSION:
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
                cur.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('app', 'nblabel')")

    def _schema_version(self, cur: sqlite3.Cursor, *, create: bool) -> int:
        """The store's schema version (0 = empty file); refuses foreign and newer files."""
        tables = {row[0] for row in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            others = sorted(t for t in tables if not t.startswith("sqlite_"))
            if others:
                raise StoreError(
                    f"{self.path} is an SQLite database but not an nblabel store "
                    f"(it has tables {', '.join(others[:5])}); pass another path"
                )
            if create:
                cur.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            return 0
        row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise StoreError(f"{self.path} is an SQLite database but not an nblabel store (no schema_version)")
        try:
            version = int(row[0])
        except ValueError:
            raise StoreError(f"{self.path} has an unreadable schema_version {row[0]!r}") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer nblabel (store schema version {version}; this "
                f"nblabel reads up to version {SCHEMA_VERSION}): upgrade nblabel to open it"
            )
        return version

    # ---- transactions --------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the nblabel store {self.path} is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error)."""
        with self._lock:
            conn = self._connection()
            cur = conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                try:
                    yield cur
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                # disk full, I/O error, another writer holding the lock past busy_timeout...
                raise StoreError(f"could not write to the nblabel store {self.path}: {exc}") from exc
            finally:
                cur.close()

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._connection().execute(sql, tuple(params)).fetchall()

    # ---- annotations ---------------------------------------------------------------------

    def save(
        self,
        task_id: object,
        data: dict,
        result: list[dict],
        *,
        annotator: str,
        was_cancelled: bool = False,
        lead_time: float | None = None,
        seq: int | None = None,
    ) -> dict:
        """Store ``annotator``'s result for a task; committed to disk before this returns.

        In one transaction: the task's ``data`` snapshot is upserted, the annotation is upserted
        (or deleted when ``result == []`` and not ``was_cancelled``: a *clear*), and a history
        row records the action (``save``, ``skip`` when ``was_cancelled``, or ``clear``) with
        ``seq``. ``lead_time=None`` keeps the previously stored lead time.

        Returns the stored annotation dict (see :meth:`annotations`), or ``{}`` after a clear.
        Raises ``TypeError`` for a result that is not a list of dicts (naming the task id).
        """
        key = task_key(task_id)
        if not isinstance(result, list):
            raise TypeError(f"result for task {key!r} must be a list of result dicts, not {type(result).__name__}")
        for item in result:
            if not isinstance(item, dict):
                raise TypeError(f"result for task {key!r} must hold dicts, found {type(item).__name__}")
        if not isinstance(data, dict):
            raise TypeError(f"data for task {key!r} must be a dict, not {type(data).__name__}")
        if not isinstance(annotator, str) or not annotator:
            raise ValueError(f"annotator for task {key!r} must be a non-empty string")
        cancelled = bool(was_cancelled)
        action = "skip" if cancelled else ("clear" if not result else "save")
        result_text = _dumps(result)
        data_text = _dumps(json_safe(data))
        lead = None if lead_time is None else float(lead_time)
        now = _now()
        with self._write() as cur:
            cur.execute(
                "INSERT INTO tasks (project, key, data, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (project, key) DO UPDATE SET data = excluded.data",
                (self.project, key, data_text, now),
            )
            if action == "clear":
                cur.execute(
                    "DELETE FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
                    (self.project, key, annotator),
                )
            else:
                cur.execute(
                    "INSERT INTO annotations (project, task_key, annotator, result, was_cancelled, lead_time, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (project, task_key, annotator) DO UPDATE SET result = excluded.result, "
                    "was_cancelled = excluded.was_cancelled, "
                    "lead_time = COALESCE(excluded.lead_time, annotations.lead_time), "
                    "updated_at = excluded.updated_at",
                    (self.project, key, annotator, result_text, int(cancelled), lead, now, now),
                )
            cur.execute(
                "INSERT INTO history (project, task_key, annotator, action, result, was_cancelled, seq, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.project, key, annotator, action, result_text, int(cancelled), seq, now),
            )
            if action == "clear":
                return {}
            row = cur.execute(
                f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
                (self.project, key, annotator),
            ).fetchone()
        return _annotation(row)

    def annotation(self, task_id: object, annotator: str) -> dict | None:
        """``annotator``'s stored annotation of a task, or None."""
        rows = self._read(
            f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ? AND task_key = ? AND annotator = ?",
            (self.project, task_key(task_id), annotator),
        )
        return _annotation(rows[0]) if rows else None

    def annotations(self, annotator: str | None = None) -> list[dict]:
        """Stored annotations (all annotators, or one), oldest first.

        Each is ``{"id": int, "task_id": key str, "annotator", "result": list, "was_cancelled":
        bool, "lead_time": float | None, "created_at", "updated_at"}`` with ISO-8601 UTC times.
        """
        sql = f"SELECT {_ANN_COLUMNS} FROM annotations WHERE project = ?"
        params: list[object] = [self.project]
        if annotator is not None:
            sql += " AND annotator = ?"
            params.append(annotator)
        return [_annotation(r) for r in self._read(sql + " ORDER BY id", params)]

    def annotated(self, annotator: str) -> dict[str, bool]:
        """Task key -> was_cancelled for every task ``annotator`` has saved or skipped.

        Small rows only (no result JSON), for building labeled/unlabeled masks quickly.
        """
        rows = self._read(
            "SELECT task_key, was_cancelled FROM annotations WHERE project = ? AND annotator = ?",
            (self.project, annotator),
        )
        return {k: bool(c) for k, c in rows}

    def counts(self, annotator: str) -> tuple[int, int]:
        """``(done, skipped)`` for ``annotator``: annotations not cancelled, and cancelled ones."""
        row = self._read(
            "SELECT COALESCE(SUM(was_cancelled = 0), 0), COALESCE(SUM(was_cancelled != 0), 0) "
            "FROM annotations WHERE project = ? AND annotator = ?",
            (self.project, annotator),
        )[0]
        return int(row[0]), int(row[1])

    def history(self, task_id: object | None = None) -> list[dict]:
        """The save journal (one task's, or the whole project's), oldest first.

        Each row is ``{"id", "task_id", "annotator", "action": "save"|"skip"|"clear", "result",
        "was_cancelled", "seq", "at"}``.
        """
        sql = ("SELECT id, task_key, annotator, action, result, was_cancelled, seq, at FROM history "
               "WHERE project = ?")
        params: list[object] = [self.project]
        if task_id is not None:
            sql += " AND task_key = ?"
            params.append(task_key(task_id))
        return [
            {"id": r[0], "task_id": r[1], "annotator": r[2], "action": r[3], "result": json.loads(r[4]),
             "was_cancelled": bool(r[5]), "seq": r[6], "at": r[7]}
            for r in self._read(sql + " ORDER BY id", params)
        ]

    # ---- predictions ---------------------------------------------------------------------

    def add_predictions(self, rows: Iterable[tuple[object, list, float | None, str]]) -> int:
        """Store ``(task_id, result, score, model_version)`` rows in one transaction; returns the count.

        A task has at most one prediction per model version: storing another replaces it.
        """
        prepared = []
        for row in rows:
            task_id, result, score, model_version = row
            key = task_key(task_id)
            if not isinstance(result, list):
                raise TypeError(f"prediction result for task {key!r} must be a list, not {type(result).__name__}")
            prepared.append((
                self.project, key, str(model_version if model_version is not None else "undefined"),
                json_safe(None if score is None else float(score)), _dumps(json_safe(result)), _now(),
            ))
        if not prepared:
            return 0
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO predictions (project, task_key, model_version, score, result, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project, task_key, model_version) DO UPDATE SET "
                "score = excluded.score, result = excluded.result, created_at = excluded.created_at",
                prepared,
            )
        return len(prepared)

    def predictions(self, task_ids: Iterable[object]) -> dict[str, list[dict]]:
        """Task key -> its predictions ``[{"result", "score", "model_version"}]`` (every asked key, maybe empty)."""
        keys = list(dict.fromkeys(task_key(t) for t in task_ids))
        out: dict[str, list[dict]] = {k: [] for k in keys}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for k, result, score, version in self._read(
                f"SELECT task_key, result, score, model_version FROM predictions "
                f"WHERE project = ? AND task_key IN ({marks}) ORDER BY id",
                [self.project, *chunk],
            ):
                out[k].append({"result": json.loads(result), "score": score, "model_version": version})
        return out

    # ---- tasks ---------------------------------------------------------------------------

    def tasks(self) -> list[dict]:
        """Stored task snapshots as Label Studio task JSON ``{"id": key, "data": {...}}``, oldest first."""
        out = []
        for key, data, meta in self._read(
            "SELECT key, data, meta FROM tasks WHERE project = ? ORDER BY rowid", (self.project,)
        ):
            task: dict[str, object] = {"id": key, "data": json.loads(data)}
            if meta is not None:
                task["meta"] = json.loads(meta)
            out.append(task)
        return out

    # ---- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent). Committed saves are already on disk."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"Store({str(self.path)!r}, project={self.project!r}) [{state}]"


_ANN_COLUMNS = "id, task_key, annotator, result, was_cancelled, lead_time, created_at, updated_at"


def _annotation(row: tuple) -> dict:
    return {
        "id": row[0],
        "task_id": row[1],
        "annotator": row[2],
        "result": json.loads(row[3]),
        "was_cancelled": bool(row[4]),
        "lead_time": row[5],
        "created_at": row[6],
        "updated_at": row[7],
    }

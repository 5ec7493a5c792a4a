"""The ``Labeler`` widget: wires a ``LabelSession`` to the front end in ``nblabel/static``.

No labeling logic lives here; see ``nblabel/session.py``. One widget model per labeler: state a
new view needs travels as traits, events travel as small custom messages (docs/architecture.md).
"""

from __future__ import annotations

import getpass
import inspect
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import anywidget
import pandas as pd
import traitlets

from .config import ConfigError, ConfigSpec, parse_config
from .export import ExportResult, export_store
from .frame import TaskSource
from .session import LabelSession, Progress
from .store import Store, default_store_path
from .sync import PullReport, PushReport, pull, push

if TYPE_CHECKING:
    from .labelstudio import Project

STATIC = Path(__file__).parent / "static"


class LabelerWarning(UserWarning):
    """A save or request the labeler could not complete; the widget shows it too."""


def _default_annotator() -> str:
    env = os.environ.get("NBLABEL_ANNOTATOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (some containers)
        return "notebook"


class Labeler(anywidget.AnyWidget):
    """Label the rows of a DataFrame with a Label Studio config, inside the notebook.

    Show it as the last expression of a cell, click it once, then label with the keys (choice
    hotkeys, ``→``/``j`` next, ``←``/``k`` previous, ``n`` next unlabeled, ``u`` unlabeled
    only, ``Ctrl+Space`` skip, ``Ctrl+Z`` undo). Every label is committed to the SQLite store
    before the widget says "saved"; read them back with :meth:`to_dataframe`.

    Parameters
    ----------
    df:
        One task per row. ``$vars`` in the config name columns; the index gives stable task ids
        (it must be unique).
    config:
        Label Studio XML labeling config (or a parsed ``ConfigSpec``). A config with mistakes
        raises ``ConfigError`` listing each with its line:col and a fix, before any file is made.
    store:
        SQLite file that keeps every label; the same path after a kernel restart gives the same
        state. Default: ``nblabel.db`` in the working directory. A ``Store`` is accepted too.
    annotator:
        Name recorded on every annotation. Default: ``$NBLABEL_ANNOTATOR`` or the login name.
    columns:
        Explicit ``{"$var" without the dollar: column}`` mapping where names differ.
    name:
        Project name inside the store, so one file can hold several labelers.
    auto_advance:
        Move to the next item after a label hotkey. Default: on.
    prefetch:
        How many tasks the browser keeps loaded ahead of the current one.

    Main methods and properties: :meth:`to_dataframe`, :attr:`annotations`, :attr:`progress`,
    :meth:`set_data`, :meth:`push`, :meth:`pull`, :attr:`errors`. The synced traits below are
    the state the front end reads; they are set by the labeler, not by you.
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    spec = traitlets.Dict(help="The parsed config as JSON (ConfigSpec.to_json()): what the front end draws.").tag(sync=True)
    window = traitlets.Dict(help="The tasks a new view starts with: {from, to, tasks} around `start`.").tag(sync=True)
    start = traitlets.Int(0, help="Position a new view opens on: the first unlabeled task.").tag(sync=True)
    total = traitlets.Int(0, help="Number of tasks (rows of the DataFrame).").tag(sync=True)
    done = traitlets.Int(0, help="Tasks this annotator has labeled (skips not counted).").tag(sync=True)
    skipped = traitlets.Int(0, help="Tasks this annotator has skipped.").tag(sync=True)
    settings = traitlets.Dict(help="Front-end settings: auto_advance, prefetch, annotator.").tag(sync=True)
    error = traitlets.Unicode("", help="The last save error, '' when none.").tag(sync=True)

    def __init__(
        self,
        df: pd.DataFrame,
        config: str | ConfigSpec,
        *,
        store: str | os.PathLike | Store | None = None,
        annotator: str | None = None,
        columns: Mapping[str, str] | None = None,
        name: str = "default",
        auto_advance: bool = True,
        prefetch: int = 200,
    ) -> None:
        """Check the config against ``df``, open the store, and build the widget (see the class docs).

        Everything that can be wrong with the arguments (the config, ``$vars`` without a column,
        a duplicate index) is checked before the store file is opened, so a failed call leaves
        no ``nblabel.db`` behind.
        """
        __tracebackhide__ = True  # IPython: a ConfigError shows the user's call, not nblabel's frames
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"Labeler needs a pandas DataFrame, got {type(df).__name__}")
        self._columns = dict(columns or {})
        try:
            spec = config if isinstance(config, ConfigSpec) else parse_config(config)
            mapping = spec.bind(list(df.columns), self._columns)
        except ConfigError as exc:
            raise exc.with_traceback(None) from None  # the user's mistake, not a crash in nblabel
        source = TaskSource(df, mapping)  # duplicate index labels: ValueError, still before the disk
        if spec.unsupported:
            warnings.warn(f"these tags are not rendered yet and show as placeholders: {', '.join(spec.unsupported)}",
                          LabelerWarning, stacklevel=2)
        self._store = store if isinstance(store, Store) else Store(store or default_store_path(), project=name)
        self._prefetch = prefetch
        self.errors: list[str] = []
        who = annotator or _default_annotator()
        self._session = LabelSession(df, spec, self._store, annotator=who, mapping=mapping, chunk=prefetch,
                                     source=source)
        super().__init__(
            spec=spec.to_json(),
            settings={"auto_advance": bool(auto_advance), "prefetch": int(prefetch), "annotator": who},
            **self._state(),
        )
        self.on_msg(self._on_msg)

    def _new_session(self, df: pd.DataFrame, spec: ConfigSpec, annotator: str) -> LabelSession:
        mapping = spec.bind(list(df.columns), self._columns)
        return LabelSession(df, spec, self._store, annotator=annotator, mapping=mapping, chunk=self._prefetch)

    def _state(self) -> dict[str, Any]:
        s = self._session
        start = s.start_position()
        progress = s.progress
        return {"window": s.window(start), "start": start, "total": s.total,
                "done": progress.done, "skipped": progress.skipped}

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            reply = self._session.handle(content if isinstance(content, dict) else {})
        except Exception as exc:  # never leave the front end waiting without a word
            reply = {"type": "error", "seq": (content or {}).get("seq"), "message": f"{type(exc).__name__}: {exc}"}
        if reply.get("type") == "ack":
            # Keep the traits current for views opened later, without a second message per
            # save: the ack already carries the counts to the views that exist.
            with self._lock_property(done=reply["done"], skipped=reply["skipped"]):
                self.done, self.skipped = reply["done"], reply["skipped"]
        elif reply.get("type") == "error":
            self.errors.append(reply["message"])
            self.error = reply["message"]
            warnings.warn(reply["message"], LabelerWarning, stacklevel=2)
        self.send(reply)

    # ------------------------------------------------------------ public API
    def set_data(self, df: pd.DataFrame) -> None:
        """Replace the tasks, e.g. with new rows appended; labels follow the index, none is lost."""
        session = self._new_session(df, self._session.spec, self._session.annotator)
        with self._session._lock:  # no save lands in the old session while we swap
            self._session = session
        with self.hold_sync():
            for key, value in self._state().items():
                setattr(self, key, value)

    def push(
        self,
        project: Project,
        *,
        annotators: Mapping[str, str] | None = None,
        progress: bool = True,
        batch_size: int | None = None,
    ) -> PushReport:
        """Send this labeler's tasks (every row), the store's predictions and annotations to a
        Label Studio project; only what changed since the last push. See :func:`nblabel.sync.push`.

        ``annotators`` maps notebook annotator names to the emails of Label Studio members.
        """
        s = self._session
        return push(self._store, s.source, s.spec, project, annotators=annotators, progress=progress,
                    batch_size=batch_size)

    def pull(self, project: Project, *, progress: bool = True, method: str = "auto") -> PullReport:
        """Bring every annotation of a Label Studio project into the store (see :func:`nblabel.sync.pull`);
        the labeler then shows this annotator's pulled labels."""
        report = pull(self._store, self._session.spec, project, progress=progress, method=method)
        self.set_data(self._session.df)  # masks, counts and the window come from the store again
        return report

    @property
    def config(self) -> ConfigSpec:
        """The parsed labeling config."""
        return self._session.spec

    @property
    def store(self) -> Store:
        """The SQLite store holding every label."""
        return self._store

    @property
    def annotator(self) -> str:
        """The name recorded on this labeler's annotations."""
        return self._session.annotator

    @property
    def progress(self) -> Progress:
        """Labeled, skipped and total counts for this annotator over the current DataFrame."""
        return self._session.progress

    @property
    def annotations(self) -> list[dict[str, Any]]:
        """Annotated tasks as Label Studio task JSON (``data`` + ``annotations``)."""
        return self._session.annotations()

    def to_dataframe(self, form: str = "wide", annotator: str | None = None) -> pd.DataFrame:
        """Labels as a DataFrame.

        ``form="wide"``: the input DataFrame plus one column per control (and ``annotator``,
        ``annotated_at``, ``lead_time``, ``skipped``). ``form="long"``: one row per result item,
        for every annotator with ``annotator="*"``. ``form="spans"``: one row per text span
        (``task_id, annotator, from_name, start, end, text, label, region_id`` + a column per
        ``perRegion`` control); offsets are code points, ``text == task_text[start:end]``.
        """
        return self._session.to_dataframe(form=form, annotator=annotator)

    def relations(self, annotator: str | None = None) -> pd.DataFrame:
        """Relations between regions: ``task_id, annotator, from_id, to_id, direction, labels``
        plus ``from_text, from_label, to_text, to_label`` of the two spans. ``annotator="*"``
        for everyone's."""
        return self._session.relations(annotator=annotator)

    def export(self, fmt: str, path: str | os.PathLike, *, annotator: str | None = "*",
               all_tasks: bool = False) -> ExportResult:
        """Write this labeler's label set as a Label Studio export file (``json``, ``json_min``,
        ``csv``, ``tsv``, ``conll2003``; see :mod:`nblabel.export`), the same file
        ``nblabel export --format`` writes. Every annotator's labels unless ``annotator`` names one.
        """
        return export_store(self._store, self._session.spec, path, fmt, annotator=annotator, all_tasks=all_tasks)

    def __repr__(self) -> str:
        """One line: tasks, labels so far, controls and the store file."""
        if not hasattr(self, "_session"):  # failed construction
            return "Labeler(<not initialised>)"
        controls = ", ".join(self._session.spec.controls) or "no controls"
        p = self.progress
        return f"Labeler({p.total} tasks, {p.done} labeled, controls: {controls}, store={self._store.path.name!r})"


# traitlets' HasTraits.__new__(*args, **kwargs) would hide the real signature from help() and IDEs
Labeler.__signature__ = inspect.signature(Labeler.__init__).replace(  # type: ignore[attr-defined]
    parameters=list(inspect.signature(Labeler.__init__).parameters.values())[1:])

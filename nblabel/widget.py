"""The ``Labeler`` widget: wires a ``LabelSession`` to the front end in ``nblabel/static``.

No labeling logic lives here; see ``nblabel/session.py``. One widget model per labeler: state a
new view needs travels as traits, events travel as small custom messages (docs/architecture.md).
"""

from __future__ import annotations

import getpass
import inspect
import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import anywidget
import numpy as np
import pandas as pd
import traitlets

from .active import check_order, get_strategy
from .config import ConfigError, ConfigSpec, parse_config
from .export import ExportResult, export_store
from .frame import TaskSource, json_safe, task_key
from .models import as_model
from .models.contract import Prediction, model_version_of
from .models.runner import PredictionRunner
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


def review_key(spec: ConfigSpec, taken: str) -> str:
    """The key that accepts a task in review mode: ``a`` unless the config or the suggestion key
    has it, then the next free one of ``y = /``."""
    used = {str(k).strip().lower() for k in spec.hotkeys} | {taken}
    return next((k for k in ("a", "y", "=", "/") if k not in used), "a")


def flagged_rows(df: pd.DataFrame, store: Store) -> pd.DataFrame:
    """The rows of ``df`` flagged for review in ``store``, in DataFrame order."""
    flagged = set(store.reviews())
    return df[[task_key(i) in flagged for i in df.index]]


def accept_key(spec: ConfigSpec) -> str:
    """The key that accepts a model suggestion: ``r`` unless the config binds it, then the next
    free one of ``h . ;`` (auto-assigned hotkeys never use these; the widget's own are j k n u)."""
    taken = {str(k).strip().lower() for k in spec.hotkeys}
    return next((k for k in ("r", "h", ".", ";") if k not in taken), "r")


def retrain_key(spec: ConfigSpec) -> str:
    """The key that asks for a retrain now: ``.`` unless the config or the accept key has it,
    then the next free one of ``, ; /`` (none of them is ever an auto-assigned hotkey)."""
    taken = {str(k).strip().lower() for k in spec.hotkeys} | {accept_key(spec)}
    return next((k for k in (".", ",", ";", "/") if k not in taken), ".")


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
    predict:
        A model (docs/models.md): a callable ``rows -> one prediction per row`` or a scikit-learn
        estimator/pipeline with ``predict_proba`` (wrapped as ``SklearnModel``; pass one yourself
        to name the text column). It runs in a worker thread, the rows around the current item
        first; its pre-labels stream into the widget as model suggestions.
    order:
        Queue order by the model's uncertainty: ``"margin"``, ``"least_confidence"``,
        ``"entropy"``, ``"random"``, ``"sequential"`` or a callable ``probs -> order``
        (:mod:`nblabel.active`). Re-ranked after each full prediction pass; the item on screen
        and the items before it never move.
    predict_batch, predict_timeout:
        Rows per model call, and seconds to wait for one call before giving up on the model.
    mode:
        ``"label"`` (default) or ``"review"``: walk the tasks flagged by :meth:`review_sample`
        with every annotator's labels side by side; accept (key ``a``, or the button), reject
        with a comment, or fix with the usual label keys (the fix becomes the ``consensus``
        annotation). Progress counts reviewed tasks. See docs/how-to/review.md.

    Main methods and properties: :meth:`to_dataframe`, :attr:`annotations`, :attr:`progress`,
    :meth:`set_data`, :meth:`push`, :meth:`pull`, :attr:`errors`. The synced traits below are
    the state the front end reads; they are set by the labeler, not by you.
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    spec = traitlets.Dict(help="The parsed config as JSON (ConfigSpec.to_json()): what the front end draws.").tag(
        sync=True
    )
    window = traitlets.Dict(help="The tasks a new view starts with: {from, to, tasks} around `start`.").tag(sync=True)
    start = traitlets.Int(0, help="Position a new view opens on: the first unlabeled task.").tag(sync=True)
    total = traitlets.Int(0, help="Number of tasks (rows of the DataFrame).").tag(sync=True)
    done = traitlets.Int(0, help="Tasks this annotator has labeled (skips not counted).").tag(sync=True)
    skipped = traitlets.Int(0, help="Tasks this annotator has skipped.").tag(sync=True)
    settings = traitlets.Dict(help="Front-end settings: auto_advance, prefetch, annotator, accept_key.").tag(sync=True)
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
        predict: Any = None,
        order: str | Callable[[np.ndarray], np.ndarray] | None = None,
        predict_batch: int = 64,
        predict_timeout: float = 60.0,
        mode: str = "label",
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
            warnings.warn(
                f"these tags are not rendered yet and show as placeholders: {', '.join(spec.unsupported)}",
                LabelerWarning,
                stacklevel=2,
            )
        if mode not in ("label", "review"):
            raise ValueError(f"mode must be 'label' or 'review', not {mode!r}")
        self._store = store if isinstance(store, Store) else Store(store or default_store_path(), project=name)
        self._mode = mode
        self._all_df = df  # review mode shows the flagged rows of it; refresh() looks again
        if mode == "review":
            df = flagged_rows(df, self._store)
            if not len(df):
                warnings.warn(
                    "no task of this DataFrame is flagged for review: call lab.review_sample(...) "
                    "(or lab.review(task_id, ...)) first",
                    LabelerWarning,
                    stacklevel=2,
                )
            source = TaskSource(df, mapping)
        self._prefetch = prefetch
        self.errors: list[str] = []
        who = annotator or _default_annotator()
        self._session = LabelSession(
            df, spec, self._store, annotator=who, mapping=mapping, chunk=prefetch, source=source, mode=mode
        )
        settings: dict[str, Any] = {
            "auto_advance": bool(auto_advance),
            "prefetch": int(prefetch),
            "annotator": who,
            "accept_key": accept_key(spec),
            "retrain_key": retrain_key(spec),
            "retrain": False,
        }
        if mode == "review":
            settings.update(mode="review", review_key=review_key(spec, settings["accept_key"]))
        super().__init__(
            spec=spec.to_json(),
            settings=settings,
            **self._state(),
        )
        self.on_msg(self._on_msg)
        self._runner: PredictionRunner | None = None
        self._predict_batch, self._predict_timeout = int(predict_batch), float(predict_timeout)
        self._order = get_strategy(order) if order is not None else None
        self._order_name = order if isinstance(order, str) else getattr(order, "__name__", None)
        self._retrain_fn: Callable[[pd.DataFrame], Any] | None = None
        self._retrain_set = False  # retrain() was called: the front end's retrain key/button work
        self._retrain_every: int | None = None
        self._labels_at_retrain = 0
        self._retrain_queued = False
        self._learning: list[dict[str, Any]] = []
        self._reranks = 0
        if predict is not None:
            self.predict(predict)

    def _new_session(self, df: pd.DataFrame, spec: ConfigSpec, annotator: str) -> LabelSession:
        mapping = spec.bind(list(df.columns), self._columns)
        if self._mode == "review":
            df = flagged_rows(df, self._store)
        return LabelSession(
            df, spec, self._store, annotator=annotator, mapping=mapping, chunk=self._prefetch, mode=self._mode
        )

    def _state(self) -> dict[str, Any]:
        s = self._session
        start = s.start_position()
        progress = s.progress
        return {
            "window": s.window(start),
            "start": start,
            "total": s.total,
            "done": progress.done,
            "skipped": progress.skipped,
        }

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "retrain":
            self._retrain_now()
            return
        try:
            reply = self._session.handle(content if isinstance(content, dict) else {})
        except Exception as exc:  # never leave the front end waiting without a word
            reply = {"type": "error", "seq": (content or {}).get("seq"), "message": f"{type(exc).__name__}: {exc}"}
        if isinstance(content, dict) and content.get("type") == "reorder":
            self._apply_reorder(content.get("pos"))
            return
        if reply.get("type") == "ack":
            # Keep the traits current for views opened later, without a second message per
            # save: the ack already carries the counts to the views that exist.
            with self._lock_property(done=reply["done"], skipped=reply["skipped"]):
                self.done, self.skipped = reply["done"], reply["skipped"]
            self._maybe_retrain(reply["done"])
        elif reply.get("type") == "error":
            self.errors.append(reply["message"])
            self.error = reply["message"]
            warnings.warn(reply["message"], LabelerWarning, stacklevel=2)
        self.send(reply)

    # ------------------------------------------------------------ public API
    def set_data(self, df: pd.DataFrame) -> None:
        """Replace the tasks, e.g. with new rows appended; labels follow the index, none is lost."""
        self._all_df = df
        session = self._new_session(df, self._session.spec, self._session.annotator)
        with self._session._lock:  # no save lands in the old session while we swap
            session.model_version = self._session.model_version
            self._session = session
        if getattr(self, "_runner", None) is not None:
            model = self._runner.model
            self._runner.stop()
            self._runner = None
            self.predict(model)
        with self.hold_sync():
            for key, value in self._state().items():
                setattr(self, key, value)

    def refresh(self) -> None:
        """Read the store again: labels saved meanwhile by another kernel (or a pull, an import)
        on the same store file show in this labeler's progress, navigation and DataFrame."""
        self.set_data(self._all_df)

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
        return push(
            self._store, s.source, s.spec, project, annotators=annotators, progress=progress, batch_size=batch_size
        )

    def pull(
        self, project: Project, *, progress: bool = True, method: str = "auto", incremental: bool = True
    ) -> PullReport:
        """Bring every annotation of a Label Studio project into the store (see :func:`nblabel.sync.pull`);
        the labeler then shows this annotator's pulled labels. A repeated pull reads only the
        tasks changed since the last one (``incremental=False``: read everything)."""
        report = pull(
            self._store, self._session.spec, project, progress=progress, method=method, incremental=incremental
        )
        self.set_data(self._all_df)  # masks, counts and the window come from the store again
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

    def save_consensus(self, *, overwrite: bool = False) -> int:
        """Store each task's majority vote as an annotation by ``consensus`` (ties left out).

        ``to_dataframe()`` then shows the consensus as the task's value, and a push sends it to
        Label Studio marked as ground truth. Existing consensus annotations (a reviewer's fixes)
        are kept unless ``overwrite=True``. Returns the number written.
        """
        return self._session.save_consensus(overwrite=overwrite)

    def review_sample(
        self, rate: float = 0.2, by: str = "random", seed: int = 0, control: str | None = None
    ) -> list[Any]:
        """Flag a share of the labeled tasks for review and return their ids.

        ``by="random"``: a uniform sample; ``"annotator"``: ``rate`` of each annotator's tasks;
        ``"low_agreement"``: the weakest votes first (ties, then the lowest winning share, over
        ``control`` or every control). Flags are stored (``to_dataframe()`` gets
        ``review_state`` and ``review_comment``, JSON exports ``meta.needs_review``); tasks
        flagged before keep their state.
        """
        return self._session.review_sample(rate=rate, by=by, seed=seed, control=control)

    def review(
        self, task_id: Any, decision: str, *, comment: str | None = None, result: list[dict[str, Any]] | None = None
    ) -> None:
        """A reviewer's decision on a task: ``"accept"``, ``"reject"`` (say why in ``comment``)
        or ``"fix"`` with the corrected ``result`` (stored as the ``consensus`` annotation, which
        then is the task's value in ``to_dataframe()``). The reviewer is this labeler's annotator."""
        self._session.review(task_id, decision, comment=comment, result=result)

    def to_dataframe(self, form: str = "wide", annotator: str | None = None) -> pd.DataFrame:
        """Everyone's labels as a DataFrame (pulled and other kernels' annotations included).

        ``form="wide"``: the input DataFrame plus, per control, the value resolved across
        annotators (the label where one labeled, the majority where several did, None on a tie)
        and ``<control>_tie``, then ``n_annotators``, ``annotator`` (names joined by ", "),
        ``annotated_at``, ``lead_time``, ``skipped``. ``annotator="ana"``: one person's labels
        (columns ``annotator``, ``annotated_at``, ``lead_time``, ``skipped``, no vote columns).
        ``form="long"``: one row per result item of every annotator (or of ``annotator``).
        ``form="spans"``: one row per text span (``task_id, annotator, from_name, start, end,
        text, label, region_id`` + a column per ``perRegion`` control); offsets are code points,
        ``text == task_text[start:end]``.

        Added columns use pandas' nullable dtypes (``string``, ``Int64``, ``Float64``,
        ``boolean``; ``object`` for lists and dicts), so every empty cell is ``pd.NA``
        (``annotated_at``: ``NaT``); see :func:`nblabel.frame.annotations_to_frame`.
        """
        s = self._session
        if self._mode == "review":  # the reviewer's queue is the flagged rows; the frame is every row
            s = LabelSession(
                self._all_df, s.spec, self._store, annotator=s.annotator, mapping=s.mapping, chunk=self._prefetch
            )
        return s.to_dataframe(form=form, annotator=annotator)

    # ------------------------------------------------------------ models in the loop
    def predict(self, model: Any = None) -> None:
        """Start (or restart) pre-labeling with ``model`` (default: the current one) in the
        background; see ``predict=`` and docs/models.md. Returns at once."""
        s = self._session
        if model is None:
            if self._runner is None:
                raise ValueError("no model: pass one, e.g. lab.predict(model_fn)")
            model = self._runner.model
        model = as_model(model, list(s.source._mapping.values()))
        if callable(getattr(model, "bind", None)):  # MLBackend: POST /setup with this config
            model.bind(s.spec, s.source._mapping)
        s.model_version = model_version_of(model)
        if self._runner is not None:
            self._runner.restart(model)
            return
        self._runner = PredictionRunner(
            s,
            model,
            on_batch=self._on_predictions,
            on_error=self._on_model_error,
            on_pass=self._on_pass,
            batch_size=self._predict_batch,
            timeout=self._predict_timeout,
        )

    @property
    def model(self) -> Any:
        """The model now pre-labeling, or None."""
        return self._runner.model if self._runner is not None else None

    @property
    def probabilities(self) -> np.ndarray:
        """Per DataFrame row, the model's probability of each label of the target control
        (NaN until predicted); columns follow ``self.config.controls[control]["labels"]``."""
        if self._runner is None:
            raise ValueError("no model is running (Labeler(..., predict=model) or lab.predict(model))")
        return self._runner.probs

    def wait_predictions(self, timeout: float = 60.0) -> bool:
        """Block until every row is predicted (or the model stopped); for scripts and tests."""
        return self._runner.wait(timeout) if self._runner is not None else True

    def _on_predictions(self, preds: list[Prediction], rows: np.ndarray) -> None:
        s = self._session
        if not preds:
            return
        found = s.source.locate([task_key(p.task_id) for p in preds]).tolist()
        out = [
            {"pos": s.position_of_row(r), "id": json_safe(p.task_id), "predictions": [p.to_json()]}
            for p, r in zip(preds, found)
            if r >= 0
        ]
        self.send({"type": "predictions", "tasks": out})

    def _on_model_error(self, message: str) -> None:
        self.errors.append(message)
        self.error = message
        self.send({"type": "error", "seq": None, "message": message})
        warnings.warn(message, LabelerWarning, stacklevel=2)

    def _on_pass(self) -> None:
        if self._order is not None:
            self.rerank()

    def rerank(self, pos: int | None = None) -> None:
        """Re-order the unlabeled items after the current one by ``order=`` and the latest
        predictions. The front end answers with the position it is on, so nothing under the
        user moves; with ``pos`` (no front end, scripts) it is applied at once."""
        if self._order is None:
            raise ValueError("no order: Labeler(..., order='margin') or lab.order = 'margin'")
        if pos is not None:
            self._apply_reorder(pos)
        else:
            self.send({"type": "reorder_ready"})

    @property
    def order(self) -> str | None:
        return self._order_name

    @order.setter
    def order(self, value: str | Callable[[np.ndarray], np.ndarray] | None) -> None:
        self._order = get_strategy(value) if value is not None else None
        self._order_name = value if isinstance(value, str) or value is None else getattr(value, "__name__", "custom")
        if self._order is not None and self._runner is not None:
            self.rerank()

    def _apply_reorder(self, pos: Any) -> None:
        if self._order is None or self._runner is None:
            return
        s = self._session
        here = int(pos) if isinstance(pos, (int, float)) and 0 <= int(pos) < max(1, s.total) else s.focus
        probs = self._runner.probs
        strategy = self._order

        def rank(rows: np.ndarray) -> np.ndarray:
            return check_order(strategy(probs[rows]), len(rows))

        try:
            s.reorder(here, rank)
        except Exception as exc:  # a custom order that fails must not take the labeler down
            self._on_model_error(f"re-ranking failed: {type(exc).__name__}: {exc}")
            return
        self._reranks += 1
        with self.hold_sync():
            self.window = s.window(here)
            self.start = here

    def retrain(self, fit_fn: Callable[[pd.DataFrame], Any] | None = None, every: int | None = None) -> None:
        """Retrain in the background from the labels in the store, then predict again.

        ``fit_fn(labeled)`` gets ``to_dataframe()`` restricted to labeled, non-skipped rows and
        returns the new model (or None: the current one was fitted in place). Without ``fit_fn``
        a ``SklearnModel`` is refit on the target control's labels. With ``every=N`` it also
        retrains after every N new labels from now on (and not at once). Returns at once;
        labeling goes on meanwhile.
        """
        if self._runner is None:
            raise ValueError("no model to retrain: Labeler(..., predict=model) first")
        if fit_fn is None and not hasattr(self._runner.model, "fit"):
            raise ValueError("pass fit_fn: the model has no fit(rows, labels)")
        self._retrain_fn = fit_fn
        if not self._retrain_set:
            self._retrain_set = True
            self.settings = {**self.settings, "retrain": True}
        if every is not None:
            self._retrain_every = max(1, int(every))
            self._labels_at_retrain = self._session.progress.done
        else:
            self._queue_retrain()

    def _retrain_now(self) -> None:
        """The front end's retrain key/button: retrain now with the last ``retrain()``'s fit
        function; without one, an error in the widget (and a warning) says what to call."""
        if not self._retrain_set or self._runner is None:
            self._on_model_error(
                "nothing to retrain with: call lab.retrain(fit_fn) (or lab.retrain() "
                "for a scikit-learn model) in the notebook first"
            )
            return
        self._queue_retrain()

    def _maybe_retrain(self, done: int) -> None:
        if self._retrain_every and done - self._labels_at_retrain >= self._retrain_every:
            self._queue_retrain()

    def _queue_retrain(self) -> None:
        if self._retrain_queued or self._runner is None:
            return
        self._retrain_queued = True
        self._labels_at_retrain = self._session.progress.done
        self._runner.submit(self._do_retrain)

    def _do_retrain(self) -> None:
        """On the worker: score the shown pre-labels, fit, restart predictions."""
        try:
            runner = self._runner
            control = runner.control
            frame = self.to_dataframe()
            labeled = frame[frame["skipped"].eq(False).fillna(False).to_numpy(dtype=bool)] if len(frame) else frame
            if control is not None and control in labeled:
                labeled = labeled[labeled[control].notna()]
            n = len(labeled)
            if n == 0:
                return
            if control is not None and f"{control}_pred" in labeled and n:
                pred = labeled[f"{control}_pred"]
                has = pred.notna()
                if has.any():
                    acc = float((pred[has].astype(str) == labeled.loc[has, control].astype(str)).mean())
                    self._learning.append(
                        {
                            "labels": n,
                            "accuracy": acc,
                            "scored": int(has.sum()),
                            "model_version": self._session.model_version,
                        }
                    )
            t0 = time.perf_counter()
            if self._retrain_fn is not None:
                new = self._retrain_fn(labeled)
            else:
                runner.model.fit(labeled, labeled[control].astype(str).tolist())  # type: ignore[attr-defined]
                new = None
            self.last_retrain_seconds = time.perf_counter() - t0
            model = runner.model if new is None else as_model(new, list(self._session.source._mapping.values()))
            self._session.model_version = model_version_of(model)
            runner.restart(model)
        except Exception as exc:
            self._on_model_error(f"retraining failed: {type(exc).__name__}: {exc}")
        finally:
            self._retrain_queued = False

    @property
    def learning(self) -> pd.DataFrame:
        """Per retrain: labels so far and how often the model's pre-label matched the human one."""
        return pd.DataFrame(self._learning, columns=["labels", "accuracy", "scored", "model_version"])

    def plot_learning(self, ax: Any = None) -> Any:
        """Pre-label accuracy (agreement with your labels) against the number of labels."""
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(5, 3.5))[1]
        data = self.learning
        ax.plot(data["labels"], data["accuracy"], marker="o")
        ax.set_xlabel("labels")
        ax.set_ylabel("pre-label accuracy")
        ax.set_ylim(0, 1.02)
        ax.set_title("model vs your labels, per retrain")
        ax.grid(alpha=0.3)
        return ax

    def plot_labels(self, control: str | None = None, ax: Any = None) -> Any:
        """Label distribution of a control (default: the model's target, else the first)."""
        import matplotlib.pyplot as plt

        name = (
            control or (self._runner.control if self._runner is not None else None) or next(iter(self.config.controls))
        )
        ax = ax or plt.subplots(figsize=(5, 3.5))[1]
        frame = self.to_dataframe()
        counts = frame[name].dropna().astype(str).value_counts()
        ax.bar(counts.index.tolist(), counts.to_numpy())
        ax.set_xlabel(name)
        ax.set_ylabel("items")
        ax.set_title(f"{int(counts.sum())} labels")
        return ax

    def plot_confidence(self, ax: Any = None, bins: int = 20) -> Any:
        """Histogram of the model's confidence (top-label probability) over the items."""
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(5, 3.5))[1]
        top = np.nanmax(self.probabilities, axis=1) if self.probabilities.size else np.empty(0)
        top = top[~np.isnan(top)]
        ax.hist(top, bins=bins, range=(0, 1))
        ax.set_xlabel("confidence (top-label probability)")
        ax.set_ylabel("items")
        ax.set_title(f"{top.size} predicted items")
        return ax

    def close(self) -> None:
        if getattr(self, "_runner", None) is not None:
            self._runner.stop()
        super().close()

    def relations(self, annotator: str | None = None) -> pd.DataFrame:
        """Relations between regions: ``task_id, annotator, from_id, to_id, direction, labels``
        plus ``from_text, from_label, to_text, to_label`` of the two spans. ``annotator="*"``
        for everyone's."""
        return self._session.relations(annotator=annotator)

    def export(
        self,
        fmt: str,
        path: str | os.PathLike,
        *,
        annotator: str | None = "*",
        all_tasks: bool = False,
        progress: bool = True,
    ) -> ExportResult:
        """Write this labeler's label set as a Label Studio export file (``json``, ``json_min``,
        ``csv``, ``tsv``, ``conll2003``; see :mod:`nblabel.export`), the same file
        ``nblabel export --format`` writes. Every annotator's labels unless ``annotator`` names one.
        A store of 5,000 tasks or more shows a progress bar unless ``progress=False``.
        ``all_tasks=True`` adds the tasks without labels, every predicted row among them, with its
        data read from this labeler's DataFrame (the store keeps snapshots of labeled rows only).
        """
        return export_store(
            self._store,
            self._session.spec,
            path,
            fmt,
            annotator=annotator,
            all_tasks=all_tasks,
            progress=progress,
            task_data=self._session.task_data,
        )

    def __repr__(self) -> str:
        """One line: tasks, labels so far, controls and the store file."""
        if not hasattr(self, "_session"):  # failed construction
            return "Labeler(<not initialised>)"
        controls = ", ".join(self._session.spec.controls) or "no controls"
        p = self.progress
        return f"Labeler({p.total} tasks, {p.done} labeled, controls: {controls}, store={self._store.path.name!r})"


# traitlets' HasTraits.__new__(*args, **kwargs) would hide the real signature from help() and IDEs
Labeler.__signature__ = inspect.signature(
    Labeler.__init__
).replace(  # type: ignore[attr-defined]
    parameters=list(inspect.signature(Labeler.__init__).parameters.values())[1:]
)

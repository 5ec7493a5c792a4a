"""Command line: ``nblabel validate | push | pull | export``.

For scripts and CI::

    nblabel validate CONFIG.xml [--columns a,b]
    nblabel push DATA --config CFG --store DB --project TITLE_OR_ID [--index COL]
                 [--annotator-map NAME=EMAIL ...] [--batch-size N] [--no-progress]
    nblabel pull --store DB --project TITLE_OR_ID [--config CFG] [--method auto|snapshot|export|pages]
    nblabel export --store DB --config CFG --out FILE [--format json|json_min|csv|tsv|conll2003] [--annotator NAME|*]

``--name NAME`` picks the label set inside the store (the Labeler's ``name=``, default
``default``). DATA is .csv, .tsv, .json, .jsonl or .parquet (optionally compressed, e.g.
``.csv.gz``); a JSON list of Label Studio tasks (``{"data": {...}, "predictions": [...]}``) is
read as tasks, their predictions stored for the push.

``push``/``pull`` talk to a Label Studio server: the URL comes from ``--url`` or
``LABEL_STUDIO_URL``, the API key from the environment variable ``LABEL_STUDIO_API_KEY`` (or the one
``--token-env NAME`` names). The key is never taken as an argument value: it would end up in the
shell history and in ``ps`` output.

Exit status: 0 ok, 1 bad input or config (the message says what and where), 2 a file that cannot
be read (or written), 3 the server could not be reached, refused the key or failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn, Sequence
from urllib.parse import urlsplit

from .config import ConfigError, ConfigSpec, parse_config

EXIT_OK, EXIT_INPUT, EXIT_FILE, EXIT_SERVER = 0, 1, 2, 3

DATA_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet")
_COMPRESSION = (".gz", ".bz2", ".xz", ".zst", ".zip")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CliError(Exception):
    """A failure with its exit status; the message names what and where."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- argparse


class _Parser(argparse.ArgumentParser):
    """Usage errors are bad input: exit 1 (argparse's own 2 means "unreadable file" here)."""

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):  # name the options, not their values (a pasted key, ...)
            words = message[len(prefix) :].split()
            message = prefix + " ".join(w if w.startswith("-") else "…" for w in words)
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


class _RefuseSecret(argparse.Action):
    """``--token VALUE`` and friends: refused without echoing the value."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        kw.pop("nargs", None)
        super().__init__(option_strings, dest, nargs="?", help=argparse.SUPPRESS, **kw)

    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, values: Any, option_string: str | None = None
    ) -> None:
        parser.exit(
            EXIT_INPUT,
            f"{parser.prog}: error: {option_string} is not accepted: a key given on the command line ends up in "
            "the shell history and in process listings. Set LABEL_STUDIO_API_KEY in the environment, or put "
            "the key in another environment variable and pass its NAME with --token-env NAME.\n",
        )


def _key_value(text: str) -> tuple[str, str]:
    name, sep, email = text.partition("=")
    if not sep or not name.strip() or not email.strip():
        raise argparse.ArgumentTypeError(f"expected NOTEBOOK_NAME=SERVER_EMAIL, got {text!r}")
    return name.strip(), email.strip()


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _server_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("server")
    g.add_argument(
        "--project",
        required=True,
        metavar="TITLE_OR_ID",
        help="Label Studio project: a number is a project id, anything else an exact title",
    )
    g.add_argument("--url", help="server URL (default: $LABEL_STUDIO_URL, else http://localhost:8080)")
    g.add_argument(
        "--token-env",
        metavar="NAME",
        default=None,
        help="name of the environment variable holding the API key (default: LABEL_STUDIO_API_KEY)",
    )
    g.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per request (default 60; bulk calls wait longer)"
    )
    for flag in ("--token", "--api-key", "--key"):
        g.add_argument(flag, action=_RefuseSecret)
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", required=True, metavar="DB", help="the nblabel SQLite store")
    p.add_argument(
        "--name", default="default", help="label set inside the store (the Labeler's name=..., default 'default')"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nblabel", description="Label Studio labeling in notebooks.", allow_abbrev=False)
    from . import __version__

    parser.add_argument("--version", action="version", version=f"nblabel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    val = sub.add_parser("validate", help="check a Label Studio XML config", allow_abbrev=False)
    val.add_argument("config", help="path of the XML config")
    val.add_argument("--columns", help="comma-separated DataFrame columns the $vars must map to")
    val.set_defaults(run=_validate)

    push = sub.add_parser(
        "push",
        allow_abbrev=False,
        help="send tasks (rows of DATA), the store's predictions and annotations to a Label Studio project",
        description="Send the rows of DATA as tasks, with the store's predictions and annotations, to a Label "
        "Studio project (created with CFG if no project has that title). Safe to repeat: only "
        "what is new or changed is sent, and an interrupted push resumes.",
    )
    push.add_argument("data", metavar="DATA", help="tasks: .csv, .tsv, .json, .jsonl or .parquet (one task per row)")
    push.add_argument("--config", required=True, metavar="CFG", help="Label Studio XML labeling config")
    _store_args(push)
    push.add_argument("--index", metavar="COL", help="column holding the task ids (default: the row number)")
    push.add_argument(
        "--annotator-map",
        action="append",
        type=_key_value,
        default=[],
        metavar="NAME=EMAIL",
        help="push the notebook annotator NAME as the server user EMAIL (repeatable)",
    )
    push.add_argument("--batch-size", type=_positive, metavar="N", help="tasks per import request")
    _server_args(push)
    push.set_defaults(run=_push)

    pull = sub.add_parser(
        "pull",
        allow_abbrev=False,
        help="bring every annotator's annotations of a Label Studio project into the store",
        description="Bring the annotations of all annotators of a Label Studio project into the store. "
        "Safe to repeat; an annotation changed on both sides is kept twice, never overwritten.",
    )
    pull.add_argument("--config", metavar="CFG", help="Label Studio XML config (default: the project's own)")
    _store_args(pull)
    from .sync import PULL_METHODS

    pull.add_argument(
        "--method",
        choices=PULL_METHODS,
        default="auto",
        help="read the project as an export snapshot, the export download or page by page "
        "(default: auto: the export below 100 tasks, a snapshot from 100, falling back "
        "to what the server offers)",
    )
    _server_args(pull)
    pull.set_defaults(run=_pull)

    from .export import FORMATS

    exp = sub.add_parser(
        "export",
        allow_abbrev=False,
        help="write the store's annotations as a Label Studio export file",
        description="Write the store's annotations in a Label Studio export format. Formats: "
        + "; ".join(f"{k}: {f.description}" for k, f in FORMATS.items())
        + ".",
    )
    _store_args(exp)
    exp.add_argument("--config", required=True, metavar="CFG", help="Label Studio XML labeling config")
    exp.add_argument("--format", default="json", type=str.lower, choices=sorted(FORMATS), help="default: json")
    exp.add_argument("--out", required=True, metavar="FILE", help="file to write ('-' for stdout)")
    exp.add_argument(
        "--annotator", default="*", metavar="NAME", help="one annotator's annotations, or '*' for all (default)"
    )
    exp.add_argument("--all-tasks", action="store_true", help="also stored tasks without annotations")
    exp.set_defaults(run=_export)

    srv = sub.add_parser(
        "serve-model",
        allow_abbrev=False,
        help="serve a model to Label Studio as an ML backend (/health, /setup, /predict, /webhook, /train)",
        description="Serve MODULE:CALLABLE (a model following nblabel's model contract, docs/models.md) with "
        "Label Studio's ML-backend protocol. Connect it in Label Studio under Settings > Model. "
        "MODULE:CALLABLE may name a factory (called with no arguments when it is a class).",
    )
    srv.add_argument(
        "model", metavar="MODULE:CALLABLE", help="e.g. mymodels:predict (MODULE importable from the current directory)"
    )
    srv.add_argument(
        "--fit", metavar="MODULE:CALLABLE", help="fit(event, payload) run on annotation webhooks and /train"
    )
    srv.add_argument("--config", metavar="CFG", help="fix the labeling config (default: the one Label Studio sends)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    srv.add_argument("--port", type=int, default=9090, help="default 9090")
    srv.set_defaults(run=_serve_model)
    imp = sub.add_parser(
        "import",
        allow_abbrev=False,
        help="load a Label Studio JSON export (annotations, predictions, annotators) into the store",
        description="Load a Label Studio JSON export into the store without a server: tasks, every "
        "annotator's annotations, full predictions, ground truth. Checked whole first: a "
        "malformed file writes nothing. Safe to repeat.",
    )
    imp.add_argument("export", metavar="EXPORT", help="the JSON export file")
    _store_args(imp)
    imp.add_argument("--config", metavar="CFG", help="Label Studio XML config the results must fit")
    imp.add_argument("--key", metavar="FIELD", help="data field holding the task id (default: the task id)")
    imp.set_defaults(run=_import)
    return parser


# --------------------------------------------------------------------------- serve-model


def _import_callable(spec: str) -> object:
    import importlib

    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise CliError(EXIT_INPUT, f"{spec!r} is not MODULE:CALLABLE")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")
    try:
        obj = importlib.import_module(module)
    except ImportError as exc:
        raise CliError(EXIT_INPUT, f"cannot import {module!r}: {exc}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CliError(EXIT_INPUT, f"{module!r} has no {attr!r}") from None
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise CliError(EXIT_INPUT, f"{spec} is not callable")
    return obj


def _serve_model(args: argparse.Namespace) -> int:
    from .models.backend import ModelServer

    model = _import_callable(args.model)
    fit = _import_callable(args.fit) if args.fit else None
    xml = Path(args.config).read_text(encoding="utf-8") if args.config else None
    try:
        server = ModelServer(model, fit=fit, config=xml, host=args.host, port=args.port)  # type: ignore[arg-type]
    except OSError as exc:
        raise CliError(EXIT_INPUT, f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    print(f"nblabel serve-model: {args.model} at {server.url} (Ctrl+C stops)", file=sys.stderr, flush=True)
    try:
        server._httpd.serve_forever()
    finally:
        server._httpd.server_close()
    return 0


# --------------------------------------------------------------------------- validate


def _config_report(where: str, exc: ConfigError) -> str:
    """Every mistake of a config, one per line in line order, each prefixed with ``where``."""
    lines = [f"{where}: {e.summary}" for e in exc.errors]
    if len(lines) > 1:
        lines.append(f"{where}: {len(lines)} problems")
    return "\n".join(lines)


def _validate(args: argparse.Namespace) -> int:
    path = Path(args.config)
    try:
        spec = parse_config(path.read_bytes())
        if args.columns is not None:
            spec.bind(
                [c for c in args.columns.split(",") if c],
                map_hint="List it in --columns if the data has it, or change ${var} in the config.",
            )
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(_config_report(str(path), exc), file=sys.stderr)
        return 1
    controls = ", ".join(f"{n} ({c['tag']})" for n, c in spec.controls.items()) or "none"
    print(f"{path}: ok — controls: {controls}; variables: {', '.join('$' + v for v in spec.variables) or 'none'}")
    if spec.unsupported:
        print(f"  rendered as placeholders for now: {', '.join(spec.unsupported)}")
    return 0


# --------------------------------------------------------------------------- inputs


def _load_config(path_text: str) -> ConfigSpec:
    path = Path(path_text)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(EXIT_FILE, f"{path}: cannot read the config: {exc.strerror or exc}") from None
    try:
        return parse_config(raw)
    except ConfigError as exc:
        raise CliError(EXIT_INPUT, _config_report(str(path), exc)) from None


def _data_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes = suffixes[:-1]
    kind = suffixes[-1] if suffixes else ""
    if kind not in DATA_SUFFIXES:
        raise CliError(
            EXIT_INPUT,
            f"{path}: unknown data format {kind or '(no suffix)'!r}; DATA must end in {', '.join(DATA_SUFFIXES)}",
        )
    return kind


def _open_text(path: Path) -> Any:
    import pandas as pd  # noqa: F401  (pandas' helper handles every compression suffix)
    from pandas.io.common import get_handle

    return get_handle(str(path), "r", compression="infer", encoding="utf-8")


def _read_records(path: Path, kind: str) -> list[Any]:
    with _open_text(path) as handle:
        fh = handle.handle
        if kind == ".json":
            try:
                items = json.load(fh)
            except json.JSONDecodeError as exc:
                raise CliError(EXIT_INPUT, f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
            if isinstance(items, dict):
                items = [items]
            if not isinstance(items, list):
                raise CliError(
                    EXIT_INPUT, f"{path}: expected a JSON list of tasks or records, found a {type(items).__name__}"
                )
            return items
        out = []
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CliError(EXIT_INPUT, f"{path}:{n}:{exc.colno}: not valid JSON: {exc.msg}") from None
        return out


def read_data(path_text: str, index: str | None = None) -> tuple[Any, list[tuple[Any, list, Any, str]]]:
    """DATA -> (DataFrame, predictions). JSON/JSONL may hold Label Studio tasks
    (``{"data": {...}, "id"?, "predictions"?}``): their ``data`` become the columns, their ``id``
    the index (unless ``index`` names a column) and their predictions are returned as
    ``(task_id, result, score, model_version)`` rows for the store."""
    import pandas as pd

    path = Path(path_text)
    kind = _data_kind(path)
    if not path.exists():
        raise CliError(EXIT_FILE, f"{path}: cannot read the data: no such file")
    if path.is_dir():
        raise CliError(EXIT_FILE, f"{path}: cannot read the data: it is a folder")
    predictions: list[tuple[Any, list, Any, str]] = []
    try:
        if kind in (".csv", ".tsv"):
            df = pd.read_csv(path, sep="\t" if kind == ".tsv" else ",")
        elif kind == ".parquet":
            try:
                df = pd.read_parquet(path)
            except ImportError as exc:
                raise CliError(EXIT_FILE, f"{path}: cannot read .parquet here: {exc}") from None
        else:
            records = _read_records(path, kind)
            df, predictions = _records_frame(path, records, index)
    except CliError:
        raise
    except OSError as exc:
        raise CliError(EXIT_FILE, f"{path}: cannot read the data: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CliError(EXIT_INPUT, f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (ValueError, pd.errors.ParserError) as exc:  # includes EmptyDataError
        raise CliError(EXIT_INPUT, f"{path}: cannot parse the {kind} data: {exc}") from None
    if index is not None:
        if index not in df.columns:
            cols = ", ".join(map(str, list(df.columns)[:20]))
            raise CliError(EXIT_INPUT, f"{path}: --index {index!r} is not a column (columns: {cols})")
        if df[index].isna().any():
            raise CliError(EXIT_INPUT, f"{path}: --index column {index!r} has empty values")
        df = df.set_index(index)
    if not df.index.is_unique:
        dups = df.index[df.index.duplicated()].unique().tolist()[:5]
        what = f"column {index!r}" if index else "task ids"
        raise CliError(
            EXIT_INPUT, f"{path}: duplicate {what}: {', '.join(map(repr, dups))}; each task needs its own id"
        )
    return df, predictions


def _records_frame(path: Path, records: list[Any], index: str | None) -> tuple[Any, list]:
    import pandas as pd

    for i, r in enumerate(records):
        if not isinstance(r, dict):
            raise CliError(EXIT_INPUT, f"{path}: item {i} is a {type(r).__name__}, not an object")
    is_tasks = bool(records) and all(isinstance(r.get("data"), dict) for r in records)
    if not is_tasks:
        return pd.DataFrame.from_records(records) if records else pd.DataFrame(), []
    rows = [dict(r["data"]) for r in records]
    df = pd.DataFrame.from_records(rows)
    ids = [r.get("id") for r in records]
    if index is None and all(i is not None for i in ids):
        df.index = pd.Index(ids)
    predictions = []
    dropped = 0
    for pos, r in enumerate(records):
        label = df.index[pos] if index is None else r["data"].get(index)
        for p in r.get("predictions") or []:
            if not isinstance(p, dict) or not isinstance(p.get("result"), list):
                dropped += 1
                continue
            predictions.append((label, p["result"], p.get("score"), str(p.get("model_version") or "undefined")))
    n_ann = sum(len(r.get("annotations") or []) for r in records)
    if n_ann:
        _warn(
            f"{path}: the {n_ann} annotations in the file are not pushed; push sends the store's annotations "
            "(label in a notebook, or pull them from a project)"
        )
    if dropped:
        _warn(f"{path}: {dropped} predictions without a result list were left out")
    return df, predictions


def _open_store(path_text: str, name: str, *, must_exist: bool) -> Any:
    from .store import Store, StoreError

    path = Path(path_text)
    if must_exist and not path.exists():
        raise CliError(EXIT_FILE, f"{path}: cannot read the store: no such file")
    try:
        return Store(path, project=name)
    except StoreError as exc:
        raise CliError(EXIT_FILE, str(exc)) from None


def _token(args: argparse.Namespace) -> str:
    name = args.token_env or "LABEL_STUDIO_API_KEY"
    if not _ENV_NAME.fullmatch(name):
        # Somebody may have pasted the key itself: never print it.
        raise CliError(
            EXIT_INPUT,
            "--token-env takes the NAME of an environment variable (letters, digits, underscores), not the key itself",
        )
    value = os.environ.get(name, "").strip()
    if not value:
        how = "" if args.token_env else " (or name another variable with --token-env NAME)"
        raise CliError(
            EXIT_INPUT,
            f"no API key: the environment variable {name} is not set{how}. Copy the key "
            "from Label Studio (Account & Settings) and `export "
            f"{name}=...` in the shell that runs nblabel",
        )
    return value


def _url(args: argparse.Namespace) -> str:
    url = args.url or os.environ.get("LABEL_STUDIO_URL") or "http://localhost:8080"
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.password or parts.username:
        raise CliError(EXIT_INPUT, "the server URL must not carry a user name or key; set LABEL_STUDIO_API_KEY instead")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(EXIT_INPUT, f"not a server URL: {url!r} (expected http://host:port)")
    return url


def _project_ref(text: str) -> int | str:
    text = text.strip()
    if not text:
        raise CliError(EXIT_INPUT, "--project is empty: give a project id or title")
    return int(text) if text.isdigit() else text


def _client(args: argparse.Namespace) -> Any:
    from .labelstudio import LabelStudio

    url, token = _url(args), _token(args)
    try:
        return LabelStudio(url, token, timeout=args.timeout)
    except ValueError as exc:
        raise CliError(EXIT_INPUT, str(exc)) from None


# --------------------------------------------------------------------------- push / pull


def _push(args: argparse.Namespace) -> int:
    from .frame import TaskSource

    spec = _load_config(args.config)
    df, predictions = read_data(args.data, args.index)
    if len(df) == 0:
        raise CliError(EXIT_INPUT, f"{args.data}: no tasks (the file has no rows)")
    try:
        mapping = spec.bind(list(df.columns), map_hint="Add a column {var!r} to DATA, or change ${var} in the config.")
        source = TaskSource(df, mapping)
    except ConfigError as exc:
        raise CliError(EXIT_INPUT, _config_report(f"{args.config} with {args.data}", exc)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CliError(EXIT_INPUT, f"{args.data}: {exc}") from None
    annotators = dict(args.annotator_map) or None
    client = _client(args)
    with _open_store(args.store, args.name, must_exist=False) as store, client:
        if predictions:
            try:
                store.add_predictions(predictions)
            except (TypeError, ValueError) as exc:
                raise CliError(EXIT_INPUT, f"{args.data}: a prediction cannot be stored: {exc}") from None
        project = _open_project(client, args.project, spec, create=True)
        from . import sync

        try:
            report = sync.push(
                store,
                source,
                spec,
                project,
                annotators=annotators,
                progress=not args.no_progress,
                batch_size=args.batch_size,
            )
        except ValueError as exc:  # e.g. --annotator-map to someone who is not a member
            raise CliError(EXIT_INPUT, str(exc)) from None
    print(
        f"pushed to project {project.id} {project.title!r} at {client.url}: {report.tasks_created} tasks created, "
        f"{report.tasks_resumed} resumed; {report.annotations_created} annotations created, "
        f"{report.annotations_updated} updated; {report.predictions_created} predictions created; "
        f"{report.unchanged} unchanged ({report.seconds:.1f} s)"
    )
    return EXIT_OK


def _pull(args: argparse.Namespace) -> int:
    client = _client(args)
    local_spec = _load_config(args.config) if args.config else None
    with client:
        project = _open_project(client, args.project, local_spec, create=False)
        spec = local_spec
        if spec is None:
            try:
                spec = parse_config(project.label_config)
            except ConfigError as exc:
                raise CliError(
                    EXIT_INPUT, f"the config of project {project.id} on the server: {exc}; pass --config"
                ) from None
        from . import sync

        with _open_store(args.store, args.name, must_exist=False) as store:
            report = sync.pull(store, spec, project, progress=not args.no_progress, method=args.method)
    conflicts = (
        (f"; {report.conflicts} conflicts kept as separate annotations (changed in the store and on the server)")
        if report.conflicts
        else ""
    )
    print(
        f"pulled project {project.id} {project.title!r} from {client.url}: {report.tasks_seen} tasks seen, "
        f"{report.annotations_new} annotations new, {report.annotations_updated} updated{conflicts} "
        f"({report.seconds:.1f} s)"
    )
    return EXIT_OK


def _open_project(client: Any, ref_text: str, spec: ConfigSpec | None, *, create: bool) -> Any:
    from .labelstudio import ConfigMismatchWarning, NotFound

    ref = _project_ref(ref_text)
    xml = spec.xml if spec is not None else None
    try:
        with warnings.catch_warnings():
            if create:  # push compares the configs itself and warns once
                warnings.simplefilter("ignore", ConfigMismatchWarning)
            return client.project(ref, config=xml, create=create and isinstance(ref, str))
    except NotFound as exc:
        if "HTML page" in (exc.detail or ""):  # not an API answer: the URL is not a Label Studio API
            raise CliError(EXIT_SERVER, f"{exc}: {exc.detail}") from None
        hint = "" if create else " (pull reads an existing project: check the id or title)"
        raise CliError(EXIT_INPUT, f"{exc}{hint}") from None  # no project with that id or title


# --------------------------------------------------------------------------- export


def _export(args: argparse.Namespace) -> int:
    from .export import export_store

    spec = _load_config(args.config)
    with _open_store(args.store, args.name, must_exist=True) as store:
        annotator = args.annotator
        if annotator not in ("*", ""):
            names = sorted({a["annotator"] for a in store.annotations()})
            if annotator not in names:
                shown = ", ".join(map(repr, names[:10])) or "none"
                raise CliError(
                    EXIT_INPUT,
                    f"{args.store}: no annotations by {annotator!r} in label set {args.name!r} (annotators: {shown})",
                )
        out = args.out
        if out == "-":
            return _export_stdout(store, spec, args)
        try:
            res = export_store(store, spec, out, args.format, annotator=annotator or "*", all_tasks=args.all_tasks)
        except OSError as exc:
            raise CliError(EXIT_FILE, f"{out}: cannot write: {exc.strerror or exc}") from None
        except ValueError as exc:  # a format that does not fit the config or the data (CONLL2003)
            raise CliError(EXIT_INPUT, str(exc)) from None  # the format names itself
    unit = {"json": "tasks", "conll2003": "token sequences"}.get(res.format, "rows")
    print(f"wrote {res.records} {unit} ({res.tasks} tasks) as {res.format.upper()} to {res.path}")
    _warn_missing(res.missing_data, args.store)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from .importer import LabelStudioExportError, import_labelstudio

    spec = _load_config(args.config) if args.config else None
    with _open_store(args.store, args.name, must_exist=False) as store:
        try:
            report = import_labelstudio(args.export, store, spec, key=args.key)
        except LabelStudioExportError as exc:
            raise CliError(EXIT_INPUT, str(exc)) from None
    print(f"{report} into {args.store}")
    return EXIT_OK


def _warn_missing(n: int, store: str) -> None:
    if n:
        _warn(
            f"{n} exported tasks have no data: {store} holds their annotations or predictions but not the "
            "tasks' data (tasks pushed from a DataFrame and labeled only in Label Studio, or rows a model "
            'predicted: lab.export(..., all_tasks=True) reads those from the DataFrame); their "data" is empty'
        )


def _export_stdout(store: Any, spec: ConfigSpec, args: argparse.Namespace) -> int:
    import tempfile

    from .export import export_store

    with tempfile.TemporaryDirectory() as tmp:
        try:
            res = export_store(
                store, spec, Path(tmp) / "out", args.format, annotator=args.annotator or "*", all_tasks=args.all_tasks
            )
        except ValueError as exc:
            raise CliError(EXIT_INPUT, str(exc)) from None  # the format names itself
        with open(res.path, "rb") as fh:
            sys.stdout.flush()
            while chunk := fh.read(1 << 16):
                sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    _warn_missing(res.missing_data, args.store)
    return EXIT_OK


# --------------------------------------------------------------------------- main


def _warn(message: str) -> None:
    print(f"nblabel: warning: {message}", file=sys.stderr)


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    _warn(str(message))


def _server_failure(exc: Exception) -> CliError:
    from .labelstudio import NotFound, ValidationError

    if isinstance(exc, ValidationError):
        return CliError(EXIT_INPUT, f"the server refused the input: {exc}")
    if isinstance(exc, NotFound) and exc.method is None:
        return CliError(EXIT_INPUT, str(exc))
    return CliError(EXIT_SERVER, str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nblabel`` command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, usage errors: return the status instead of exiting
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_INPUT)
    if args.command == "validate":
        return int(args.run(args))
    from .labelstudio import LabelStudioError
    from .results import ResultError
    from .store import StoreError

    logging.basicConfig(level=logging.WARNING, format="nblabel: %(message)s")
    old = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        return int(args.run(args))
    except CliError as exc:
        err = exc
    except LabelStudioError as exc:
        err = _server_failure(exc)
    except ResultError as exc:
        err = CliError(EXIT_INPUT, f"an annotation in {args.store} does not fit the config: {exc}")
    except StoreError as exc:
        err = CliError(EXIT_FILE, str(exc))
    except ConfigError as exc:
        err = CliError(EXIT_INPUT, str(exc))
    except KeyboardInterrupt:
        print(f"nblabel {args.command}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = old
    print(f"nblabel {args.command}: {err}", file=sys.stderr)
    return err.code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

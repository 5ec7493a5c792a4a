"""Command line: ``nblabel validate CONFIG.xml [--columns a,b]``.

For scripts and CI: check a Label Studio config the same way the Labeler does, and say what is
wrong and where (line:col) with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .config import ConfigError, parse_config


def _validate(args: argparse.Namespace) -> int:
    path = Path(args.config)
    try:
        spec = parse_config(path.read_bytes())
        if args.columns is not None:
            spec.bind([c for c in args.columns.split(",") if c])
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    controls = ", ".join(f"{n} ({c['tag']})" for n, c in spec.controls.items()) or "none"
    print(f"{path}: ok — controls: {controls}; variables: {', '.join('$' + v for v in spec.variables) or 'none'}")
    if spec.unsupported:
        print(f"  rendered as placeholders for now: {', '.join(spec.unsupported)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nblabel`` command."""
    parser = argparse.ArgumentParser(prog="nblabel", description="Label Studio labeling in notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="check a Label Studio XML config")
    val.add_argument("config", help="path of the XML config")
    val.add_argument("--columns", help="comma-separated DataFrame columns the $vars must map to")
    val.set_defaults(run=_validate)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

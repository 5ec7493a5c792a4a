"""Stored annotations as Label Studio export files, one module per format family.

    from nblabel.export import export_store, FORMATS

    export_store(store, spec, "labels.json", fmt="json_min", annotator="*")
    lab.export("conll2003", "ner.conll")          # the same registry behind the Labeler
    nblabel export --format conll2003 ...          # and behind the command line

The shapes follow Label Studio's own converter (label-studio-sdk 2.1.2, used by the 1.23.2 server).

==============  ==========================  =====================================================
format          module                      what
==============  ==========================  =====================================================
``json``        :mod:`.jsonfmt`             task JSON with annotations and predictions (lossless)
``json_min``    :mod:`.jsonfmt`             one flat row per annotation
``csv``/``tsv`` :mod:`.delimited`           the JSON_MIN rows, columns sorted
``conll2003``   :mod:`.conll`               ``token -X- _ TAG`` lines, BIO tags from ``Labels`` spans
==============  ==========================  =====================================================

The registry, :func:`store_tasks` and :func:`export_store` live in :mod:`.core`.
"""

# ruff: noqa: I001  -- import order is the registry's order (the CLI lists formats in it)
from __future__ import annotations

from .core import (
    FORMATS,
    MISSING_DATA,
    ExportFormat,
    ExportResult,
    annotation_items,
    export_store,
    register,
    store_tasks,
)
from .jsonfmt import json_min_rows  # registers json, json_min
from .delimited import csv_rows, dumps_csv  # registers csv, tsv
from .conll import conll_lines  # registers conll2003

__all__ = [
    "FORMATS",
    "MISSING_DATA",
    "ExportFormat",
    "ExportResult",
    "annotation_items",
    "conll_lines",
    "csv_rows",
    "dumps_csv",
    "export_store",
    "json_min_rows",
    "register",
    "store_tasks",
]

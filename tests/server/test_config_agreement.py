"""nblabel's config verdicts against a real Label Studio 1.23.2 (``POST /api/projects/validate/``).

Every config in tests/config_cases.py goes to the server: its answer must be the one the case
records, so a server that starts rejecting (or accepting) something shows up here, and with
tests/unit/test_config_strictness.py nblabel never accepts a config the server refuses.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from config_cases import CASES

from nblabel.config import ConfigError, parse_config


def test_every_case_gets_the_recorded_verdict_from_the_server_and_from_nblabel(raw: Any) -> None:
    wrong = []
    for case in CASES:
        resp = raw.call("POST", "/api/projects/validate/", json={"label_config": case.xml})
        assert resp.status_code in (204, 400), (case.id, resp.status_code, resp.text[:200])
        server = resp.status_code == 204
        try:
            parse_config(case.xml)
            ours = True
        except ConfigError:
            ours = False
        if server != case.server or ours != case.nblabel:
            wrong.append(
                f"{case.id}: server {'accepts' if server else 'rejects'} ({resp.text[:120]}), "
                f"nblabel {'accepts' if ours else 'rejects'}"
            )
        if not server:
            assert not ours, f"{case.id}: the server rejects it ({resp.text[:200]}) but nblabel accepts it"
    assert not wrong, "\n".join(wrong)


def test_every_bundled_template_is_accepted_by_both(raw: Any, ls_module: Any) -> None:
    """The 69 templates of the server's own install: the server and nblabel both accept each."""
    import yaml

    files = sorted(
        Path(ls_module.VENV).glob("lib/python*/site-packages/label_studio/annotation_templates/*/*/config.yml")
    )
    assert len(files) == 69
    for path in files:
        xml = yaml.safe_load(path.read_text())["config"]
        resp = raw.call("POST", "/api/projects/validate/", json={"label_config": xml})
        assert resp.status_code == 204, (path.parent.name, resp.text[:200])
        parse_config(xml)

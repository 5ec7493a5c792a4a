"""JSON_MIN / CSV / TSV of the text-family result types equal Label Studio's own converter.

Taxonomy paths, datetimes, ranker buckets, pairwise picks (to_name = the Pairwise, as the editor
writes it), Chat messages (several `chatmessage` items per annotation) and choices on a
Paragraphs dialogue, run through label-studio-sdk 2.1.2's Converter in the server's venv (the
oracle, never a dependency) and through nblabel.export on the same task JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ls_server  # scripts/ (root conftest.py)
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from test_text_family_sync import CONFIG, results

from nblabel import parse_config
from nblabel.export import dumps_csv, json_min_rows

LS_PYTHON = ls_server.VENV / "bin" / "python"

DATA = {
    "prompt": "p",
    "items": [{"id": "x1", "title": "First"}, {"id": "x2"}, {"id": "x3"}],
    "a": "l",
    "b": "r",
    "chat": [{"role": "system", "content": "Be brief."}],
    "dialogue": [{"author": "A", "text": "hi"}],
    "meta": {"lang": "en"},
}
TASKS = [
    {
        "id": 1,
        "data": DATA,
        "annotations": [
            {
                "id": 10,
                "completed_by": {"email": "ana@example.org"},
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
                "lead_time": 2.0,
                "result": results(0),
            }
        ],
    },
    {
        "id": 2,
        "data": DATA,
        "annotations": [
            {
                "id": 11,
                "completed_by": 3,
                "created_at": "2024-01-02T00:00:00Z",
                "updated_at": "2024-01-02T00:00:00Z",
                "lead_time": None,
                "result": results(1)[:4],
            }
        ],
    },
]


@pytest.mark.skipif(not LS_PYTHON.exists(), reason="label-studio-sdk (the server's venv) is not installed")
def test_text_family_flat_formats_equal_label_studio_converter(tmp_path):
    (tmp_path / "tasks.json").write_text(json.dumps(TASKS))
    (tmp_path / "config.xml").write_text(CONFIG)
    script = (
        "import sys; from label_studio_sdk.converter import Converter\n"
        "d = sys.argv[1]\n"
        "c = Converter(config=open(d + '/config.xml').read(), project_dir=None, download_resources=False)\n"
        "c.convert_to_json_min(d + '/tasks.json', d + '/min', is_dir=False)\n"
        "c.convert_to_csv(d + '/tasks.json', d + '/csv', is_dir=False, sep=',')\n"
    )
    proc = subprocess.run(
        [str(LS_PYTHON), "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    spec = parse_config(CONFIG)
    theirs = json.loads((tmp_path / "min" / "result.json").read_text())
    mine = list(json_min_rows(TASKS, spec))
    assert {"topic", "when", "rank", "pw", "chat", "tone", "stars"} <= set(mine[0])  # every type is in there
    assert mine[0]["chat"][1]["role"] == "assistant" and mine[0]["pw"] == [{"selected": "left"}]
    assert mine == theirs
    assert [list(r) for r in mine] == [list(r) for r in theirs]
    assert dumps_csv(TASKS, spec).encode() == (tmp_path / "csv" / "result.csv").read_bytes()

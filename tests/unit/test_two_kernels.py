"""Two kernels on one store: two real processes label the same SQLite file at the same time.

Each child opens a Labeler (the notebook path: schema set-up on a brand-new file, saves through
the widget's message handler), waits for the other at a start line, then saves as fast as it
can. Nothing may be lost, the file must pass SQLite's integrity check, and each labeler sees the
other's labels after a refresh.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd

import nblabel
from nblabel import Labeler, Store

N = 200

CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import pandas as pd
    from nblabel import Labeler
    path, who, go, n = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    while not go.exists():   # both processes start writing at the same moment
        time.sleep(0.005)
    df = pd.DataFrame({"review": [f"review {i}" for i in range(n)]})
    config = ('<View><Text name="text" value="$review"/><Choices name="sentiment" toName="text">'
              '<Choice value="positive"/><Choice value="negative"/></Choices></View>')
    lab = Labeler(df, config, store=path, annotator=who)   # opens (and maybe creates) the store
    (go.parent / f"ready-{who}").touch()
    while len(list(go.parent.glob("ready-*"))) < int(sys.argv[5]):   # then both save at once
        time.sleep(0.005)
    label = "positive" if who == "ana" else "negative"
    for i in range(n):
        result = [{"id": "c", "from_name": "sentiment", "to_name": "text", "type": "choices",
                   "value": {"choices": [label]}}]
        reply = lab._session.handle({"type": "save", "pos": i, "task_id": i, "result": result, "seq": i})
        assert reply.get("type") == "ack", reply
        print(json.dumps({"saved": i, "at": time.time()}), flush=True)
""")


def _env() -> dict[str, str]:
    root = Path(nblabel.__file__).parent.parent
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}


def test_two_processes_labeling_one_new_store_at_once_lose_nothing(tmp_path):
    path, go = tmp_path / "team.db", tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), who, str(go), str(N), "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for who in ("ana", "ben")
    ]
    time.sleep(0.5)
    go.touch()
    outputs = [c.communicate(timeout=240) for c in children]
    spans = []
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err
        stamps = [json.loads(line)["at"] for line in out.splitlines()]
        assert len(stamps) == N
        spans.append((stamps[0], stamps[-1]))
    (a0, a1), (b0, b1) = spans
    assert a0 < b1 and b0 < a1, "the two processes did not write at the same time"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Store(path) as store:
        assert store.counts("ana") == store.counts("ben") == (N, 0)
        assert len(store.history()) == 2 * N
    df = pd.DataFrame({"review": [f"review {i}" for i in range(N)]})
    config = (
        '<View><Text name="text" value="$review"/><Choices name="sentiment" toName="text">'
        '<Choice value="positive"/><Choice value="negative"/></Choices></View>'
    )
    lab = Labeler(df, config, store=path, annotator="ana")
    wide = lab.to_dataframe()
    assert (wide["n_annotators"] == 2).all() and wide["sentiment_tie"].all()


def test_a_labeler_sees_another_kernels_labels_after_a_refresh(tmp_path):
    path, go = tmp_path / "team.db", tmp_path / "go"
    df = pd.DataFrame({"review": [f"review {i}" for i in range(5)]})
    config = (
        '<View><Text name="text" value="$review"/><Choices name="sentiment" toName="text">'
        '<Choice value="positive"/><Choice value="negative"/></Choices></View>'
    )
    ana = Labeler(df, config, store=path, annotator="ana")
    go.touch()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "ana", str(go), "5", "1"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert ana.progress.done == 0  # this kernel's view is as it was when it was built
    ana.refresh()
    assert ana.progress.done == 5
    assert json.loads(json.dumps(ana.to_dataframe(annotator="ana")["sentiment"].tolist())) == ["positive"] * 5

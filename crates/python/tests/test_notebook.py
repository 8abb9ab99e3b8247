"""The walk-through notebook (docs/notebooks/anomalous-sessions.ipynb) is saved
executed, and its code still runs and gives what its saved outputs say."""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
NOTEBOOK = REPO / "docs/notebooks/anomalous-sessions.ipynb"


def test_the_notebook_is_saved_executed_and_still_runs(tmp_path, monkeypatch):
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] for c in code), "save the notebook executed (docs/notebooks/build.py)"
    # the notebook's relative paths, in a scratch copy of the layout
    (tmp_path / "docs/notebooks").mkdir(parents=True)
    (tmp_path / "fixtures").symlink_to(REPO / "fixtures")
    monkeypatch.chdir(tmp_path / "docs/notebooks")
    scope: dict = {}
    for cell in code:
        source = "".join(cell["source"])
        lines = source.rstrip().splitlines()
        # run the cell; keep the value of its last line when it is an expression, as Jupyter shows it
        try:
            compile(lines[-1], "<last>", "eval")
            last_is_expression = not lines[-1].startswith((" ", "\t", ")", "]", "}"))
        except SyntaxError:
            last_is_expression = False
        body = "\n".join(lines[:-1]) if last_is_expression else source
        exec(compile(body, "<notebook>", "exec"), scope)
        if last_is_expression:
            value = eval(compile(lines[-1], "<notebook>", "eval"), scope)
            saved = [o for o in cell["outputs"] if o.get("output_type") == "execute_result"]
            if saved and "text/plain" in saved[0]["data"] and isinstance(value, (tuple, list, bool, int)):
                # IPython's pretty printer folds long lists: compare without the whitespace
                shown = "".join(saved[0]["data"]["text/plain"])
                assert "".join(repr(value).split()) == "".join(shown.split()), source
    assert (Path("out") / "exchange-report.html").stat().st_size > 0
    assert scope["sessions_df"].shape == (400, 7)
    assert os.path.exists("out/exchange.model")

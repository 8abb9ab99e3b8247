"""Write and execute anomalous-sessions.ipynb: msticpy's Anomalous Sessions
walk-through on the Exchange demo logs, with ``anomseq.msticpy`` (the import
prefix changed, nothing else), then the native API.

    cargo xtask notebook                # or: python docs/notebooks/build.py, with anomseq,
                                        # pandas, nbformat, nbconvert and ipykernel installed

The outputs are saved in the notebook; files it writes go to docs/notebooks/out/
(not committed).
"""
import os
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

HERE = Path(__file__).resolve().parent

CELLS = [
    ("md", """# Anomalous sessions in Office Exchange logs — with anomseq

This is msticpy's *Anomalous Sessions* walk-through, run with **anomseq**'s drop-in:
the imports say `anomseq.msticpy.` where msticpy's say `msticpy.`, and nothing else
changes — the same functions, arguments, DataFrames and numbers, computed in Rust.
The last part shows what anomseq adds: the native API on pandas, polars or pyarrow
frames, saved models and the explained report.

A *session* is an ordered sequence of events of one user. We model sessions as a
first-order Markov chain over commands (optionally with their parameters and
values), then score each session by the likelihood of its rarest sliding window:
a low likelihood means a rare, perhaps malicious, sequence."""),
    ("code", """import json
from pathlib import Path

import pandas as pd

from anomseq.msticpy.analysis.anomalous_sequence import anomalous, sessionize
from anomseq.msticpy.analysis.anomalous_sequence.model import Model
from anomseq.msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd

OUT = Path("out")  # pages and pictures this notebook writes
OUT.mkdir(exist_ok=True)"""),
    ("md", """## Creating the sessions

Office Exchange admin events from a demo tenant (msticpy's demo data, MIT)."""),
    ("code", """exchange = pd.read_csv("../../fixtures/exchange/demo_exchange_data.csv")
exchange.head()"""),
    ("md", """The `Operation` column is the command. To model parameters too, each event
becomes a `Cmd` whose `params` is a set of parameter names, or a dict of names and
values. (msticpy's walk-through `eval`s the `Parameters` text; it is JSON, so we
parse it as JSON: `eval` on log data runs whatever the logs say.)"""),
    ("code", """def clean_exchange_params(operation: str, parameters: str, include_vals: bool) -> Cmd:
    params = {p["Name"]: p["Value"] for p in json.loads(parameters)}
    if include_vals:
        return Cmd(name=operation, params=params)
    return Cmd(name=operation, params=set(params))


exchange["cmd_param"] = [clean_exchange_params(o, p, False) for o, p in zip(exchange.Operation, exchange.Parameters)]
exchange["cmd_param_val"] = [clean_exchange_params(o, p, True) for o, p in zip(exchange.Operation, exchange.Parameters)]
exchange.cmd_param_val.iloc[0]"""),
    ("md", """### `sessionize_data`

A session never spans two users (`UserId`, `ClientIP`), lasts at most 20 minutes
and has no gap over 2 minutes between events. `event_col` may be any of the three
event columns: `Operation`, `cmd_param` or `cmd_param_val`."""),
    ("code", """sessions_df = sessionize.sessionize_data(
    data=exchange,
    user_identifier_cols=["UserId", "ClientIP"],
    time_col="TimeGenerated",
    max_session_time_mins=20,
    max_event_separation_mins=2,
    event_col="Operation",
)
sessions_df.shape"""),
    ("code", """sessions_df.head()"""),
    ("md", """## Model the sessions

### `score_sessions`

Train the model on the sessions and add each session's rarest window of 3 events
and its likelihood."""),
    ("code", """modelled_df = anomalous.score_sessions(data=sessions_df, session_column="Operation_list", window_length=3)
modelled_df.sort_values("rarest_window3_likelihood").head()"""),
    ("code", """modelled_df.sort_values("rarest_window3_likelihood").rarest_window3.iloc[0]"""),
    ("md", """### The `Model` class

For control over start and end tokens, the geometric mean and which parameters'
values are modelled (`modellable_params`), use the `Model` class directly."""),
    ("code", """model = Model(sessions=sessions_df.Operation_list.values.tolist())
model.train()
model.compute_rarest_windows(window_len=2)
model.rare_window_likelihoods[2][:5]"""),
    ("code", """sessions_val = sessionize.sessionize_data(
    exchange, ["UserId", "ClientIP"], "TimeGenerated", 20, 2, event_col="cmd_param_val"
)
model_val = Model(sessions=sessions_val.cmd_param_val_list.values.tolist())
model_val.train()
sorted(model_val.modellable_params)"""),
    ("code", """model_val.compute_scores(use_start_end_tokens=True)
model_val.compute_rarest_windows(window_len=3, use_geo_mean=True)
pd.DataFrame({
    "likelihood": model_val.session_likelihoods,
    "geomean": model_val.session_geomean_likelihoods,
    "rarest_window3_geo": model_val.rare_window_likelihoods_geo[3],
}).sort_values("rarest_window3_geo").head()"""),
    ("md", """## Visualise the modelled sessions

`visualise_scored_sessions` gives an interactive timeline: time on x, likelihood
on y (log scale), a tooltip with the rarest window and the source columns. In
Jupyter a cell that ends with `timeline` shows it inline (a self-contained,
offline page in a sandboxed iframe; it carries its own copy of Plotly.js, so this
saved notebook shows the static picture instead). `timeline.save(path)` writes
the page."""),
    ("code", """timeline = anomalous.visualise_scored_sessions(
    data_with_scores=modelled_df,
    time_column="TimeGenerated_min",  # x-axis
    score_column="rarest_window3_likelihood",  # y-axis
    window_column="rarest_window3",  # the session in the tool-tips
    source_columns=["UserId", "ClientIP"],  # more columns in the tool-tips
)
timeline.save(OUT / "exchange-timeline.html")
timeline.svg()"""),
    ("md", """`score_and_visualise_sessions` does both steps; `likelihood_upper_bound` keeps
only the rarer sessions."""),
    ("code", """anomalous.score_and_visualise_sessions(
    data=sessions_df,
    session_column="Operation_list",
    window_length=3,
    time_column="TimeGenerated_min",
    likelihood_upper_bound=0.01,
    source_columns=["UserId", "ClientIP"],
).svg()"""),
    ("md", """## Beyond msticpy: the native API

`anomseq.sessionize` reads the raw `Parameters` JSON itself, `Model.score` adds each
step's probability (`rarest_window3_factors`, whose product is the likelihood) and
the count of things the model never saw, and models are saved, merged and scored
by the command line (`anomseq score --model exchange.model`). Frames may be pandas,
polars or pyarrow; the result is the same kind."""),
    ("code", """import anomseq

raw = pd.read_csv("../../fixtures/exchange/demo_exchange_data.csv")
sessions = anomseq.sessionize(
    raw, user_cols=["UserId", "ClientIP"], time_col="TimeGenerated", event_col="Operation",
    params_col="Parameters", values=True,
)
model = anomseq.train(sessions)
scored = model.score(sessions, window=3)
scored.sort_values("rarest_window3_likelihood")[
    ["UserId", "ClientIP", "TimeGenerated_min", "rarest_window3_likelihood", "rarest_window3_factors", "unseen"]
].head()"""),
    ("code", """model.save(OUT / "exchange.model")
again = anomseq.load_model(OUT / "exchange.model").score(sessions)
again.rarest_window3_likelihood.equals(scored.rarest_window3_likelihood)"""),
    ("md", """`anomseq.report` is the report of `anomseq run --report`: the timeline, then the
rarest sessions with each step of their rarest window explained — its command,
parameters and values, its probability, and what the model never saw."""),
    ("code", """report = anomseq.report(scored, model, top=10)
report.save(OUT / "exchange-report.html")
report  # inline in Jupyter (this saved notebook keeps only its text form)"""),
]


def main() -> int:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src) for kind, src in CELLS
    ]
    ExecutePreprocessor(timeout=300, kernel_name="python3", record_timing=False).preprocess(
        nb, {"metadata": {"path": str(HERE)}}
    )
    # ids from the cell order: the same notebook gives the same file; inline pages
    # (each with its own Plotly.js, megabytes) are kept as their text form only
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        cell.get("metadata", {}).pop("execution", None)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if len(data.get("text/html", "")) > 1_000_000:
                del data["text/html"]
    nb.metadata.pop("language_info", None)  # the kernel's exact Python version
    path = HERE / "anomalous-sessions.ipynb"
    nbformat.write(nb, str(path))
    print(f"wrote {path} ({os.path.getsize(path):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

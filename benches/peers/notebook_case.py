"""One notebook case of the side-by-side suite: the same msticpy call through
msticpy 3.0.2 or through anomseq's drop-in (the prefix swapped, nothing else);
prints one JSON line.

    notebook_case.py msticpy|anomseq sessionize EVENTS.csv
    notebook_case.py msticpy|anomseq score SESSIONS.ndjson cmds|params|values

The whole call is timed, pandas conversions included (not imports, not reading
the file). anomseq's time is the best of 3 calls, msticpy's one call. `digest`
is a hash of the result (the columns, their dtypes and every value, floats by
their exact repr), so the suite can check that both gave the same answer.
"""
import hashlib
import importlib
import json
import sys
import time
import warnings

from msticpy_case import load_sessions  # noqa: E402 - beside this file

warnings.filterwarnings("ignore")


def module(impl, path):
    prefix = {"msticpy": "msticpy.", "anomseq": "anomseq.msticpy."}[impl]
    return importlib.import_module(prefix + path)


def digest(values):
    h = hashlib.sha256()
    for v in values:
        h.update(repr(v).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def cmd_text(c):
    if isinstance(c, str):
        return c
    params = sorted(c.params.items()) if isinstance(c.params, dict) else sorted(c.params)
    return (c.name, params)


def timed(impl, call):
    runs = 3 if impl == "anomseq" else 1
    best, out = None, None
    for _ in range(runs):
        t = time.perf_counter()
        out = call()
        secs = time.perf_counter() - t
        best = secs if best is None else min(best, secs)
    return best, out


def sessionize(impl, path):
    import pandas as pd

    ses = module(impl, "analysis.anomalous_sequence.sessionize")
    df = pd.read_csv(path)
    secs, out = timed(
        impl,
        lambda: ses.sessionize_data(
            data=df,
            user_identifier_cols=["UserId", "Host"],
            time_col="TimeGenerated",
            max_session_time_mins=20,
            max_event_separation_mins=2,
            event_col="Operation",
        ),
    )
    rows = [
        (r.UserId, r.Host, str(r.TimeGenerated_min), str(r.TimeGenerated_max), list(r.Operation_list), r.duration, r.number_events)
        for r in out.itertuples(index=False)
    ]
    return secs, len(out), digest([list(out.columns), [str(t) for t in out.dtypes]] + rows)


def score(impl, path, kind):
    import pandas as pd

    anomalous = module(impl, "analysis.anomalous_sequence.anomalous")
    Cmd = module(impl, "analysis.anomalous_sequence.utils.data_structures").Cmd
    sessions = load_sessions(path, kind, Cmd)
    df = pd.DataFrame({"session": sessions})
    secs, out = timed(impl, lambda: anomalous.score_sessions(data=df, session_column="session", window_length=3))
    liks = out["rarest_window3_likelihood"].tolist()
    windows = [[cmd_text(c) for c in w] for w in out["rarest_window3"]]
    return secs, len(out), digest([list(out.columns), [str(t) for t in out.dtypes]] + liks + windows)


if __name__ == "__main__":
    impl, case = sys.argv[1], sys.argv[2]
    if case == "sessionize":
        secs, n, d = sessionize(impl, sys.argv[3])
    else:
        secs, n, d = score(impl, sys.argv[3], sys.argv[4])
    print(json.dumps({"seconds": secs, "rows": n, "digest": d}))

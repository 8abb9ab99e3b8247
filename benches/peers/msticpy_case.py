"""One msticpy 3.0.2 case of the side-by-side suite; prints one JSON line.

    msticpy_case.py sessionize EVENTS.csv
    msticpy_case.py model SESSIONS.ndjson cmds|params|values

Only the library call is timed (not imports, not reading files).
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def sessionize(path):
    import pandas as pd
    from msticpy.analysis.anomalous_sequence import sessionize as ses

    df = pd.read_csv(path)
    t = time.perf_counter()
    out = ses.sessionize_data(
        data=df,
        user_identifier_cols=["UserId", "Host"],
        time_col="TimeGenerated",
        max_session_time_mins=20,
        max_event_separation_mins=2,
        event_col="Operation",
    )
    return time.perf_counter() - t, len(out)


def load_sessions(path, kind, Cmd):
    """The sessions of a sessions NDJSON file as msticpy takes them: lists of names
    (cmds), or of ``Cmd``s with a set (params) or a dict (values) of parameters."""
    sessions = []
    with open(path) as f:
        for line in f:
            events = json.loads(line)["Operation_list"]
            if isinstance(events, str):
                events = json.loads(events)
            if kind == "cmds":
                sessions.append(list(events))
            elif kind == "params":
                sessions.append([Cmd(name=e["name"], params=set(e["params"])) for e in events])
            else:
                sessions.append([Cmd(name=e["name"], params=dict(e["params"])) for e in events])
    return sessions


def model(path, kind):
    from msticpy.analysis.anomalous_sequence.model import Model
    from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd

    sessions = load_sessions(path, kind, Cmd)
    t = time.perf_counter()
    m = Model(sessions)
    m.train()
    m.compute_rarest_windows(window_len=3, use_start_end_tokens=True, use_geo_mean=False)
    return time.perf_counter() - t, len(sessions)


if __name__ == "__main__":
    if sys.argv[1] == "sessionize":
        secs, n = sessionize(sys.argv[2])
    else:
        secs, n = model(sys.argv[2], sys.argv[3])
    print(json.dumps({"seconds": secs, "sessions": n}))

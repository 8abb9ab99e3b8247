"""The drop-in (``anomseq.msticpy``) against msticpy 3.0.2's own outputs on the
Exchange demo logs (``fixtures/oracle-exchange``), for the three session types, and
its notebook page."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from anomseq.msticpy.analysis.anomalous_sequence import anomalous, sessionize
from anomseq.msticpy.analysis.anomalous_sequence.model import Model
from anomseq.msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd
from anomseq.msticpy.common.exceptions import MsticpyException

REPO = Path(__file__).resolve().parents[3]
ORACLE = REPO / "fixtures/oracle-exchange"


def demo() -> pd.DataFrame:
    """The demo logs prepared as the oracle's README says: Parameters parsed into
    the three event columns."""
    df = pd.read_csv(REPO / "fixtures/exchange/demo_exchange_data.csv", parse_dates=["TimeGenerated"])
    params = df["Parameters"].map(json.loads)
    df["cmd_param"] = [Cmd(op, {p["Name"] for p in ps}) for op, ps in zip(df["Operation"], params)]
    df["cmd_param_val"] = [Cmd(op, {p["Name"]: p["Value"] for p in ps}) for op, ps in zip(df["Operation"], params)]
    return df


EVENT_COLS = {"cmds": "Operation", "params": "cmd_param", "values": "cmd_param_val"}


def plain(event):
    if isinstance(event, str):
        return event
    params = sorted(event.params) if isinstance(event.params, set) else dict(event.params)
    return {"name": event.name, "params": params}


def oracle_plain(event):
    if isinstance(event, str):
        return event
    params = event["params"]
    return {"name": event["name"], "params": sorted(params) if isinstance(params, list) else params}


@pytest.mark.parametrize("kind", list(EVENT_COLS))
def test_sessionize_and_score_match_msticpy(kind):
    event_col = EVENT_COLS[kind]
    sessions = sessionize.sessionize_data(
        demo(),
        user_identifier_cols=["UserId", "ClientIP"],
        time_col="TimeGenerated",
        max_session_time_mins=20,
        max_event_separation_mins=2,
        event_col=event_col,
    )
    expected = json.loads((ORACLE / f"sessions_{kind}.json").read_text())
    assert list(sessions.columns) == expected["output_columns"]
    assert len(sessions) == expected["n_sessions"] == 400
    # the same sessions, in the same order, with the same events
    for (_, row), want in zip(sessions.iterrows(), expected["sessions"]):
        user = None if pd.isna(row["UserId"]) else row["UserId"]
        assert user == want["UserId"]
        assert row["TimeGenerated_min"].strftime("%Y-%m-%dT%H:%M:%SZ") == want["time_min"]
        assert row["duration"].total_seconds() == want["duration_seconds"]
        assert row["number_events"] == want["number_events"]
        assert [plain(e) for e in row[f"{event_col}_list"]] == [oracle_plain(e) for e in want["events"]]
    scored = anomalous.score_sessions(sessions, session_column=f"{event_col}_list", window_length=3)
    oracle = json.loads((ORACLE / f"model_{kind}.json").read_text())["score_sessions"]
    for got, want in zip(scored["rarest_window3_likelihood"], oracle["rarest_window3_likelihood"]):
        if want is None:
            assert math.isnan(got)
        else:
            assert math.isclose(got, want, rel_tol=1e-9)
    for got, want in zip(scored["rarest_window3"], oracle["rarest_window3"]):
        assert [plain(e) for e in got] == [oracle_plain(e) for e in want]


def test_model_tables_match_msticpy():
    expected = json.loads((ORACLE / "model_values.json").read_text())
    sessions = json.loads((ORACLE / "sessions_values.json").read_text())["sessions"]
    lists = [[Cmd(e["name"], dict(e["params"])) for e in s["events"]] for s in sessions]
    model = Model(lists)
    model.train()
    assert model.modellable_params == set(expected["modellable_params"])
    for name in ["seq1_counts", "param_counts", "value_counts"]:
        assert dict(getattr(model, name)) == dict(expected[name]), name
    for name in ["prior_probs", "param_probs", "value_probs"]:
        got, want = getattr(model, name), expected[name]
        assert got.keys() == want.keys(), name
        assert all(math.isclose(got[k], want[k], rel_tol=1e-9) for k in want), name
    trans = model.trans_probs
    for a, row in expected["trans_probs"].items():
        for b, p in row.items():
            assert math.isclose(trans[a][b], p, rel_tol=1e-9)
    # unseen commands read as ##UNK##, as msticpy's StateMatrix does
    assert model.prior_probs["Never-Seen"] == model.prior_probs["##UNK##"]
    model.compute_scores(use_start_end_tokens=True)
    for got, want in zip(model.session_likelihoods, expected["session_likelihoods"]["use_start_end_tokens_true"]):
        assert math.isclose(got, want, rel_tol=1e-9)


HOSTILE = ["<script>window.__pwned=1</script>", '"><img src=x onerror=alert(1)>', "</iframe><script>x()</script>"]


def test_the_notebook_timeline_keeps_hostile_strings_inert(tmp_path):
    times = pd.date_range("2020-01-01", periods=3, freq="h", tz="UTC")
    data = pd.DataFrame(
        {
            "session": [[HOSTILE[0], HOSTILE[1]], [HOSTILE[1], HOSTILE[2], HOSTILE[0]], [HOSTILE[2]] * 4],
            "time": times,
            "user": HOSTILE,
        }
    )
    timeline = anomalous.score_and_visualise_sessions(
        data, session_column="session", window_length=2, time_column="time", source_columns=["user"]
    )
    shown = timeline._repr_html_()
    assert shown.startswith('<iframe sandbox="allow-scripts"') and shown.count("<iframe") == 1
    for h in HOSTILE:
        assert h not in shown, "a data string became markup of the notebook"
    srcdoc = shown.split('srcdoc="', 1)[1].rsplit('"></iframe>', 1)[0]
    assert html.unescape(srcdoc) == timeline.html
    assert "default-src 'none'" in timeline.html
    for h in HOSTILE:
        assert h not in timeline.html, "a data string became markup of the page"
    timeline.save(tmp_path / "t.html")
    assert (tmp_path / "t.html").read_text(encoding="utf-8") == timeline.html


def test_score_sessions_equals_the_model_it_stands_for():
    """score_sessions' one-call path gives what Model(...).train().compute_rarest_windows(...) gives."""
    df = demo()
    for kind, col in EVENT_COLS.items():
        sessions = sessionize.sessionize_data(
            df, ["UserId", "ClientIP"], "TimeGenerated", 20, 2, event_col=col
        )
        scored = anomalous.score_sessions(sessions, session_column=f"{col}_list", window_length=3)
        model = Model(sessions[f"{col}_list"].tolist())
        model.train()
        model.compute_rarest_windows(window_len=3, use_start_end_tokens=True, use_geo_mean=False)
        got = scored["rarest_window3_likelihood"].tolist()
        want = model.rare_window_likelihoods[3]
        assert all((math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(got, want)), kind
        assert scored["rarest_window3"].tolist() == model.rare_windows[3], kind


@pytest.mark.parametrize(
    "sessions, message",
    [
        ("not a list", "`sessions` should be a list"),
        ([], "`sessions` should not be an empty list"),
        ([["a"], "b"], "each session in `sessions` should be a list"),
        ([["a"], []], "session at index 1 of `sessions` is empty"),
        ([["a", Cmd("b", {"x"})]], "session 0, event 1 has type Cmd, where the first event is a str"),
        ([[Cmd("a", {"x"})], ["b"]], "session 1, event 0 has type str, where the first event is a Cmd"),
        ([[Cmd("a", {"x"}), Cmd("b", {"y": "1"})]], "session 0, event 1 has params of type dict, where the first event has a set"),
        ([[Cmd("a", ["x"])]], "Params attribute of Cmd data structure should be either a set or a dict"),
        ([["##START##"]], "##START##"),
    ],
)
def test_bad_sessions_are_msticpy_exceptions_that_say_where(sessions, message):
    from anomseq.msticpy.common.exceptions import MsticpyException

    with pytest.raises(MsticpyException, match=message.replace("[", "\\[").replace("(", "\\(")):
        Model(sessions)
    if isinstance(sessions, list) and sessions:
        with pytest.raises(MsticpyException, match=message.replace("[", "\\[").replace("(", "\\(")):
            anomalous.score_sessions(pd.DataFrame({"s": sessions}), session_column="s", window_length=2)


def test_the_timeline_draws_a_static_picture_too(tmp_path):
    sessions = sessionize.sessionize_data(demo(), ["UserId", "ClientIP"], "TimeGenerated", 20, 2, "Operation")
    timeline = anomalous.score_and_visualise_sessions(
        sessions, "Operation_list", 3, "TimeGenerated_min", source_columns=["UserId", "ClientIP"]
    )
    picture = timeline.svg(800, 400)
    assert picture._repr_svg_().lstrip().startswith("<svg") and 'width="800"' in picture.svg
    picture.save(tmp_path / "t.svg")
    assert (tmp_path / "t.svg").read_text(encoding="utf-8") == picture.svg



def test_create_session_col_is_msticpys():
    df = pd.DataFrame(
        {
            "u": ["b", None, "b", "dummy_str", "a", "b"],
            "t": ["2020-01-01T00:00:00Z", "2020-01-01T00:00:05Z", "2020-01-01T00:10:00Z",
                  "2020-01-01T00:00:07Z", "2020-01-01T00:00:09Z", "2020-01-01T00:00:30Z"],
            "e": list("abcdef"),
        },
        index=[5, 5, 3, 1, 1, 0],  # repeated labels: msticpy sorts by position
    )
    out = sessionize.create_session_col(df, ["u"], "t", 20, 2)
    assert len(out) == len(df) and list(out.columns) == ["u", "t", "e", "session_ind"]
    assert out["t"].dtype == pd.to_datetime(df["t"]).dtype and out["session_ind"].dtype == "float64"
    # sorted by user ("dummy_str" standing for the missing one, as msticpy reads it) then time
    assert out["e"].tolist() == ["e", "a", "f", "c", "b", "d"]
    assert out["session_ind"].tolist() == [0.0, 1.0, 1.0, 2.0, 3.0, 3.0]
    assert out["u"].tolist()[:4] == ["a", "b", "b", "b"] and out["u"].iloc[4:].isna().all()


@pytest.mark.parametrize(
    "times",
    [
        ["2020-01-01T00:00:00Z", "2020-01-01T00:01:00Z"],
        ["2020-01-01 00:00:00", "2020-01-01 00:01:00"],
        ["2020-01-01T00:00:00+02:00", "2020-01-01T00:01:00+02:00"],
        ["2020-01-01T00:00:00+02", "2020-01-01T00:01:00+02"],
        ["2020-01-01T00:00:00.5Z", "2020-01-01T00:01:00.25Z"],
        ["2020-01-01T00:00:00 UTC", "2020-01-01T00:01:00 UTC"],
        ["01/02/2020 00:00", "01/02/2020 00:01"],
    ],
)
def test_times_are_read_as_pandas_reads_them(times):
    df = pd.DataFrame({"u": ["a", "a"], "t": times, "e": ["x", "y"]})
    out = sessionize.sessionize_data(df, ["u"], "t", 20, 2, "e")
    parsed = pd.to_datetime(df["t"])
    assert out["t_min"].dtype == parsed.dtype
    assert out["t_min"].iloc[0] == parsed.min() and out["t_max"].iloc[0] == parsed.max()


def test_time_units_and_fractional_minutes_are_kept():
    t = pd.Series(pd.to_datetime(["2020-01-01T00:00:00", "2020-01-01T00:00:08.5714"], format="ISO8601"))
    t = t.astype("datetime64[us]")
    df = pd.DataFrame({"u": ["a", "a"], "t": t, "e": ["x", "y"]})
    out = sessionize.sessionize_data(df, ["u"], "t", 20, 1 / 7, "e")  # a gap of 8.571428571 s
    assert out["number_events"].tolist() == [2]
    assert out["t_min"].dtype == "datetime64[us]" and out["duration"].dtype == "timedelta64[us]"


def test_missing_event_names_score_as_msticpy_reads_them():
    df = demo()
    df.loc[5:40, "Operation"] = float("nan")
    sessions = sessionize.sessionize_data(df, ["UserId", "ClientIP"], "TimeGenerated", 20, 2, "Operation")
    scored = anomalous.score_sessions(sessions, "Operation_list", 3)
    assert scored["rarest_window3_likelihood"].notna().any()
    for bad in (0, -1):
        with pytest.raises(MsticpyException, match="should be a whole number of at least 1"):
            anomalous.score_sessions(sessions, "Operation_list", bad)

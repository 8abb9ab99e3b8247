"""The native API (``anomseq.sessionize``, ``train``, ``Model.score``) against msticpy's
own outputs on the Exchange demo logs (``fixtures/oracle-exchange``), on pandas,
polars and pyarrow frames."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet
import pytest

import anomseq

REPO = Path(__file__).resolve().parents[3]
CSV = REPO / "fixtures/exchange/demo_exchange_data.csv"
ORACLE = REPO / "fixtures/oracle-exchange"

KINDS = {
    "cmds": dict(),
    "params": dict(params_col="Parameters"),
    "values": dict(params_col="Parameters", values=True),
}


def oracle(kind: str) -> dict[tuple, float | None]:
    """msticpy's rarest_window3_likelihood per (UserId, ClientIP, start)."""
    sessions = json.loads((ORACLE / f"sessions_{kind}.json").read_text())["sessions"]
    model = json.loads((ORACLE / f"model_{kind}.json").read_text())
    liks = model["score_sessions"]["rarest_window3_likelihood"]
    return {(s["UserId"], s["ClientIP"], s["time_min"]): lik for s, lik in zip(sessions, liks)}


def sessionize(frame, kind: str):
    return anomseq.sessionize(
        frame, user_cols=["UserId", "ClientIP"], time_col="TimeGenerated", event_col="Operation", **KINDS[kind]
    )


def key(row) -> tuple:
    def none(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    start = pd.Timestamp(row["TimeGenerated_min"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    return none(row["UserId"]), none(row["ClientIP"]), start


@pytest.mark.parametrize("kind", list(KINDS))
def test_scores_match_msticpy_on_pandas(kind):
    df = pd.read_csv(CSV)
    sessions = sessionize(df, kind)
    assert isinstance(sessions, pd.DataFrame) and len(sessions) == 400
    scored = anomseq.train(sessions).score(sessions, window=3)
    assert isinstance(scored, pd.DataFrame)
    expected = oracle(kind)
    seen = 0
    for _, row in scored.iterrows():
        want = expected[key(row)]
        got = row["rarest_window3_likelihood"]
        if want is None:
            assert pd.isna(got)
        else:
            assert math.isclose(got, want, rel_tol=1e-9), (key(row), got, want)
            assert math.isclose(math.prod(row["rarest_window3_factors"]), got, rel_tol=1e-12)
            seen += 1
        assert row["unseen"] == 0
    assert seen == 154 if kind == "cmds" else seen > 0


def test_polars_and_pyarrow_give_back_their_own_kind():
    pdf = pl.read_csv(CSV)
    s = sessionize(pdf, "cmds")
    assert isinstance(s, pl.DataFrame) and s.height == 400
    scored = anomseq.train(s).score(s)
    assert isinstance(scored, pl.DataFrame)
    assert scored.schema["rarest_window3"] == pl.List(pl.String)
    table = pa.csv.read_csv(
        CSV,
        parse_options=pa.csv.ParseOptions(newlines_in_values=True),
        convert_options=pa.csv.ConvertOptions(strings_can_be_null=True),
    )
    t = sessionize(table, "cmds")
    assert isinstance(t, pa.Table) and t.num_rows == 400
    st = anomseq.train(t).score(t)
    assert isinstance(st, pa.Table)
    # the same numbers whatever the frame
    a = sorted(x for x in scored["rarest_window3_likelihood"].to_list() if x is not None)
    b = sorted(x for x in st.column("rarest_window3_likelihood").to_pylist() if x is not None)
    assert a == b


def test_a_model_saved_in_python_scores_alike_on_the_command_line(tmp_path):
    df = pd.read_csv(CSV)
    sessions = sessionize(df, "values")
    model = anomseq.train(sessions)
    model.save(tmp_path / "m.model")
    again = anomseq.load_model(tmp_path / "m.model")
    assert again.session_type == "values" and again.n_sessions == 400
    ours = model.score(sessions)["rarest_window3_likelihood"].tolist()
    assert again.score(sessions)["rarest_window3_likelihood"].tolist() == pytest.approx(ours, nan_ok=True, rel=0)
    cli = REPO / "target/debug/anomseq"
    if not cli.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "anomseq-cli"], cwd=REPO, check=True)
    pa.parquet.write_table(pa.Table.from_pandas(sessions, preserve_index=False), tmp_path / "s.parquet")
    subprocess.run(
        [str(cli), "-q", "score", "s.parquet", "--model", "m.model", "-o", "scored.parquet"], cwd=tmp_path, check=True
    )
    theirs = pa.parquet.read_table(tmp_path / "scored.parquet").column("rarest_window3_likelihood").to_pylist()
    assert [x if x is not None else math.nan for x in theirs] == pytest.approx(ours, nan_ok=True, rel=0)


def test_merged_models_equal_training_on_the_union(tmp_path):
    s = sessionize(pd.read_csv(CSV), "params")
    half = len(s) // 2
    merged = anomseq.merge([anomseq.train(s.iloc[:half]), anomseq.train(s.iloc[half:])])
    merged.save(tmp_path / "merged.model")
    anomseq.train(s).save(tmp_path / "all.model")
    assert (tmp_path / "merged.model").read_bytes() == (tmp_path / "all.model").read_bytes()


def cli_scores(tmp_path, sessions, model, mode: str) -> list:
    """``{mode}_score`` as ``anomseq score --model M --mode MODE`` writes it for ``sessions``
    with ``model`` saved as M."""
    model.save(tmp_path / "m.model")
    cli = REPO / "target/debug/anomseq"
    if not cli.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "anomseq-cli"], cwd=REPO, check=True)
    pa.parquet.write_table(pa.Table.from_pandas(sessions, preserve_index=False), tmp_path / "s.parquet")
    subprocess.run(
        [str(cli), "-q", "score", "s.parquet", "--model", "m.model", "--mode", mode, "-o", "out.parquet"],
        cwd=tmp_path,
        check=True,
    )
    return pa.parquet.read_table(tmp_path / "out.parquet").column(f"{mode}_score").to_pylist()


def test_the_profile_mode_scores_with_a_saved_merged_model_as_the_cli_does(tmp_path):
    s = sessionize(pd.read_csv(CSV), "cmds")
    half = len(s) // 2
    model = anomseq.merge([anomseq.train(s.iloc[:half]), anomseq.train(s.iloc[half:])])
    assert model.modes == ["reference", "profile", "novelty", "ngram"]
    ours = model.score(s, mode="profile")
    assert ours["profile_distance"].tolist() == [0.0] * len(s)  # every session was seen in training
    assert cli_scores(tmp_path, s, model, "profile") == ours["profile_score"].tolist()
    # the model keeps each mode's scorer: calls in any order score as a fresh model does
    for mode, window in [("novelty", 3), ("profile", 2), ("reference", 3), ("profile", 3), ("novelty", 2)] * 2:
        kept = model.score(s, mode=mode, window=window)
        again = pickle.loads(pickle.dumps(model)).score(s, mode=mode, window=window)
        pd.testing.assert_frame_equal(kept, again)
    pd.testing.assert_frame_equal(model.score(s, mode="profile"), ours)
    # a model file of format 1 keeps the reference counts only, and says so
    old = anomseq.load_model(REPO / "fixtures/models/commands.json")
    assert old.modes == ["reference"]
    with pytest.raises(anomseq.AnomseqError, match="the reference mode's counts only"):
        old.score(s, mode="profile")


def test_the_ngram_mode_scores_at_the_order_the_model_keeps_as_the_cli_does(tmp_path):
    s = sessionize(pd.read_csv(CSV), "cmds")
    half = len(s) // 2
    # merged counts: the model of the union, n-grams up to order 5 included
    model = anomseq.merge([anomseq.train(s.iloc[:half], order=5), anomseq.train(s.iloc[half:], order=5)])
    assert model.to_bytes() == anomseq.train(s, order=5).to_bytes()
    ours = model.score(s, mode="ngram")
    assert (ours["ngram_score"] > 0).all() and (ours["ngram_score"] <= ours["ngram_surprise"]).all()
    assert not ours["ngram_score"].equals(model.score(s, mode="ngram", order=2)["ngram_score"])
    assert cli_scores(tmp_path, s, model, "ngram") == ours["ngram_score"].tolist()
    with pytest.raises(anomseq.AnomseqError, match="n-gram order 6 is above the order 5 the model kept"):
        model.score(s, mode="ngram", order=6)
    with pytest.raises(anomseq.AnomseqError, match="order is the ngram mode's"):
        model.score(s, mode="profile", order=2)
    with pytest.raises(anomseq.AnomseqError, match="n-gram order 9 is not 1 to 8"):
        anomseq.train(s, order=9)
    with pytest.raises(anomseq.AnomseqError, match="order must be a whole number"):
        anomseq.train(s, order=0)


def test_errors_are_anomseq_errors_with_the_cli_messages():
    df = pd.read_csv(CSV)
    with pytest.raises(anomseq.AnomseqError, match="no column `Nope`; the columns are: TimeGenerated"):
        anomseq.sessionize(df, user_cols=["Nope"], time_col="TimeGenerated", event_col="Operation")
    with pytest.raises(ValueError, match="max_gap"):
        anomseq.sessionize(df, user_cols=["UserId"], time_col="TimeGenerated", event_col="Operation", max_gap="soon")
    s = sessionize(df, "cmds")
    v = sessionize(df, "values")
    with pytest.raises(anomseq.AnomseqError, match="a commands model cannot score commands\\+params\\+values sessions"):
        anomseq.train(s).score(v)
    with pytest.raises(anomseq.AnomseqError, match="unknown scoring mode"):
        anomseq.train(s).score(s, mode="magic")
    with pytest.raises(TypeError, match="expected a pandas, polars or pyarrow frame"):
        anomseq.train([1, 2, 3])


def test_the_report_explains_the_scores_shown(tmp_path):
    df = pd.read_csv(CSV)
    sessions = sessionize(df, "values")
    model = anomseq.train(sessions)
    scored = model.score(sessions, window=3)
    report = anomseq.report(scored, model, top=5)
    assert isinstance(report, anomseq.Report)
    page = report.html
    assert page.startswith("<!doctype html>") and "default-src 'none'" in page
    # the five rarest sessions, rarest first, each step with its probability
    rarest = scored.sort_values("rarest_window3_likelihood", kind="stable").head(5)
    at = [page.index(f'data-v="{repr(lik).replace("e-0", "e-")}"') for lik in rarest["rarest_window3_likelihood"]]
    assert at == sorted(at)
    assert page.count('<span class="p">p = ') >= 5 * 2  # each step of each window, with its probability
    assert "window" in page and "trained on these sessions" not in page
    # the same page as scoring inside the report, and as a frame without scores
    assert anomseq.report(sessions, model, top=5).html == page
    # scores from another model are refused: the report would explain other numbers
    other = anomseq.train(sessions.iloc[:100])
    with pytest.raises(anomseq.AnomseqError, match="are not this model's"):
        anomseq.report(scored, other)
    with pytest.raises(anomseq.AnomseqError, match="colour_by \"Nope\": not a column the points can be coloured by"):
        anomseq.report(scored, model, colour_by="Nope")
    shown = report._repr_html_()
    assert shown.startswith('<iframe sandbox="allow-scripts"') and shown.count("<iframe") == 1
    report.save(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    # saving replaces a planted symlink, never writes through it
    target = tmp_path / "target.txt"
    target.write_text("keep")
    (tmp_path / "link.html").symlink_to(target)
    report.save(tmp_path / "link.html")
    assert target.read_text() == "keep" and not (tmp_path / "link.html").is_symlink()


def test_the_progress_bar_shows_only_when_asked_or_watched(monkeypatch, capsys):
    df = pd.read_csv(CSV)
    monkeypatch.delenv("ANOMSEQ_PROGRESS", raising=False)
    sessionize(df, "cmds")
    assert capsys.readouterr().err == ""  # not a terminal, not a notebook: no bar
    monkeypatch.setenv("ANOMSEQ_PROGRESS", "1")
    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)  # the plain bar
    sessions = sessionize(df, "cmds")
    err = capsys.readouterr().err
    assert "anomseq: sessionize: [" in err and "100%" in err and "sessionizing" in err
    monkeypatch.setenv("ANOMSEQ_PROGRESS", "0")
    anomseq.train(sessions).score(sessions)
    assert capsys.readouterr().err == ""


def test_chunked_reading_gives_the_same_table():
    from anomseq._progress import Progress, table_from_pandas

    df = pd.DataFrame({"a": [None] * 5 + ["x"] * 5, "b": range(10)})
    bar = Progress("t", 10)
    bar.on = True  # force the chunked path without printing a bar
    bar._bar = None
    bar._line = lambda: None
    chunked = table_from_pandas(df, bar, chunk=3)
    assert chunked.equals(pa.Table.from_pandas(df, preserve_index=False))
    assert bar.done == 10


def test_pandas_scores_join_the_frame_as_it_is():
    df = pd.read_csv(CSV)
    sessions = sessionize(df, "cmds")
    sub = sessions[sessions.number_events > 1].copy()
    sub["extra"] = [{"a": 1}] * len(sub)  # not Arrow-friendly: stays as it is, never read
    sub["mixed"] = [1, "x"] * (len(sub) // 2) + [1] * (len(sub) % 2)
    model = anomseq.train(sessions)
    scored = model.score(sub)
    assert list(scored.index) == list(sub.index)
    assert scored["extra"].iloc[0] == {"a": 1} and scored["mixed"].tolist() == sub["mixed"].tolist()
    assert list(scored.columns[: len(sub.columns)]) == list(sub.columns)
    # the same numbers as scoring the whole frame, row by row
    whole = model.score(sessions).loc[sub.index, "rarest_window3_likelihood"]
    assert scored["rarest_window3_likelihood"].tolist() == whole.tolist()
    # scoring again replaces the scores
    again = model.score(scored, window=2)
    assert "rarest_window3_likelihood" not in again.columns and "rarest_window2_likelihood" in again.columns


def test_models_pickle_and_copy():
    import copy
    import pickle

    df = pd.read_csv(CSV)
    sessions = sessionize(df, "values")
    model = anomseq.train(sessions)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert other.to_bytes() == model.to_bytes()
        assert other.score(sessions)["rarest_window3_likelihood"].equals(model.score(sessions)["rarest_window3_likelihood"])


def test_arguments_users_get_wrong_get_clear_errors():
    df = pd.read_csv(CSV)
    with pytest.raises(TypeError, match="user_cols must be a list of names, got the string 'UserId'"):
        anomseq.sessionize(df, user_cols="UserId", time_col="TimeGenerated", event_col="Operation")
    with pytest.raises(anomseq.AnomseqError, match="user column `UserId` is given twice"):
        anomseq.sessionize(df, user_cols=["UserId", "UserId"], time_col="TimeGenerated", event_col="Operation")
    renamed = df.rename(columns={"ClientIP": "duration"})
    with pytest.raises(anomseq.AnomseqError, match="user column `duration` has the name of an output column"):
        anomseq.sessionize(renamed, user_cols=["duration"], time_col="TimeGenerated", event_col="Operation")
    s = sessionize(df, "cmds")
    model = anomseq.train(s)
    for bad in (0, -1, 2.5):
        with pytest.raises(anomseq.AnomseqError, match="window must be a whole number of at least 1"):
            model.score(s, window=bad)
    with pytest.raises(anomseq.AnomseqError, match="no sessions to score: the frame has no rows"):
        model.score(s.iloc[:0])
    with pytest.raises(anomseq.AnomseqError, match="no sessions to train on"):
        anomseq.train(s.iloc[:0])
    with pytest.raises(anomseq.AnomseqError, match="top must be a whole number of at least 0"):
        anomseq.report(s, model, top=-1)
    with pytest.raises(anomseq.AnomseqError, match="give it the model that scored them"):
        anomseq.report(model.score(s).iloc[50:60])


def test_epoch_times_with_a_unit():
    df = pd.DataFrame({"u": ["a"] * 3, "t": [0, 60, 600], "e": ["x", "y", "z"]})
    with pytest.raises(anomseq.AnomseqError, match="epoch unit"):
        anomseq.sessionize(df, user_cols=["u"], time_col="t", event_col="e")
    s = anomseq.sessionize(df, user_cols=["u"], time_col="t", event_col="e", epoch_unit="s")
    assert s["number_events"].tolist() == [2, 1]

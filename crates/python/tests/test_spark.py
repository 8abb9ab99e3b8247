"""anomseq.spark in local mode (local[2]) against the single-machine pipeline: the
same sessions, model files byte for byte, and the same scores, for 1, 3 and 8
partitions, on the Exchange logs, a generated 1M-event set and a 2M-event user."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

import anomseq
from anomseq import spark as aspark

REPO = Path(__file__).resolve().parents[3]
CSV = REPO / "fixtures/exchange/demo_exchange_data.csv"
KINDS = {"cmds": {}, "params": {"params_col": "Parameters"}, "values": {"params_col": "Parameters", "values": True}}
USERS = ["UserId", "ClientIP"]


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this interpreter (and its anomseq)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("anomseq-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "3")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def exchange() -> pa.Table:
    return pcsv.read_csv(CSV, parse_options=pcsv.ParseOptions(newlines_in_values=True))


def in_order(table: pa.Table, keys: list[str]) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in keys])


def as_spark(table: pa.Table) -> pa.Table:
    """A single-machine table in the types Spark holds (microsecond UTC timestamps)."""
    return table.cast(aspark._spark_types(table.schema))


ORDER = [*USERS, "TimeGenerated_min"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_exchange_sessions_model_and_scores_equal_one_machine(spark, kind):
    events = exchange()
    df = spark.createDataFrame(events)
    want = anomseq.sessionize(events, user_cols=USERS, time_col="TimeGenerated", event_col="Operation", **KINDS[kind])
    model = anomseq.train(want)
    for partitions in (1, 3, 8):
        sessions = aspark.sessionize(
            df, user_cols=USERS, time_col="TimeGenerated", event_col="Operation", partitions=partitions, **KINDS[kind]
        )
        assert sessions.rdd.getNumPartitions() == partitions
        got = sessions.toArrow()
        assert in_order(got, ORDER).equals(in_order(as_spark(want), ORDER)), partitions
        assert aspark.train(sessions).to_bytes() == model.to_bytes(), partitions
    for window in (2, 3, 4):
        for tokens in (True, False):
            got = aspark.score(sessions, model, window=window, tokens=tokens).toArrow()
            expected = as_spark(model.score(want, window=window, tokens=tokens))
            assert in_order(got, ORDER).equals(in_order(expected, ORDER)), (window, tokens)
    # the profile mode scores from the model's merged state, as on one machine
    assert model.modes == ["reference", "profile", "novelty", "ngram"]
    got = aspark.score(sessions, model, mode="profile").toArrow()
    expected = as_spark(model.score(want, mode="profile"))
    assert in_order(got, ORDER).equals(in_order(expected, ORDER))
    # and the ngram mode, from n-grams up to order 5 merged across partitions
    ngram = aspark.train(sessions, order=5)
    assert ngram.to_bytes() == anomseq.train(want, order=5).to_bytes()
    got = aspark.score(sessions, ngram, mode="ngram", order=4).toArrow()
    expected = as_spark(ngram.score(want, mode="ngram", order=4))
    assert in_order(got, ORDER).equals(in_order(expected, ORDER))
    rarest = aspark.rarest(aspark.score(sessions, model), 5)
    top = model.score(want).to_pandas().sort_values("rarest_window3_likelihood", kind="stable").head(5)
    assert rarest["rarest_window3_likelihood"].tolist() == top["rarest_window3_likelihood"].tolist()
    # the very sessions: who, when, what
    for a, b in zip(rarest.itertuples(), top.itertuples()):
        assert (a.UserId, a.ClientIP, a.TimeGenerated_min) == (b.UserId, b.ClientIP, b.TimeGenerated_min)
        assert len(a.Operation_list) == len(b.Operation_list)


def generated(n: int, users: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    user = rng.integers(0, users, n)
    # per user, events a few seconds to a few minutes apart, over days
    t = np.sort(rng.integers(0, 30 * 86_400, n)) * 1_000_000
    cmds = np.array([f"Cmd-{i:02d}" for i in range(40)])
    weights = np.linspace(1, 0.01, 40)
    op = cmds[rng.choice(40, n, p=weights / weights.sum())]
    return pa.table(
        {
            "user": pa.array([f"user{u}" if u % 97 else None for u in user]),
            "time": pa.array(t, pa.timestamp("us", tz="UTC")),
            "op": pa.array(op),
        }
    )


def from_parquet(spark, table: pa.Table, path: Path):
    """A large table as a data lake holds it: a Parquet file Spark reads in parallel
    (``createDataFrame`` of a million rows keeps copies of them in the driver's heap)."""
    pq.write_table(table, path)
    return spark.read.parquet(str(path))


def test_a_million_events_and_empty_partitions(spark, tmp_path):
    events = generated(1_000_000, 2_000)
    df = from_parquet(spark, events, tmp_path / "events.parquet")
    want = anomseq.sessionize(events, user_cols=["user"], time_col="time", event_col="op")
    model = anomseq.train(want)
    for partitions in (1, 8):
        sessions = aspark.sessionize(df, user_cols=["user"], time_col="time", event_col="op", partitions=partitions)
        order = ["user", "time_min"]
        assert in_order(sessions.toArrow(), order).equals(in_order(as_spark(want), order))
        assert aspark.train(sessions).to_bytes() == model.to_bytes()
    got = aspark.score(sessions, model).toArrow()
    assert in_order(got, order).equals(in_order(as_spark(model.score(want)), order))
    # two users over eight partitions: six or more empty ones
    few = events.filter(pa.compute.is_in(events["user"], pa.array(["user1", "user2"])))
    s = aspark.sessionize(spark.createDataFrame(few), user_cols=["user"], time_col="time", event_col="op", partitions=8)
    local = anomseq.sessionize(few, user_cols=["user"], time_col="time", event_col="op")
    assert s.count() == local.num_rows and aspark.train(s).to_bytes() == anomseq.train(local).to_bytes()


def test_all_null_keys_and_a_two_million_event_user(spark, tmp_path):
    n = 2_000_000
    t = np.arange(n, dtype=np.int64) * 30_000_000  # 30 s apart: sessions of 40 events (the 20 min rule)
    events = pa.table(
        {
            "user": pa.nulls(n, pa.string()),
            "time": pa.array(t, pa.timestamp("us", tz="UTC")),
            "op": pa.array(np.where(np.arange(n) % 7 == 0, "Get-User", "Set-User")),
        }
    )
    df = from_parquet(spark, events, tmp_path / "events.parquet")
    sessions = aspark.sessionize(df, user_cols=["user"], time_col="time", event_col="op", partitions=4)
    want = anomseq.sessionize(events, user_cols=["user"], time_col="time", event_col="op")
    assert sessions.count() == want.num_rows
    model = aspark.train(sessions)
    assert model.to_bytes() == anomseq.train(want).to_bytes()


def test_rows_a_shuffle_delivers_out_of_order_are_put_back_in_input_order():
    """Map tasks' blocks may arrive in any order on a cluster: a partition's rows are
    put back in input order before sessionizing (ties in time keep their order)."""
    rows = pa.array([5, 6, 7, 0, 1, 2, 3, 4], pa.int64())
    table = pa.table({aspark._ROW: rows, "op": pa.array([f"op{r}" for r in rows.to_pylist()])})
    back = aspark._in_input_order(table)
    assert back.column_names == ["op"] and back["op"].to_pylist() == [f"op{r}" for r in range(8)]
    ordered = aspark._in_input_order(table.sort_by(aspark._ROW))
    assert ordered["op"].to_pylist() == [f"op{r}" for r in range(8)]


def test_errors_are_the_single_machine_ones(spark):
    df = spark.createDataFrame(exchange())
    with pytest.raises(anomseq.AnomseqError, match="no column `Nope`"):
        aspark.sessionize(df, user_cols=["Nope"], time_col="TimeGenerated", event_col="Operation")
    with pytest.raises(anomseq.AnomseqError, match="max_gap"):
        aspark.sessionize(df, user_cols=USERS, time_col="TimeGenerated", event_col="Operation", max_gap="soon")
    s = aspark.sessionize(df, user_cols=USERS, time_col="TimeGenerated", event_col="Operation")
    with pytest.raises(anomseq.AnomseqError, match="no sessions to train on"):
        aspark.train(s.limit(0))
    with pytest.raises(anomseq.AnomseqError, match="unknown scoring mode"):
        aspark.score(s, aspark.train(s), mode="magic")


def test_each_score_uses_its_own_model(spark):
    """Python workers live on between jobs: a second model must not be served the first one's cache."""
    events = exchange()
    want = anomseq.sessionize(events, user_cols=USERS, time_col="TimeGenerated", event_col="Operation")
    sessions = aspark.sessionize(spark.createDataFrame(events), user_cols=USERS, time_col="TimeGenerated", event_col="Operation")
    for model in (anomseq.train(want.slice(0, 100)), anomseq.train(want.slice(100)), anomseq.train(want)):
        got = aspark.score(sessions, model).toArrow()
        assert in_order(got, ORDER).equals(in_order(as_spark(model.score(want)), ORDER))


def test_text_times_missing_keys_and_another_session_time_zone(spark):
    """Times as the CLI's text, some keys missing (null, not ""), and a session time
    zone other than UTC: the same sessions and scores as one machine."""
    events = exchange()
    text = pa.compute.strftime(events["TimeGenerated"], format="%Y-%m-%dT%H:%M:%SZ")
    user = pa.compute.if_else(pa.compute.equal(events["UserId"], ""), pa.scalar(None, pa.string()), events["UserId"])
    events = events.set_column(0, "TimeGenerated", text).set_column(events.schema.get_field_index("UserId"), "UserId", user)
    want = anomseq.sessionize(events, user_cols=USERS, time_col="TimeGenerated", event_col="Operation")
    model = anomseq.train(want)
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        sessions = aspark.sessionize(spark.createDataFrame(events), user_cols=USERS, time_col="TimeGenerated", event_col="Operation")
        got = sessions.toArrow()
        assert got.schema.field("TimeGenerated_min").type.tz is not None
        assert in_order(got.cast(as_spark(want).schema), ORDER).equals(in_order(as_spark(want), ORDER))
        assert aspark.train(sessions).to_bytes() == model.to_bytes()
        scored = aspark.score(sessions, model).toArrow()
        expected = as_spark(model.score(want))
        assert in_order(scored.cast(expected.schema), ORDER).equals(in_order(expected, ORDER))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")

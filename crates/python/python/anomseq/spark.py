"""anomseq on Spark: sessionize, train and score Spark DataFrames with the same
numbers as one machine, the Rust pipeline running inside the executors.

    from anomseq import spark as aspark
    sessions = aspark.sessionize(df, user_cols=["UserId", "ClientIP"],
                                 time_col="TimeGenerated", event_col="Operation")
    model = aspark.train(sessions)             # an anomseq.Model, on the driver
    scored = aspark.score(sessions, model)     # a Spark DataFrame
    aspark.rarest(scored, 20)                  # pandas: the 20 rarest sessions

How data moves: :func:`sessionize` shuffles the events once, by ranges of the
user key (all of a user's events land in one partition), and each partition is sessionized by the
Rust sessionizer through ``mapInArrow`` (Arrow batches, no pandas, no Python call
per user); :func:`train` counts each partition and only the counts travel, merged
in partition order (counts are sums: the merged model is the one machine's, byte
for byte); :func:`score` broadcasts the model once and scores batch by batch.
A single user's events must fit in one task's memory (see docs/scale-out.md).
"""

from __future__ import annotations

import uuid
from typing import Any, Iterator, Sequence

import pyarrow as pa

from . import Model, _anomseq, _names, _needed_columns, _session_column
from ._anomseq import AnomseqError

__all__ = ["rarest", "score", "sessionize", "train"]


def _spark_types(schema: pa.Schema) -> pa.Schema:
    """An Arrow schema as Spark holds it: timestamps in microseconds (UTC), unsigned
    counts as signed, no large or view strings."""

    def fix(t: pa.DataType) -> pa.DataType:
        if pa.types.is_timestamp(t):
            return pa.timestamp("us", tz="UTC" if t.tz is not None else None)
        if pa.types.is_unsigned_integer(t):
            return pa.int64()
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return pa.string()
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return pa.list_(fix(t.value_type))
        if pa.types.is_map(t):
            return pa.map_(fix(t.key_type), fix(t.item_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, fix(f.type), f.nullable) for f in t])
        return t

    return pa.schema([pa.field(f.name, fix(f.type), True) for f in schema])


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(_spark_types(schema), prefer_timestamp_ntz=False)


def _cast(table: pa.Table, target: pa.Schema) -> pa.Table:
    """``table`` in the types Spark was promised (nullability as declared)."""
    return table.cast(target)


def _arrow_schema_of(df: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema, timezone="UTC")


def _table(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_batches(list(batches), schema=schema)


def sessionize(
    df: Any,
    *,
    user_cols: Sequence[str],
    time_col: str,
    event_col: str,
    params_col: str | None = None,
    params_format: str = "exchange",
    param_cols: Sequence[str] | None = None,
    values: bool = False,
    max_session: str = "20m",
    max_gap: str = "2m",
    epoch_unit: str | None = None,
    partitions: int | None = None,
) -> Any:
    """Sessionize a Spark DataFrame of events: the sessions of
    :func:`anomseq.sessionize`, one row each, with its columns and types (times as
    Spark timestamps, UTC, in microseconds). The events are shuffled once by the user
    columns into ``partitions`` partitions (by default Spark's
    ``spark.sql.shuffle.partitions``); each partition is sessionized in Rust."""
    user_cols = _names(user_cols, "user_cols")
    param_cols = _names(param_cols, "param_cols")
    needed = _needed_columns(user_cols, time_col, event_col, params_col, param_cols)
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise AnomseqError(f"no column `{missing[0]}`; the columns are: {', '.join(df.columns)}")
    options = dict(
        user_cols=user_cols,
        time_col=time_col,
        event_col=event_col,
        params_col=params_col,
        params_format=params_format,
        param_cols=param_cols,
        values=values,
        max_session=max_session,
        max_gap=max_gap,
        epoch_unit=epoch_unit,
    )
    events = df.select(*needed)
    if user_cols:
        # by ranges of the user key, in the sessionizer's order (a missing key last): each
        # key lands whole in one partition, and the partitions in order hold the sessions
        # in the single machine's order, so that training on them is its training too
        from pyspark.sql import functions as F

        keys = [F.col(c).asc_nulls_last() for c in user_cols]
        events = events.repartitionByRange(partitions, *keys) if partitions else events.repartitionByRange(*keys)
    else:
        events = events.coalesce(1)  # one user: one partition
    in_schema = _arrow_schema_of(events)
    # the output's types: the Rust sessionizer's own, on no rows (options checked here, on the driver)
    out_schema = _spark_types(_anomseq.sessionize(in_schema.empty_table(), **options).schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from anomseq import _anomseq as native

        table = _table(batches, in_schema)
        if table.num_rows == 0:
            return
        yield from _cast(native.sessionize(table, **options), out_schema).to_batches()

    return events.mapInArrow(run, _spark_schema(out_schema))


def _merge_in_order(models: list[bytes]) -> bytes:
    """Merge model files in their order, neighbours first (a tree of merges that keeps
    the order: a vocabulary in first-seen order stays so)."""
    from anomseq import _anomseq as native

    level = [native.model_from_bytes(b) for b in models]
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [native.merge(p) if len(p) == 2 else p[0] for p in pairs]
    return level[0].to_bytes()


def train(sessions: Any, *, session_col: str | None = None, modellable_params: Sequence[str] | None = None) -> Model:
    """Train on a Spark DataFrame of sessions: each partition is counted in Rust and
    only the counts travel to the driver, merged in partition order. The model is the
    one a single machine trains on the same sessions in the DataFrame's order, byte
    for byte (for :func:`sessionize`'s output: in the single machine's order)."""
    col = _session_column(sessions.columns, session_col)
    params = _names(modellable_params, "modellable_params")
    part = sessions.select(col)
    in_schema = _arrow_schema_of(part)

    def count(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        from anomseq import _anomseq as native

        table = _table(batches, in_schema)
        if table.num_rows == 0:
            return
        model = native.train(table, session_col=col, modellable_params=params)
        yield pa.record_batch(
            [pa.array([TaskContext.get().partitionId()], pa.int64()), pa.array([model.to_bytes()], pa.binary())],
            names=["partition", "model"],
        )

    counted = part.mapInArrow(count, "partition long, model binary").toArrow()
    if counted.num_rows == 0:
        raise AnomseqError("no sessions to train on: the DataFrame has no rows")
    counted = counted.sort_by("partition")
    return Model(_anomseq.model_from_bytes(_merge_in_order(counted.column("model").to_pylist())))


def _one_session(schema: pa.Schema, col: str, model: Model) -> pa.Table:
    """One row of ``schema``: a one-event session of ``model``'s type in ``col``, nulls elsewhere."""
    event: Any = "x" if model.session_type == "commands" else {"name": "x", "params": []}
    columns = [
        pa.array([[event]], type=f.type) if f.name == col else pa.nulls(1, type=f.type) for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


_MODELS: dict = {}  # per Python worker: each broadcast model, loaded once


def _broadcast_model(token: str, blob: Any) -> Any:
    """The model of one `score` call (``token``, made on the driver), loaded once per
    worker process from the broadcast file."""
    model = _MODELS.get(token)
    if model is None:
        from anomseq import _anomseq as native

        if len(_MODELS) > 8:  # a long-lived worker: keep the last few
            _MODELS.clear()
        model = _MODELS[token] = native.model_from_bytes(blob.value)
    return model


def score(
    sessions: Any,
    model: Model,
    *,
    session_col: str | None = None,
    window: int = 3,
    tokens: bool = True,
    geo_mean: bool = False,
    mode: str = "reference",
) -> Any:
    """Score a Spark DataFrame of sessions with ``model`` (broadcast once): the
    DataFrame with the score columns :meth:`anomseq.Model.score` adds (the rarest
    window's likelihood, the window, its factors, the unseen count; the profile
    columns with ``mode="profile"``), scored batch by batch in Rust."""
    col = _session_column(sessions.columns, session_col)
    options = dict(session_col=col, window=window, tokens=tokens, geo_mean=geo_mean, mode=mode)
    in_schema = _arrow_schema_of(sessions)
    # the output's types, and the options checked, on the driver: scoring one made-up session
    out_schema = _spark_types(model._inner.score(_one_session(in_schema, col, model), **options).schema)
    blob = sessions.sparkSession.sparkContext.broadcast(model.to_bytes())
    token = uuid.uuid4().hex

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        native_model = _broadcast_model(token, blob)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            table = pa.Table.from_batches([batch], schema=in_schema)
            yield from _cast(native_model.score(table, **options), out_schema).to_batches()

    return sessions.mapInArrow(run, _spark_schema(out_schema))


def rarest(scored: Any, n: int = 50, score_col: str | None = None) -> Any:
    """The ``n`` rarest sessions of a scored Spark DataFrame, rarest first (in the
    score's direction; sessions without a score last), collected to the driver as a
    pandas frame, ready for :func:`anomseq.report` or the notebook."""
    from pyspark.sql import functions as F

    if score_col is None:
        scores = [c for c in scored.columns if c.endswith("_likelihood") or c.startswith("profile_")]
        if not scores:
            raise AnomseqError(f"no score column (columns: {', '.join(scored.columns)}): give score_col")
        score_col = "profile_score" if "profile_score" in scores else scores[0]
    higher = score_col.startswith("profile_")
    order = F.col(score_col).desc_nulls_last() if higher else F.col(score_col).asc_nulls_last()
    return scored.orderBy(order).limit(int(n)).toPandas()

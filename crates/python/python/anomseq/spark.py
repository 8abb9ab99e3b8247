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

from . import Model, _anomseq, _count, _names, _session_column, _sessionize_options
from ._anomseq import AnomseqError

__all__ = ["rarest", "score", "sessionize", "train"]

_ROW = "__anomseq_row__"
_GROUP = 256  # partitions per training job: their model files travel to the driver together


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
    """``table`` in the types Spark was promised: nanoseconds cut to Spark's
    microseconds (Spark holds no finer time), time zones relabelled (the same instants)."""
    return table.cast(target, safe=False)


def _arrow_schema_of(df: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema, timezone="UTC")


def _table(batches: Iterator[pa.RecordBatch]) -> pa.Table | None:
    """A task's batches as one table, in the types Spark sent them (its session time
    zone, large strings if so configured); None for an empty partition."""
    batches = [b for b in batches if b.num_rows]
    if not batches:
        return None
    return pa.Table.from_batches(batches)


def _in_input_order(table: pa.Table) -> pa.Table:
    """A partition's rows back in their input order (by the row ids taken before the
    shuffle), without the ids: a shuffle may deliver the blocks of several map tasks
    in any order, and events of one user at the same time must keep their input
    order, as the sessionizer's stable sort keeps them on one machine. Sorting is
    skipped when the rows came in order (one check, no copy)."""
    import pyarrow.compute as pc

    rows = table.column(_ROW).combine_chunks()
    n = len(rows)
    if n > 1 and not pc.all(pc.less_equal(rows.slice(0, n - 1), rows.slice(1))).as_py():
        table = table.take(pc.sort_indices(rows))
    return table.drop_columns([_ROW])


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
    options, needed = _sessionize_options(
        user_cols, time_col, event_col, params_col, params_format, param_cols, values, max_session, max_gap, epoch_unit
    )
    user_cols = options["user_cols"]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise AnomseqError(f"no column `{missing[0]}`; the columns are: {', '.join(df.columns)}")
    from pyspark.sql import functions as F

    if partitions is not None and (isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1):
        raise AnomseqError(f"partitions must be a whole number of at least 1, got {partitions!r}")
    # each row's place in the input, so that events of one user at the same time keep
    # their input order through the shuffle (see _in_input_order)
    events = df.select(*needed).withColumn(_ROW, F.monotonically_increasing_id())
    if user_cols:
        # by ranges of the user key, in the sessionizer's order (text by bytes, a missing
        # key last): each key lands whole in one partition, and the partitions in order
        # hold the sessions in the single machine's order, so that training on them is
        # its training too
        keys = [(F.col(c).cast("binary") if dict(events.dtypes)[c] == "string" else F.col(c)).asc_nulls_last()
                for c in user_cols]
        events = events.repartitionByRange(partitions, *keys) if partitions else events.repartitionByRange(*keys)
    else:
        events = events.repartition(1)  # one user: one partition
    in_schema = _arrow_schema_of(events.drop(_ROW))
    # the output's types: the Rust sessionizer's own, on no rows (options checked here, on the driver)
    out_schema = _spark_types(_anomseq.sessionize(in_schema.empty_table(), **options).schema)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from anomseq import _anomseq as native

        table = _table(batches)
        if table is None:
            return
        yield from _cast(native.sessionize(_in_input_order(table), **options), out_schema).to_batches()

    return events.mapInArrow(run, _spark_schema(out_schema))


def _merge_streamed(models: Iterator[bytes]) -> Any:
    """Merge model files in their order as they arrive, neighbours first: a tree of
    merges (binary-counter style) that keeps the order, so a vocabulary in first-seen
    order stays so, while the driver holds one model per level (log2 of the partitions)."""
    stack: list[tuple[int, Any]] = []  # (level, model), levels strictly decreasing
    for blob in models:
        level, model = 0, _anomseq.model_from_bytes(blob)
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            model, level = _anomseq.merge([left, model]), level + 1
        stack.append((level, model))
    if not stack:
        return None
    _, merged = stack.pop()
    while stack:
        _, left = stack.pop()
        merged = _anomseq.merge([left, merged])
    return merged


def train(
    sessions: Any, *, session_col: str | None = None, modellable_params: Sequence[str] | None = None, order: int = 3
) -> Model:
    """Train on a Spark DataFrame of sessions: each partition is counted in Rust and
    only the counts travel to the driver, merged in partition order. The model is the
    one a single machine trains on the same sessions in the DataFrame's order, byte
    for byte (for :func:`sessionize`'s output: in the single machine's order), with
    n-grams up to ``order`` (as :func:`anomseq.train`)."""
    col = _session_column(sessions.columns, session_col)
    params = _names(modellable_params, "modellable_params")
    order = _count(order, "order")
    part = sessions.select(col)

    def count(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        from anomseq import _anomseq as native

        table = _table(batches)
        if table is None:
            return
        model = native.train(table, session_col=col, modellable_params=params, order=order)
        yield pa.record_batch(
            [pa.array([TaskContext.get().partitionId()], pa.int64()), pa.array([model.to_bytes()], pa.binary())],
            names=["partition", "model"],
        )

    # in groups of partitions, in order: each group's tasks run in parallel, and no more
    # than one group's model files travel at once (spark.driver.maxResultSize), merged
    # as a tree as they come
    counted = part.mapInArrow(count, "partition long, model binary").rdd
    sc = sessions.sparkSession.sparkContext
    n = counted.getNumPartitions()

    def models() -> Iterator[bytes]:
        last = -1
        for start in range(0, n, _GROUP):
            group = range(start, min(n, start + _GROUP))
            got = sc.runJob(counted, lambda rows: [(r.partition, bytes(r.model)) for r in rows], group)
            for partition, blob in sorted(got):
                if partition <= last:
                    raise AnomseqError(f"partitions came back out of order ({partition} after {last})")
                last = partition
                yield blob

    merged = _merge_streamed(models())
    if merged is None:
        raise AnomseqError("no sessions to train on: the DataFrame has no rows")
    return Model(merged)


def _one_session(schema: pa.Schema, col: str, model: Model) -> pa.Table:
    """One row of ``schema`` (the session column alone): a one-event session of ``model``'s type."""
    event: Any = "x" if model.session_type == "commands" else {"name": "x", "params": []}
    return pa.Table.from_arrays([pa.array([[event]], type=schema.field(col).type)], names=[col])


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
    order: int | None = None,
) -> Any:
    """Score a Spark DataFrame of sessions with ``model`` (broadcast once): the
    DataFrame with the score columns :meth:`anomseq.Model.score` adds (the rarest
    window's likelihood, the window, its factors, the unseen count; the profile
    columns with ``mode="profile"``, the novelty columns with ``mode="novelty"``, the
    n-gram columns with ``mode="ngram"`` at ``order``), scored batch by batch in Rust."""
    col = _session_column(sessions.columns, session_col)
    window = _count(window, "window")
    order = None if order is None else _count(order, "order")
    options = dict(session_col=col, window=window, tokens=tokens, geo_mean=geo_mean, mode=mode, order=order)
    in_schema = _arrow_schema_of(sessions.select(col))
    # the new columns' types, and the options checked, on the driver: scoring one made-up session
    probe = model._inner.score(_one_session(in_schema, col, model), **options)
    new_schema = _spark_types(pa.schema([f for f in probe.schema if f.name != col]))
    from pyspark.sql.types import StructType

    out = StructType([*sessions.schema.fields, *_spark_schema(new_schema).fields])
    blob = sessions.sparkSession.sparkContext.broadcast(model.to_bytes())
    token = uuid.uuid4().hex

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        native_model = _broadcast_model(token, blob)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            # only the sessions go to Rust; the other columns go back as Spark sent them
            scored = native_model.score(pa.Table.from_batches([batch.select([col])]), **options)
            added = _cast(scored.select(new_schema.names), new_schema)
            columns = [*batch.columns, *[c.combine_chunks() for c in added.columns]]
            yield pa.RecordBatch.from_arrays(columns, names=[*batch.schema.names, *new_schema.names])

    return sessions.mapInArrow(run, out)


def rarest(scored: Any, n: int = 50, score_col: str | None = None) -> Any:
    """The ``n`` rarest sessions of a scored Spark DataFrame, rarest first (in the
    score's direction; sessions without a score last), collected to the driver as a
    pandas frame, ready for :func:`anomseq.report` or the notebook."""
    from pyspark.sql import functions as F

    if score_col is None:
        scores = [c for c in scored.columns if c.endswith("_likelihood") or c.endswith("_score")]
        if not scores:
            raise AnomseqError(f"no score column (columns: {', '.join(scored.columns)}): give score_col")
        mode = [c for c in ("novelty_score", "profile_score") if c in scores]
        score_col = mode[0] if mode else scores[0]
    higher = score_col.startswith(("profile_", "novelty_"))
    order = F.col(score_col).desc_nulls_last() if higher else F.col(score_col).asc_nulls_last()
    # through Arrow: times keep their zone, events stay lists of dicts
    return scored.orderBy(order).limit(int(n)).toArrow().to_pandas()

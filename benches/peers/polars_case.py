"""polars' gap-rule sessions over a Parquet file of events, written to Parquet; prints
one JSON line. What a polars user writes today: sort by (user, host, time), a new
session after a gap over 2 minutes (`diff().over()`), session ids by `cum_sum`, then
`group_by`. The gap rule only; anomseq enforces the max-session rule as well.

    polars_case.py EVENTS.parquet OUT.parquet
"""
import json
import sys
import time

import polars as pl

src, dst = sys.argv[1], sys.argv[2]
keys = ["UserId", "Host"]
t = time.perf_counter()
events = pl.scan_parquet(src).select([*keys, "TimeGenerated", "Operation"]).sort([*keys, "TimeGenerated"])
new = (pl.col("TimeGenerated").diff().over(keys) > pl.duration(minutes=2)).fill_null(True)
sessions = (
    events.with_columns(new.cast(pl.UInt32).alias("new"))
    .with_columns(pl.col("new").cum_sum().over(keys).alias("sid"))
    .group_by([*keys, "sid"], maintain_order=True)
    .agg(
        pl.col("TimeGenerated").min().alias("TimeGenerated_min"),
        pl.col("TimeGenerated").max().alias("TimeGenerated_max"),
        pl.col("Operation").alias("Operation_list"),
        pl.len().alias("number_events"),
    )
)
sessions.sink_parquet(dst)
secs = time.perf_counter() - t
n = pl.scan_parquet(dst).select(pl.len()).collect().item()
print(json.dumps({"seconds": secs, "sessions": n, "threads": pl.thread_pool_size()}))

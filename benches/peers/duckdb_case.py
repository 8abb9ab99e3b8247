"""DuckDB's gap-rule sessions over a Parquet file of events, written to Parquet;
prints one JSON line. DuckDB applies the gap rule only (a new session after a
gap over 2 minutes); anomseq enforces the max-session rule as well.

    duckdb_case.py EVENTS.parquet OUT.parquet
"""
import json
import sys
import time

import duckdb

src, dst = sys.argv[1], sys.argv[2]
con = duckdb.connect()
query = f"""
COPY (
  WITH t AS (
    SELECT UserId, Host, TimeGenerated AS ts, Operation,
           LAG(TimeGenerated) OVER (PARTITION BY UserId, Host ORDER BY TimeGenerated) AS prev
    FROM read_parquet('{src}')
  ), s AS (
    SELECT *, SUM(CASE WHEN prev IS NULL OR ts - prev > INTERVAL 2 MINUTE THEN 1 ELSE 0 END)
              OVER (PARTITION BY UserId, Host ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid
    FROM t
  )
  SELECT UserId, Host, MIN(ts) AS TimeGenerated_min, MAX(ts) AS TimeGenerated_max,
         LIST(Operation ORDER BY ts) AS Operation_list, COUNT(*) AS number_events
  FROM s GROUP BY UserId, Host, sid
  ORDER BY UserId, Host, TimeGenerated_min
) TO '{dst}' (FORMAT PARQUET)
"""
t = time.perf_counter()
con.execute(query)
secs = time.perf_counter() - t
n = con.execute(f"SELECT COUNT(*) FROM read_parquet('{dst}')").fetchone()[0]
print(json.dumps({"seconds": secs, "sessions": n, "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}))

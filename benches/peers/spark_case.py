"""The Spark cases of the side-by-side suite, in one local[2] session; prints one
JSON line per case.

    spark_case.py EVENTS.parquet WORKDIR

- `window query`: what a Spark user writes today, sessionizing with `lag` and a
  running sum over a window by user (the gap rule only: Spark cannot write the
  maximum-session rule as a window function), writing the sessions as Parquet;
- `anomseq.spark sessionize`: both rules, writing the sessions as Parquet;
- `anomseq.spark pipeline`: sessionize (the sessions persisted, as docs/scale-out.md
  advises), train (the model collected to the driver), score, writing the scored
  sessions as Parquet.

Each case is timed from the query to the written files (the session's start and a
warm-up job are not timed). Three rounds, the cases' order reversed every other
round (this box is shared and noisy); every run is printed, the suite keeps the best.
"""
import json
import os
import shutil
import sys
import time


def main(events, work):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    from anomseq import spark as aspark

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(events)
    n = df.count()
    users = ["UserId", "Host"]

    def out(name):
        path = os.path.join(work, name)
        shutil.rmtree(path, ignore_errors=True)
        return path

    def window_query():
        w = Window.partitionBy(*users).orderBy("ts")
        e = df.withColumn("ts", F.to_timestamp("TimeGenerated"))
        e = e.withColumn("prev", F.lag("ts").over(w))
        gap = F.col("ts").cast("double") - F.col("prev").cast("double")
        e = e.withColumn("new", (F.col("prev").isNull() | (gap > 120)).cast("int"))
        e = e.withColumn("sid", F.sum("new").over(w))
        s = e.groupBy(*users, "sid").agg(
            F.min("ts").alias("TimeGenerated_min"),
            F.max("ts").alias("TimeGenerated_max"),
            F.collect_list("Operation").alias("Operation_list"),
            F.count("*").alias("number_events"),
        )
        s.write.parquet(out("window.parquet"))

    def sessionize():
        return aspark.sessionize(
            df, user_cols=users, time_col="TimeGenerated", event_col="Operation", max_session="20m", max_gap="2m"
        )

    def ours_sessionize():
        sessionize().write.parquet(out("anomseq-sessions.parquet"))

    def ours_pipeline():
        s = sessionize().persist()
        model = aspark.train(s)
        aspark.score(s, model).write.parquet(out("anomseq-scored.parquet"))
        s.unpersist(blocking=True)

    # warm-up: the JVM's and the Python workers' first jobs
    df.limit(1000).groupBy("UserId").count().collect()
    aspark.sessionize(df.limit(1000), user_cols=users, time_col="TimeGenerated", event_col="Operation").count()
    cases = [
        ("window query", window_query),
        ("anomseq.spark sessionize", ours_sessionize),
        ("anomseq.spark pipeline", ours_pipeline),
    ]
    for round in range(3):
        for case, run in cases if round % 2 == 0 else cases[::-1]:
            t = time.perf_counter()
            run()
            print(json.dumps({"case": case, "seconds": time.perf_counter() - t, "events": n, "round": round}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

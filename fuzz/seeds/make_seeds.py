"""Regenerate the small seed files under fuzz/seeds/<target>/ (needs pyarrow).

    python fuzz/seeds/make_seeds.py

The events are the first rows of fixtures/exchange/demo_exchange_data.csv renamed
to the columns the fuzz harness reads (user, time, op, params), so seeds reach the
sessionizer; one sessions file per format has the `op_list` column read_sessions
looks for. Every file is kept tiny (the whole folder stays well under 20 KB).
"""

import csv
import io
import json
import pathlib

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURE = ROOT / "fixtures" / "exchange" / "demo_exchange_data.csv"


def exchange_rows(n):
    with open(FIXTURE, newline="", encoding="utf-8") as f:
        rows = []
        for r in csv.DictReader(f):
            params = json.loads(r["Parameters"]) if r["Parameters"] else []
            # keep the params short: the first two {"Name","Value"} pairs, values cut
            params = [{"Name": p["Name"], "Value": str(p["Value"])[:24]} for p in params[:2]]
            rows.append(
                {
                    "user": r["UserId"] or None,
                    "time": r["TimeGenerated"],
                    "op": r["Operation"],
                    "params": json.dumps(params),
                    "obj": json.dumps({p["Name"]: p["Value"] for p in params}),
                }
            )
            if len(rows) == n:
                return rows
    return rows


def events_table(rows, params_key):
    users = [r["user"] or "u%d" % (i % 2) for i, r in enumerate(rows)]
    return pa.table(
        {
            "user": pa.array(users, pa.string()),
            "time": pa.array([r["time"] for r in rows], pa.string()),
            "op": pa.array([r["op"] for r in rows], pa.string()),
            "params": pa.array([r[params_key] for r in rows], pa.string()),
        }
    )


def sessions_table():
    ops = pa.list_(pa.string())
    return pa.table({"user": ["u0", "u1"], "op_list": pa.array([["A", "B", "A"], ["C"]], ops)})


def struct_sessions_table():
    params = pa.list_(pa.string())
    ev = pa.struct([("name", pa.string()), ("params", params)])
    col = pa.array([[{"name": "A", "params": ["Identity"]}, {"name": "B", "params": []}]], pa.list_(ev))
    return pa.table({"user": ["u0"], "op_list": col})


def write_csv(t, path):
    buf = io.BytesIO()
    pacsv.write_csv(t, buf)
    path.write_bytes(buf.getvalue())


def write_ndjson(t, path):
    # params as a real JSON object: the reader turns it back into its compact text
    rows = [dict(r, params=json.loads(r["params"])) for r in t.to_pylist()]
    lines = [json.dumps(r, separators=(",", ":")) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_ipc_file(t, path):
    with ipc.new_file(path, t.schema) as w:
        w.write_table(t)


def write_ipc_stream(t, path):
    with ipc.new_stream(path, t.schema) as w:
        w.write_table(t)


def main():
    rows = exchange_rows(4)
    nv = events_table(rows, "params")  # {"Name","Value"} list params
    obj = events_table(rows, "obj")  # JSON object params
    sess = sessions_table()
    st = struct_sessions_table()
    out = {name: HERE / name for name in ["read_csv", "read_ndjson", "read_parquet", "read_ipc", "params"]}
    for d in out.values():
        d.mkdir(exist_ok=True)
        for old in d.iterdir():
            old.unlink()

    write_csv(nv, out["read_csv"] / "events_name_value.csv")
    write_csv(obj, out["read_csv"] / "events_json_object.csv")
    (out["read_csv"] / "sessions.csv").write_text('user,op_list\nu0,"[""A"",""B""]"\n', encoding="utf-8")

    write_ndjson(obj, out["read_ndjson"] / "events_json_object.ndjson")
    (out["read_ndjson"] / "sessions.ndjson").write_text('{"user":"u0","op_list":["A","B","A"]}\n', encoding="utf-8")

    pq.write_table(obj, out["read_parquet"] / "events.parquet", compression="snappy")
    pq.write_table(sess, out["read_parquet"] / "sessions.parquet", compression="none")
    pq.write_table(st, out["read_parquet"] / "sessions_struct.parquet", compression="zstd")

    write_ipc_file(obj, out["read_ipc"] / "events.arrow")
    write_ipc_stream(nv, out["read_ipc"] / "events.arrows")
    write_ipc_stream(sess, out["read_ipc"] / "sessions.arrows")
    write_ipc_stream(st, out["read_ipc"] / "sessions_struct.arrows")

    (out["params"] / "name_value.txt").write_text(rows[0]["params"], encoding="utf-8")
    (out["params"] / "json_object.txt").write_text(rows[0]["obj"], encoding="utf-8")
    (out["params"] / "timestamp.txt").write_text("2020-04-18T04:50:30.123+02:00", encoding="utf-8")
    (out["params"] / "duration.txt").write_text("1h 30min", encoding="utf-8")

    total = sum(f.stat().st_size for d in out.values() for f in d.iterdir())
    print(f"wrote seeds: {total} bytes")


if __name__ == "__main__":
    main()

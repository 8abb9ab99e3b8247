"""msticpy's ``sessionize_data`` and ``create_session_col``, on anomseq's Rust
sessionizer: the same DataFrames, in the same order, many times faster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...._anomseq import AnomseqError
from ...._anomseq import session_rows as _session_rows
from ...._progress import Progress
from ...common.exceptions import MsticpyException

__all__ = ["create_session_col", "sessionize_data"]

# strings that Rust and pandas read alike: ISO dates, all in UTC or none with a zone
_ISO_UTC = r"^\d{4}-\d\d-\d\d.*(Z|[+-]00:?00)$"
_ISO = r"^\d{4}-\d\d-\d\d"
_ZONE = r"(Z|[+-]\d\d:?\d\d)$"


def _fast_times(col: pd.Series):
    """The time column as Rust can read it, and the time zone of pandas' reading of
    it (None: naive); None when only ``pd.to_datetime`` reads it as msticpy does."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col, getattr(col.dt, "tz", None)
    if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
        return None
    try:
        arr = pa.array(col, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or arr.null_count or not len(arr):
        return None
    iso = None
    if pc.all(pc.ends_with(arr, "Z")).as_py():
        # the common case, cheaply: a date first, "Z" last
        iso = pc.all(pc.match_substring_regex(arr, _ISO)).as_py()
        if iso:
            return arr, "UTC"
    if pc.all(pc.match_substring_regex(arr, _ISO_UTC)).as_py():
        return arr, "UTC"
    if iso is not False and pc.all(pc.match_substring_regex(arr, _ISO)).as_py() and not pc.any(pc.match_substring_regex(arr, _ZONE)).as_py():
        return arr, None
    return None


def _key_columns(data: pd.DataFrame, cols: list[str]) -> dict | None:
    """The key columns as Arrow arrays that Rust ranks as msticpy's sort does (text by
    code point, a missing text read as ``"dummy_str"`` as msticpy reads it; integers
    by value), or None when only pandas can rank them."""
    out = {}
    for i, name in enumerate(cols):
        try:
            arr = pa.array(data[name], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            if arr.null_count:
                arr = pc.fill_null(arr, "dummy_str")
        elif not pa.types.is_integer(arr.type) or arr.null_count:
            return None
        out[f"__k{i}"] = arr
    return out


def _sessions(
    data: pd.DataFrame,
    user_identifier_cols: list[str],
    time_col: str,
    max_session_time_mins: int,
    max_event_separation_mins: int,
) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """The sessions in msticpy's order (user keys, a missing one read as the text
    ``"dummy_str"`` as msticpy does, then start time) as rows of ``data``: the rows
    in session order, where each session starts in them, and each session's first
    and last time in the time zone of ``pd.to_datetime(data[time_col])``.

    The Rust sessionizer is given one integer per distinct user key, ranked as
    msticpy's sort ranks the keys (any column type), and the time column, so that
    keys and events can be taken from ``data`` as the very values and objects."""
    if not isinstance(data, pd.DataFrame):
        raise MsticpyException("`data` should be a pandas dataframe")
    for col in [*user_identifier_cols, time_col]:
        if col not in data.columns:
            raise MsticpyException(f'"{col}" should be a column in the `data`')

    def filled(col: pd.Series) -> pd.Series:
        # msticpy reads a missing key as the text "dummy_str"; a column without one stays as it is
        return col.astype(object).fillna("dummy_str") if col.isna().any() else col

    # the keys as they are when Rust ranks them as msticpy's sort does, else their rank by pandas
    key_cols = _key_columns(data, user_identifier_cols) if user_identifier_cols else None
    if key_cols is None:
        keys = pd.DataFrame({f"__k{i}": filled(data[c]) for i, c in enumerate(user_identifier_cols)})
        rank = (
            keys.groupby([*keys.columns], sort=True, dropna=False).ngroup().to_numpy(np.int64)
            if len(keys.columns)
            else np.zeros(len(data), dtype=np.int64)
        )
        key_cols = {"__k": pa.array(rank)}
    limits = dict(
        max_session=f"{int(max_session_time_mins * 60_000)}ms",
        max_gap=f"{int(max_event_separation_mins * 60_000)}ms",
    )

    def run(times):
        table = pa.table({**key_cols, "__time": times})
        return _session_rows(table, user_cols=list(key_cols), time_col="__time", **limits)

    with Progress("anomseq: sessionize_data", len(data), stages=2) as bar:
        fast = _fast_times(data[time_col])
        done = None
        if fast is not None:
            with bar.stage("sessionizing", len(data)):
                try:
                    done, zone = run(fast[0]), fast[1]
                except AnomseqError:
                    done = None  # text Rust does not read: as pandas reads it
        if done is None:
            with bar.stage("reading the times", 0):
                parsed = pd.to_datetime(data[time_col])
            try:
                with bar.stage("sessionizing", len(data)):
                    done, zone = run(pa.array(parsed, from_pandas=True)), getattr(parsed.dt, "tz", None)
            except AnomseqError as e:
                raise MsticpyException(str(e)) from e
        with bar.stage("making the frame", len(data)):
            rows_t, sessions_t = done
            rows = rows_t.column("row").to_numpy().astype(np.int64)
            first = sessions_t.column("first").to_numpy().astype(np.int64)

            def times(col: str) -> pd.Series:
                ns = sessions_t.column(col).combine_chunks().cast(pa.int64()).to_numpy().view("datetime64[ns]")
                if zone is None:
                    return pd.Series(ns)
                utc = pd.Series(ns, dtype=pd.DatetimeTZDtype(tz="UTC"))
                return utc if str(zone) == "UTC" else utc.dt.tz_convert(zone)

            return rows, first, times("start"), times("end")


def sessionize_data(
    data: pd.DataFrame,
    user_identifier_cols: list[str],
    time_col: str,
    max_session_time_mins: int,
    max_event_separation_mins: int,
    event_col: str,
) -> pd.DataFrame:
    """Sessionize the data (msticpy's ``sessionize_data``): one row per session with
    the ``user_identifier_cols``, ``<time_col>_min``, ``<time_col>_max``,
    ``<event_col>_list``, ``duration`` and ``number_events``. A session never spans
    two users, lasts at most ``max_session_time_mins`` and has no gap over
    ``max_event_separation_mins`` between events."""
    if event_col not in data.columns:
        raise MsticpyException(f'"{event_col}" should be a column in the `data`')
    rows, first, start, end = _sessions(
        data, user_identifier_cols, time_col, max_session_time_mins, max_event_separation_mins
    )
    result = pd.DataFrame(
        {col: data[col].iloc[rows[first]].reset_index(drop=True) for col in user_identifier_cols},
        index=pd.RangeIndex(len(first)),
    )
    result[f"{time_col}_min"] = start
    result[f"{time_col}_max"] = end
    events = data[event_col].to_numpy(dtype=object)[rows].tolist()
    ends = [*first[1:].tolist(), len(rows)]
    result[f"{event_col}_list"] = [events[a:b] for a, b in zip(first.tolist(), ends)]
    result["duration"] = result[f"{time_col}_max"] - result[f"{time_col}_min"]
    result["number_events"] = np.diff(np.append(first, len(rows))).astype(np.int64)
    return result


def create_session_col(
    data: pd.DataFrame,
    user_identifier_cols: list[str],
    time_col: str,
    max_session_time_mins: int,
    max_event_separation_mins: int,
) -> pd.DataFrame:
    """``data`` sorted by the user columns and time, with a ``session_ind`` column
    numbering its sessions (msticpy's ``create_session_col``)."""
    if len(data) == 0:
        df = data.copy()
        df["session_ind"] = None
        return df
    rows, first, _, _ = _sessions(data, user_identifier_cols, time_col, max_session_time_mins, max_event_separation_mins)
    session_of = np.empty(len(data), dtype=np.int64)
    session_of[rows] = np.repeat(np.arange(len(first)), np.diff(np.append(first, len(rows))))
    df = data.copy()
    keys = {f"__k{i}": df[c].where(df[c].notna(), "dummy_str") for i, c in enumerate(user_identifier_cols)}
    tmp = pd.DataFrame(keys, index=df.index)
    tmp["__t"] = pd.to_datetime(df[time_col])
    order = tmp.sort_values([*tmp.columns], kind="stable").index
    df["session_ind"] = session_of
    return df.loc[order].reset_index(drop=True)

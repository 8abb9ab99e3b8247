"""msticpy's ``sessionize_data`` and ``create_session_col``, on anomseq's Rust
sessionizer: the same DataFrames, in the same order, many times faster."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...._anomseq import AnomseqError
from ...._anomseq import session_rows as _session_rows
from ...._progress import Progress
from ...common.exceptions import MsticpyException

__all__ = ["create_session_col", "sessionize_data"]

# ISO timestamps that Rust reads as pandas 2 does: the shape of the first one (pandas
# infers one format from it: the same separator, a fraction of a second or none, the
# same zone), a year within nanosecond range, no leap second, and "Z", "+00:00" or
# no zone at all
_FIRST = re.compile(r"^\d{4}-\d\d-\d\d([T ])\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]00:?00)?$")
_DATE = r"^(1[7-9]\d\d|2[01]\d\d|22[0-5]\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d"


def _fast_times(col: pd.Series):
    """The time column as Rust can read it, and the dtype of pandas' reading of it
    (``pd.to_datetime``, as msticpy reads it); None when only pandas reads it so."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(col):
        return pa.array(col, from_pandas=True), col.dtype
    if int(pd.__version__.split(".")[0]) >= 3 or not (col.dtype == object or pd.api.types.is_string_dtype(col)):
        return None  # pandas 3 infers the resolution from the text
    try:
        arr = pa.array(col, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or arr.null_count or not len(arr):
        return None
    shape = _FIRST.match(arr[0].as_py())
    if shape is None:
        return None
    sep, frac, zone = shape.groups()
    pattern = (
        _DATE
        + re.escape(sep)
        + _CLOCK
        + (r"\.\d{1,9}" if frac else "")
        + (re.escape(zone) if zone else "")
        + "$"
    )
    if not pc.all(pc.match_substring_regex(arr, pattern)).as_py():
        return None
    return arr, (pd.DatetimeTZDtype(tz="UTC") if zone else np.dtype("datetime64[ns]"))


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


def _minutes(value: float) -> str:
    """Minutes as Rust's duration text, exactly as ``pd.to_timedelta(value, unit="min")``."""
    return f"{int(pd.to_timedelta(value, unit='min').value)}ns"


def _sessions(
    data: pd.DataFrame,
    user_identifier_cols: list[str],
    time_col: str,
    max_session_time_mins: float,
    max_event_separation_mins: float,
    what: str = "sessionize_data",
) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """The sessions in msticpy's order (user keys, a missing one read as the text
    ``"dummy_str"`` as msticpy does, then time) as rows of ``data``: the rows in
    session order, where each session starts in them, and each session's first and
    last time as ``pd.to_datetime(data[time_col])`` reads them.

    Rust is given the key columns (or, when it cannot rank them as pandas does, one
    integer per distinct key in pandas' order) and the times (as text when it reads
    them as pandas does, else as pandas read them); keys and events are then taken
    from ``data`` as the very values and objects."""
    if not isinstance(data, pd.DataFrame):
        raise MsticpyException("`data` should be a pandas dataframe")
    for col in [*user_identifier_cols, time_col]:
        if col not in data.columns:
            raise MsticpyException(f'"{col}" should be a column in the `data`')

    key_cols = _key_columns(data, user_identifier_cols) if user_identifier_cols else None
    if key_cols is None:
        keys = pd.DataFrame({f"__k{i}": _dummy_filled(data[c]) for i, c in enumerate(user_identifier_cols)})
        rank = (
            keys.groupby([*keys.columns], sort=True, dropna=False).ngroup().to_numpy(np.int64)
            if len(keys.columns)
            else np.zeros(len(data), dtype=np.int64)
        )
        key_cols = {"__k": pa.array(rank)}
    limits = dict(max_session=_minutes(max_session_time_mins), max_gap=_minutes(max_event_separation_mins))
    names = {"__time": time_col, **{f"__k{i}": c for i, c in enumerate(user_identifier_cols)}}

    def run(times):
        table = pa.table({**key_cols, "__time": times})
        try:
            return _session_rows(table, user_cols=list(key_cols), time_col="__time", **limits)
        except AnomseqError as e:
            # the message names the user's columns, not these
            text = str(e)
            for inner, outer in names.items():
                text = text.replace(f"`{inner}`", f"`{outer}`")
            raise AnomseqError(text) from None

    with Progress(f"anomseq: {what}", len(data), stages=2) as bar:
        fast = _fast_times(data[time_col])
        done = None
        if fast is not None:
            with bar.stage("sessionizing"):
                try:
                    done, dtype = run(fast[0]), fast[1]
                except AnomseqError:
                    done = None  # text Rust does not read: as pandas reads it
        if done is None:
            with bar.stage("reading the times"):
                parsed = pd.to_datetime(data[time_col])
            if parsed.dtype == object:
                raise MsticpyException(
                    f'"{time_col}" holds times in more than one time zone: read it with '
                    f"pd.to_datetime(..., utc=True) first"
                )
            try:
                with bar.stage("sessionizing"):
                    done, dtype = run(pa.array(parsed, from_pandas=True)), parsed.dtype
            except AnomseqError as e:
                raise MsticpyException(str(e)) from e
        bar.advance(len(data))
        with bar.stage("making the frame", len(data)):
            rows_t, sessions_t = done
            rows = rows_t.column("row").to_numpy().astype(np.int64)
            first = sessions_t.column("first").to_numpy().astype(np.int64)

            def times(col: str) -> pd.Series:
                ns = sessions_t.column(col).combine_chunks().cast(pa.int64()).to_numpy().view("datetime64[ns]")
                if not isinstance(dtype, pd.DatetimeTZDtype):
                    return pd.Series(ns).astype(dtype)
                utc = pd.Series(ns, dtype=pd.DatetimeTZDtype(tz="UTC"))
                return utc.astype(dtype)

            return rows, first, times("start"), times("end")


def _dummy_filled(col: pd.Series) -> pd.Series:
    """``col.fillna("dummy_str")`` as msticpy's pandas does it: a column with a
    missing value becomes object first (pandas 3 no longer does that itself)."""
    if col.dtype != object and col.isna().any():
        col = col.astype(object)
    return col.fillna("dummy_str")


def _keys_as_msticpy(col: pd.Series) -> pd.Series:
    """A key column as msticpy gives it back: a missing key, or the text
    ``"dummy_str"``, as NaN."""
    filled = _dummy_filled(col)
    return filled.replace("dummy_str", np.nan) if filled.dtype == object else filled


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
        {
            col: _keys_as_msticpy(data[col].iloc[rows[first]].reset_index(drop=True))
            for col in user_identifier_cols
        },
        index=pd.RangeIndex(len(first)),
    )
    result[f"{time_col}_min"] = start
    result[f"{time_col}_max"] = end
    events = data[event_col].to_numpy(dtype=object)[rows].tolist()
    ends = [*first[1:].tolist(), len(rows)]
    result[f"{event_col}_list"] = pd.Series([events[a:b] for a, b in zip(first.tolist(), ends)], dtype=object)
    result["duration"] = result[f"{time_col}_max"] - result[f"{time_col}_min"]
    # msticpy's .apply(len) gives int64, or object on an empty frame
    counts = np.diff(np.append(first, len(rows))).astype(np.int64)
    result["number_events"] = counts if len(counts) else pd.Series([], dtype=object)
    return result


def create_session_col(
    data: pd.DataFrame,
    user_identifier_cols: list[str],
    time_col: str,
    max_session_time_mins: int,
    max_event_separation_mins: int,
) -> pd.DataFrame:
    """``data`` sorted by the user columns and time (parsed by ``pd.to_datetime``),
    with a ``session_ind`` column numbering its sessions (msticpy's
    ``create_session_col``)."""
    df = data.copy()
    if time_col in df.columns and not isinstance(df[time_col].dtype, pd.DatetimeTZDtype):
        df[time_col] = pd.to_datetime(df[time_col])
    if len(df) == 0:
        df["session_ind"] = None
        return df
    rows, first, _, _ = _sessions(
        df, user_identifier_cols, time_col, max_session_time_mins, max_event_separation_mins, "create_session_col"
    )
    # Rust's row order is msticpy's stable sort by (user keys, time)
    out = df.iloc[rows].reset_index(drop=True)
    out["session_ind"] = np.repeat(np.arange(len(first)), np.diff(np.append(first, len(rows)))).astype(np.float64)
    for col in user_identifier_cols:
        out[col] = _keys_as_msticpy(out[col])
    return out

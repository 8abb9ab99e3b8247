"""anomseq: anomalous sessions in security logs.

The same answers as msticpy's ``anomalous_sequence``, bit for bit, many times
faster, on pandas, polars or pyarrow frames::

    import anomseq
    sessions = anomseq.sessionize(df, user_cols=["UserId", "ClientIP"],
                                  time_col="TimeGenerated", event_col="Operation")
    model = anomseq.train(sessions)
    scored = model.score(sessions, window=3)   # same kind of frame as `sessions`
    model.save("exchange.model")               # `anomseq score --model exchange.model`

Frames cross into Rust without a copy (the Arrow PyCapsule interface) and come
back as the kind that went in. Errors are :class:`AnomseqError` (a ``ValueError``)
with the command line's messages.
"""

from __future__ import annotations

from typing import Any, Sequence

from . import _anomseq
from ._anomseq import AnomseqError, __version__, load_model
from ._page import Page
from ._progress import Progress, rows_of, table_from_pandas

__all__ = ["AnomseqError", "Model", "Page", "Report", "__version__", "load_model", "merge", "report", "sessionize", "train"]


def _names(value: Any, what: str) -> list[str] | None:
    """A list of column or parameter names (a plain string is refused: it is not a list)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what} must be a list of names, got the string {value!r}: write [{value!r}]")
    return list(value)


def _count(value: int, what: str, least: int = 1) -> int:
    """A whole number of at least ``least``, as an AnomseqError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise AnomseqError(f"{what} must be a whole number of at least {least}, got {value!r}")
    return value


_OFF = Progress("", 0)  # no name: never shown


def _arrow(data: Any, progress: Progress | None = None, columns: Sequence[str] | None = None) -> tuple[Any, str]:
    """`data` as something with ``__arrow_c_stream__``, and the kind it was. A pandas
    frame is read without its index (as msticpy does) and, given ``columns``, only
    those columns are read (the others stay as they are in the frame)."""
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        if columns is not None:
            missing = [c for c in columns if c not in data.columns]
            if missing:
                raise AnomseqError(
                    f"no column `{missing[0]}`; the columns are: {', '.join(str(c) for c in data.columns)}"
                )
            data = data[list(dict.fromkeys(columns))]
        import pyarrow as pa

        try:
            return table_from_pandas(data, progress or _OFF), "pandas"
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
            raise AnomseqError(f"cannot read the frame: {e}") from None
    if module == "polars":
        return data, "polars"
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data, "arrow"
    raise TypeError(
        f"expected a pandas, polars or pyarrow frame (anything with __arrow_c_stream__), got {type(data).__name__}"
    )


def _session_column(columns: Sequence[Any], named: str | None) -> str:
    """The session column among ``columns``: as named, else found as the CLI finds it
    (the one column ending in ``_list``, else ``events``)."""
    if named is not None:
        return named
    return _anomseq.default_session_column([c for c in columns if isinstance(c, str)])


def _sessionize_options(
    user_cols: Any,
    time_col: str,
    event_col: str,
    params_col: str | None,
    params_format: str,
    param_cols: Any,
    values: bool,
    max_session: str,
    max_gap: str,
    epoch_unit: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """The Rust sessionizer's options (the name lists checked) and the columns it
    reads, each once: one place for :func:`sessionize` and ``anomseq.spark``."""
    user_cols = _names(user_cols, "user_cols")
    param_cols = _names(param_cols, "param_cols")
    needed = [*user_cols, time_col, event_col, *([params_col] if params_col else []), *(param_cols or [])]
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
    return options, list(dict.fromkeys(needed))


def _back(table: Any, kind: str) -> Any:
    """A ``pyarrow.Table`` from Rust as the kind of frame that went in."""
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return table


def sessionize(
    data: Any,
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
) -> Any:
    """Group events into sessions per user: a session never spans two users, is at
    most ``max_session`` long and has no gap over ``max_gap`` between events.

    ``params_col`` holds each event's parameters as JSON (``params_format``:
    ``"exchange"`` for ``[{"Name": .., "Value": ..}]`` lists, ``"object"`` for JSON
    objects); ``param_cols`` names columns whose values become the parameters;
    ``values`` keeps the values (else parameter names only); ``epoch_unit`` (``"s"``,
    ``"ms"``, ``"us"``, ``"ns"``) reads a numeric time column. One row per session:
    the user columns, ``{time_col}_min``, ``{time_col}_max``, ``{event_col}_list``,
    ``duration`` (seconds) and ``number_events``.
    """
    options, needed = _sessionize_options(
        user_cols, time_col, event_col, params_col, params_format, param_cols, values, max_session, max_gap, epoch_unit
    )
    rows = rows_of(data)
    with Progress("anomseq: sessionize", rows, stages=3) as bar:
        table, kind = _arrow(data, bar, needed)
        with bar.stage("sessionizing", rows):
            out = _anomseq.sessionize(table, **options)
        with bar.stage("making the frame", rows):
            return _back(out, kind)


class Model:
    """A trained model (see :func:`train`, :func:`load_model`, :func:`merge`)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def session_type(self) -> str:
        """``"commands"``, ``"params"`` or ``"values"``."""
        return self._inner.session_type

    @property
    def n_sessions(self) -> int:
        """Number of sessions trained on."""
        return self._inner.n_sessions

    @property
    def modes(self) -> list[str]:
        """The scoring modes the model can score with: ``["reference", "profile", "novelty", "ngram"]``
        (a model file of format 1 keeps the reference mode's counts only)."""
        return self._inner.modes

    def score(
        self,
        sessions: Any,
        *,
        session_col: str | None = None,
        window: int = 3,
        tokens: bool = True,
        geo_mean: bool = False,
        mode: str = "reference",
        all_scores: bool = False,
        order: int | None = None,
    ) -> Any:
        """Score each session by its rarest window of ``window`` events: the frame
        with ``rarest_window{k}_likelihood``, ``rarest_window{k}``,
        ``rarest_window{k}_factors`` (each step's probability; their product is the
        likelihood) and ``unseen`` added. ``mode="profile"`` adds the improved score
        (``profile_score``, higher is rarer), scored with the model's saved
        n-grams and count profiles; ``mode="novelty"`` adds ``novelty_score``, the
        profile score plus how new the parameters, categorical values and parameter
        sets are, with its parts; ``mode="ngram"`` adds ``ngram_score``, the mean
        surprise per event under a Kneser-Ney n-gram model of ``order`` (default: the
        order the model keeps), for long traces such as system calls (``Model.modes``
        lists what a model can score)."""
        window = _count(window, "window")
        if order is not None:
            order = _count(order, "order")
        rows = rows_of(sessions)
        if rows == 0:
            raise AnomseqError("no sessions to score: the frame has no rows")
        options = dict(window=window, tokens=tokens, geo_mean=geo_mean, mode=mode, all_scores=all_scores, order=order)
        with Progress("anomseq: score", rows, stages=3) as bar:
            if type(sessions).__module__.split(".")[0] == "pandas":
                # only the session column goes to Rust; the scores join the frame as it is
                col = _session_column(sessions.columns, session_col)
                table, _ = _arrow(sessions, bar, [col])
                with bar.stage("scoring", rows):
                    out = self._inner.score(table, session_col=col, **options)
                with bar.stage("making the frame", rows):
                    new = out.drop_columns([c for c in out.column_names if c in table.column_names]).to_pandas()
                    old = set(_anomseq.scored_column_names([c for c in sessions.columns if isinstance(c, str)]))
                    result = sessions.drop(columns=[c for c in sessions.columns if c in old])
                    for c in new.columns:
                        result[c] = new[c].to_numpy()
                    return result
            table, kind = _arrow(sessions, bar)
            with bar.stage("scoring", rows):
                out = self._inner.score(table, session_col=session_col, **options)
            with bar.stage("making the frame", rows):
                return _back(out, kind)

    def save(self, path: str) -> None:
        """Write the model file (the command line's: ``anomseq score --model PATH``),
        atomically; a symlink at ``path`` is replaced, never written through."""
        self._inner.save(str(path))

    def to_bytes(self) -> bytes:
        """The model file's bytes (what :meth:`save` writes)."""
        return self._inner.to_bytes()

    def __reduce__(self):
        # pickle, copy and multiprocessing carry the model file's bytes
        return (_model_from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return repr(self._inner)


def train(
    sessions: Any, *, session_col: str | None = None, modellable_params: Sequence[str] | None = None, order: int = 3
) -> Model:
    """Train on sessions (a frame with a session column, as :func:`sessionize` gives;
    by default the one column ending in ``_list``), keeping n-grams up to ``order``
    (1 to 8) for the improved modes: 7 suits ``mode="ngram"`` on long traces."""
    params = _names(modellable_params, "modellable_params")
    order = _count(order, "order")
    if rows_of(sessions) == 0:
        raise AnomseqError("no sessions to train on: the frame has no rows")
    pandas = type(sessions).__module__.split(".")[0] == "pandas"
    col = _session_column(sessions.columns, session_col) if pandas else session_col
    table, _ = _arrow(sessions, None, [col] if pandas else None)
    return Model(_anomseq.train(table, session_col=col, modellable_params=params, order=order))


def _model_from_bytes(data: bytes) -> Model:
    """A model from a model file's bytes (:meth:`Model.to_bytes`)."""
    return Model(_anomseq.model_from_bytes(data))


_load_model = load_model


def load_model(path: str) -> Model:  # noqa: F811 - the public wrapper
    """Load a model file (from :meth:`Model.save` or ``anomseq train``)."""
    return Model(_load_model(str(path)))


def merge(models: Sequence[Model]) -> Model:
    """The model of all the models' sessions (same session type and options)."""
    return Model(_anomseq.merge([m._inner for m in models]))


class Report(Page):
    """The report page of scored sessions (see :func:`report`): shown inline by
    Jupyter, written with :meth:`save`."""

    height = 900


def report(
    scored: Any,
    model: Model | None = None,
    *,
    session_col: str | None = None,
    time_col: str | None = None,
    key_cols: Sequence[str] | None = None,
    window: int | None = None,
    tokens: bool = True,
    geo_mean: bool = False,
    mode: str = "reference",
    top: int = 50,
    upper_bound: float | None = None,
    colour_by: str | None = None,
    max_points: int = 20_000,
    title: str | None = None,
) -> Report:
    """The report of ``anomseq run --report`` for a frame of sessions (scored by
    :meth:`Model.score` or not): the timeline of scores, the ``top`` rarest sessions
    with each step of their rarest window explained, and the parameters.

    The sessions are scored again by ``model`` (by default, one trained on them)
    with ``window`` (by default the window of the frame's ``rarest_window{k}``
    column, else 3), ``tokens``, ``geo_mean`` and ``mode``; a score column of that
    name already in the frame must hold the same scores, so the explanations are of
    the numbers shown (scores of other windows or modes are replaced).
    ``time_col`` defaults to the frame's ``*_min`` time column and ``key_cols`` to the
    columns before it; ``colour_by`` colours the points by a column;
    ``upper_bound`` keeps only the rarer scores; the rarest ``max_points`` sessions
    are drawn as points and the rest as a band.
    """
    top = _count(top, "top", 0)
    max_points = _count(max_points, "max_points")
    if window is not None:
        window = _count(window, "window")
    if rows_of(scored) == 0:
        raise AnomseqError("no sessions to report: the frame has no rows")
    table, _ = _arrow(scored)
    page = _anomseq.report(
        table,
        model=None if model is None else model._inner,
        session_col=session_col,
        time_col=time_col,
        key_cols=_names(key_cols, "key_cols"),
        window=window,
        tokens=tokens,
        geo_mean=geo_mean,
        mode=mode,
        top=top,
        upper_bound=upper_bound,
        colour_by=colour_by,
        max_points=max_points,
        title=title,
    )
    return Report(page)

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


def _arrow(data: Any, progress: Progress | None = None) -> tuple[Any, str]:
    """`data` as something with ``__arrow_c_stream__``, and the kind it was."""
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        # pandas' own export keeps its index as a column: leave it out, as msticpy does
        return table_from_pandas(data, progress or Progress("", 0)), "pandas"
    if module == "polars":
        return data, "polars"
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data, "arrow"
    raise TypeError(
        f"expected a pandas, polars or pyarrow frame (anything with __arrow_c_stream__), got {type(data).__name__}"
    )


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
) -> Any:
    """Group events into sessions per user: a session never spans two users, is at
    most ``max_session`` long and has no gap over ``max_gap`` between events.

    ``params_col`` holds each event's parameters as JSON (``params_format``:
    ``"exchange"`` for ``[{"Name": .., "Value": ..}]`` lists, ``"object"`` for JSON
    objects); ``param_cols`` names columns whose values become the parameters;
    ``values`` keeps the values (else parameter names only). One row per session:
    the user columns, ``{time_col}_min``, ``{time_col}_max``, ``{event_col}_list``,
    ``duration`` (seconds) and ``number_events``.
    """
    rows = rows_of(data)
    with Progress("anomseq: sessionize", rows, stages=3) as bar:
        table, kind = _arrow(data, bar)
        with bar.stage("sessionizing", rows):
            out = _anomseq.sessionize(
                table,
                user_cols=list(user_cols),
                time_col=time_col,
                event_col=event_col,
                params_col=params_col,
                params_format=params_format,
                param_cols=None if param_cols is None else list(param_cols),
                values=values,
                max_session=max_session,
                max_gap=max_gap,
            )
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
    ) -> Any:
        """Score each session by its rarest window of ``window`` events: the frame
        with ``rarest_window{k}_likelihood``, ``rarest_window{k}``,
        ``rarest_window{k}_factors`` (each step's probability; their product is the
        likelihood) and ``unseen`` added. ``mode="profile"`` adds the improved score
        (``profile_score``, higher is rarer)."""
        rows = rows_of(sessions)
        with Progress("anomseq: score", rows, stages=3) as bar:
            table, kind = _arrow(sessions, bar)
            with bar.stage("scoring", rows):
                out = self._inner.score(
                    table,
                    session_col=session_col,
                    window=window,
                    tokens=tokens,
                    geo_mean=geo_mean,
                    mode=mode,
                    all_scores=all_scores,
                )
            with bar.stage("making the frame", rows):
                return _back(out, kind)

    def save(self, path: str) -> None:
        """Write the model file (the command line's: ``anomseq score --model PATH``)."""
        self._inner.save(str(path))

    def __repr__(self) -> str:
        return repr(self._inner)


def train(sessions: Any, *, session_col: str | None = None, modellable_params: Sequence[str] | None = None) -> Model:
    """Train on sessions (a frame with a session column, as :func:`sessionize` gives;
    by default the one column ending in ``_list``)."""
    table, _ = _arrow(sessions)
    params = None if modellable_params is None else list(modellable_params)
    return Model(_anomseq.train(table, session_col=session_col, modellable_params=params))


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
    column, else 3), ``tokens``, ``geo_mean`` and ``mode``; scores already in the
    frame must be the same, so the explanations are of the numbers shown.
    ``time_col`` defaults to the frame's ``*_min`` time column and ``key_cols`` to the
    columns before it; ``colour_by`` colours the points by a column;
    ``upper_bound`` keeps only the rarer scores; the rarest ``max_points`` sessions
    are drawn as points and the rest as a band.
    """
    table, _ = _arrow(scored)
    page = _anomseq.report(
        table,
        model=None if model is None else model._inner,
        session_col=session_col,
        time_col=time_col,
        key_cols=None if key_cols is None else list(key_cols),
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

"""msticpy's ``score_sessions``, ``visualise_scored_sessions`` and
``score_and_visualise_sessions``, on anomseq: the same columns and numbers; the
timeline is anomseq's offline page, shown inline in Jupyter."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ...._anomseq import AnomseqError, score_session_lists, timeline_html
from ...._page import Page, Picture
from ...common.exceptions import MsticpyException
from .model import Model  # noqa: F401 - msticpy's module has it too

__all__ = ["Timeline", "score_and_visualise_sessions", "score_sessions", "visualise_scored_sessions"]


def score_sessions(data: pd.DataFrame, session_column: str, window_length: int) -> pd.DataFrame:
    """Train on the sessions of ``session_column`` and add each session's rarest
    window of ``window_length`` and its likelihood: ``rarest_window{k}`` and
    ``rarest_window{k}_likelihood`` (NaN and ``[]`` when no window fits)."""
    if not isinstance(data, pd.DataFrame):
        raise MsticpyException("`data` should be a pandas dataframe")
    if session_column not in data.columns:
        raise MsticpyException(f'"{session_column}" should be a column in the `data`')
    if isinstance(window_length, bool) or not isinstance(window_length, int) or window_length < 1:
        raise MsticpyException(f"`window_length` should be a whole number of at least 1, got {window_length!r}")
    sessions_df = data.copy()
    sessions = sessions_df[session_column].values.tolist()
    # msticpy's Model(sessions).train().compute_rarest_windows(...) in one call: the
    # same numbers and windows, without building the model's Python tables
    try:
        likelihoods, windows = score_session_lists(sessions, window_length)
    except AnomseqError as e:
        raise MsticpyException(str(e)) from e
    sessions_df[f"rarest_window{window_length}_likelihood"] = likelihoods
    sessions_df[f"rarest_window{window_length}"] = windows
    return sessions_df


class Timeline(Page):
    """The timeline of scored sessions: shown inline by Jupyter (the self-contained,
    CSP-protected page in a sandboxed iframe), saved with :meth:`save`, drawn as a
    static picture by :meth:`svg`."""

    def __init__(self, page: str, draw=None):
        super().__init__(page)
        self._draw = draw

    def svg(self, width: int = 960, height: int = 480) -> Picture:
        """The timeline as a static SVG picture (the rarest sessions as points)."""
        if self._draw is None:
            raise MsticpyException("this timeline was not made by visualise_scored_sessions")
        if int(width) < 1 or int(height) < 1 or int(width) > 20_000 or int(height) > 20_000:
            raise MsticpyException(f"the picture's size must be 1 to 20000 pixels a side, got {width} x {height}")
        return Picture(self._draw((int(width), int(height))))


def visualise_scored_sessions(
    data_with_scores: pd.DataFrame,
    time_column: str,
    score_column: str,
    window_column: str,
    score_upper_bound: float = None,
    source_columns: list = None,
) -> Timeline:
    """The scored sessions on an interactive timeline (time × score, log scale; a
    tooltip with the window and the ``source_columns``)."""
    for col in [time_column, score_column, window_column, *(source_columns or [])]:
        if col not in data_with_scores.columns:
            raise MsticpyException(f'"{col}" should be a column in the `data`')
    frame = pd.DataFrame(
        {
            time_column: pd.to_datetime(data_with_scores[time_column]),
            score_column: pd.to_numeric(data_with_scores[score_column]),
            window_column: data_with_scores[window_column].map(lambda w: [str(c) for c in w]),
        }
    )
    for col in source_columns or []:
        frame[col] = data_with_scores[col].map(lambda v: None if v is None else str(v))
    table = pa.Table.from_pandas(frame, preserve_index=False)

    def draw(svg_size=None):
        try:
            return timeline_html(
                table,
                time_column=time_column,
                score_column=score_column,
                window_column=window_column,
                score_upper_bound=score_upper_bound,
                source_columns=list(source_columns or []),
                svg_size=svg_size,
            )
        except AnomseqError as e:
            raise MsticpyException(str(e)) from e

    return Timeline(draw(), draw)


def score_and_visualise_sessions(
    data: pd.DataFrame,
    session_column: str,
    window_length: int,
    time_column: str,
    likelihood_upper_bound: float = None,
    source_columns: list = None,
) -> Timeline:
    """Score the sessions (:func:`score_sessions`) and draw them (:func:`visualise_scored_sessions`)."""
    scored = score_sessions(data=data, session_column=session_column, window_length=window_length)
    return visualise_scored_sessions(
        data_with_scores=scored,
        time_column=time_column,
        score_column=f"rarest_window{window_length}_likelihood",
        window_column=f"rarest_window{window_length}",
        score_upper_bound=likelihood_upper_bound,
        source_columns=source_columns,
    )

"""msticpy's ``score_sessions``, ``visualise_scored_sessions`` and
``score_and_visualise_sessions``, on anomseq: the same columns and numbers; the
timeline is anomseq's offline page, shown inline in Jupyter."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ...._anomseq import AnomseqError, timeline_html
from ...common.exceptions import MsticpyException
from .model import Model

__all__ = ["Timeline", "score_and_visualise_sessions", "score_sessions", "visualise_scored_sessions"]


def score_sessions(data: pd.DataFrame, session_column: str, window_length: int) -> pd.DataFrame:
    """Train on the sessions of ``session_column`` and add each session's rarest
    window of ``window_length`` and its likelihood: ``rarest_window{k}`` and
    ``rarest_window{k}_likelihood`` (NaN and ``[]`` when no window fits)."""
    if not isinstance(data, pd.DataFrame):
        raise MsticpyException("`data` should be a pandas dataframe")
    if session_column not in data.columns:
        raise MsticpyException(f'"{session_column}" should be a column in the `data`')
    sessions_df = data.copy()
    sessions = sessions_df[session_column].values.tolist()
    model = Model(sessions=sessions)
    model.train()
    model.compute_rarest_windows(window_len=window_length, use_geo_mean=False, use_start_end_tokens=True)
    sessions_df[f"rarest_window{window_length}_likelihood"] = model.rare_window_likelihoods[window_length]
    sessions_df[f"rarest_window{window_length}"] = model.rare_windows[window_length]
    return sessions_df


class Timeline:
    """The timeline of scored sessions: shown inline by Jupyter (the self-contained,
    CSP-protected page in a sandboxed iframe), and saved with :meth:`save`."""

    def __init__(self, page: str):
        self.html = page

    def save(self, path: str | Path) -> None:
        """Write the page: one HTML file that works offline."""
        Path(path).write_text(self.html, encoding="utf-8")

    def _repr_html_(self) -> str:
        # the page travels as an attribute value, escaped: no data string becomes markup here
        return (
            '<iframe sandbox="allow-scripts" style="width:100%;height:640px;border:0" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )


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
    try:
        page = timeline_html(
            pa.Table.from_pandas(frame, preserve_index=False),
            time_column=time_column,
            score_column=score_column,
            window_column=window_column,
            score_upper_bound=score_upper_bound,
            source_columns=list(source_columns or []),
        )
    except AnomseqError as e:
        raise MsticpyException(str(e)) from e
    return Timeline(page)


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

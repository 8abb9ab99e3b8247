"""Type hints of the extension module (see the wrappers in ``anomseq``)."""

from typing import Any

__version__: str

class AnomseqError(ValueError): ...

class Model:
    @property
    def session_type(self) -> str: ...
    @property
    def n_sessions(self) -> int: ...
    @property
    def modes(self) -> list[str]: ...
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
    ) -> Any: ...
    def save(self, path: str) -> None: ...
    def to_bytes(self) -> bytes: ...

def sessionize(
    data: Any,
    *,
    user_cols: list[str],
    time_col: str,
    event_col: str,
    params_col: str | None = None,
    params_format: str = "exchange",
    param_cols: list[str] | None = None,
    values: bool = False,
    max_session: str = "20m",
    max_gap: str = "2m",
    epoch_unit: str | None = None,
) -> Any: ...
def train(
    sessions: Any, *, session_col: str | None = None, modellable_params: list[str] | None = None, order: int = 3
) -> Model: ...
def load_model(path: str) -> Model: ...
def merge(models: list[Model]) -> Model: ...
def timeline_html(
    data: Any,
    *,
    time_column: str,
    score_column: str,
    window_column: str,
    score_upper_bound: float | None = None,
    source_columns: list[str] | None = None,
    title: str | None = None,
    svg_size: tuple[int, int] | None = None,
) -> str: ...
def report(
    data: Any,
    *,
    model: Model | None = None,
    session_col: str | None = None,
    time_col: str | None = None,
    key_cols: list[str] | None = None,
    window: int | None = None,
    tokens: bool = True,
    geo_mean: bool = False,
    mode: str = "reference",
    top: int = 50,
    upper_bound: float | None = None,
    colour_by: str | None = None,
    max_points: int = 20000,
    title: str | None = None,
) -> str: ...
def write_text(path: str, text: str) -> None: ...
def score_session_lists(sessions: list[list[Any]], window_len: int) -> tuple[list[float], list[list[Any]]]: ...

class SessionModel:
    def __init__(self, sessions: list[list[Any]], modellable_params: list[str] | None = None) -> None: ...
    def train(self) -> None: ...
    @property
    def is_trained(self) -> bool: ...
    def raw_counts_json(self) -> str: ...
    def smoothed_counts_json(self) -> str: ...
    def probs_json(self) -> str: ...
    def modellable_params(self) -> list[str]: ...
    def session_likelihoods(self, use_start_end_tokens: bool) -> list[float]: ...
    def geomean_likelihoods(self, likelihoods: list[float]) -> list[float]: ...
    def rarest_windows(
        self, window_len: int, use_start_end_tokens: bool, use_geo_mean: bool
    ) -> list[tuple[int | None, int, float]]: ...
    def setof_params_cond_cmd_json(self, use_geo_mean: bool) -> str: ...
def session_rows(
    data: Any, *, user_cols: list[str], time_col: str, max_session: str = "20m", max_gap: str = "2m"
) -> tuple[Any, Any]: ...
def model_from_bytes(data: bytes) -> Model: ...
def scored_column_names(names: list[str]) -> list[str]: ...
def default_session_column(names: list[str]) -> str: ...

"""Type hints of the extension module (see the wrappers in ``anomseq``)."""

from typing import Any

__version__: str

class AnomseqError(ValueError): ...

class Model:
    @property
    def session_type(self) -> str: ...
    @property
    def n_sessions(self) -> int: ...
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
    ) -> Any: ...
    def save(self, path: str) -> None: ...

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
) -> Any: ...
def train(sessions: Any, *, session_col: str | None = None, modellable_params: list[str] | None = None) -> Model: ...
def load_model(path: str) -> Model: ...
def merge(models: list[Model]) -> Model: ...

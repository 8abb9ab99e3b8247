"""A progress bar for calls on large frames: tqdm's (a widget in Jupyter) when tqdm
is installed, else one line on standard error; off when nobody is watching.

``ANOMSEQ_PROGRESS=1`` shows it always, ``ANOMSEQ_PROGRESS=0`` never; by default it
shows for frames of at least :data:`MIN_ROWS` rows in a notebook or a terminal.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator

__all__ = ["MIN_ROWS", "Progress", "enabled", "rows_of", "table_from_pandas"]

#: frames smaller than this take well under a second: no bar
MIN_ROWS = 200_000


def _interactive() -> bool:
    """In a Jupyter kernel, or writing to a terminal?"""
    if "ipykernel" in sys.modules:
        try:
            from IPython import get_ipython

            if get_ipython() is not None and type(get_ipython()).__name__ == "ZMQInteractiveShell":
                return True
        except ImportError:
            pass
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def enabled(rows: int) -> bool:
    """Show a bar for a call on ``rows`` rows?"""
    said = os.environ.get("ANOMSEQ_PROGRESS", "").strip().lower()
    if said in ("0", "false", "no", "off"):
        return False
    if said in ("1", "true", "yes", "on"):
        return True
    return rows >= MIN_ROWS and _interactive()


class Progress:
    """Rows done of one call (``what``), in stages: ``advance(n)`` moves the bar by
    ``n`` rows of the current stage; :meth:`stage` names the step under way."""

    def __init__(self, what: str, rows: int, stages: int = 1):
        self.on = bool(what) and enabled(rows)
        self.total = max(rows, 1) * stages
        self.what = what
        self.done = 0
        self.start = time.perf_counter()
        self._bar: Any = None
        self._stage = ""
        if not self.on:
            return
        try:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=what, unit="row", unit_scale=True, leave=False)
        except ImportError:
            self._bar = None

    def advance(self, n: int) -> None:
        if not self.on:
            return
        step = min(n, self.total - self.done)
        self.done += step
        if self._bar is not None:
            self._bar.update(step)
        else:
            self._line()

    @contextmanager
    def stage(self, name: str, rows: int = 0) -> Iterator[None]:
        """A named step; ``rows`` (if any) are counted done when it ends."""
        self._stage = name
        if self.on:
            if self._bar is not None:
                self._bar.set_postfix_str(name)
            else:
                self._line()
        yield
        self.advance(rows)

    def _line(self) -> None:
        width = 30
        filled = int(width * self.done / self.total)
        secs = time.perf_counter() - self.start
        line = (
            f"{self.what}: [{'#' * filled}{' ' * (width - filled)}] {100 * self.done // self.total:3d}% "
            f"{self._stage:<24} {secs:6.1f} s"
        )
        self._width = max(getattr(self, "_width", 0), len(line))
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def close(self) -> None:
        if not self.on:
            return
        if self._bar is not None:
            self._bar.close()
        else:
            sys.stderr.write("\r" + " " * getattr(self, "_width", 0) + "\r")
            sys.stderr.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rows_of(data: Any) -> int:
    """The number of rows of a frame, or 0 when it does not say."""
    for attr in ("num_rows", "height"):
        n = getattr(data, attr, None)
        if isinstance(n, int):
            return n
    try:
        return len(data)
    except TypeError:
        return 0


def table_from_pandas(df: Any, progress: Progress, chunk: int = 250_000) -> Any:
    """``pyarrow.Table.from_pandas(df, preserve_index=False)``, a chunk of rows at a
    time when a bar is shown, so that the bar moves."""
    import pyarrow as pa

    if not progress.on or len(df) <= chunk:
        with progress.stage("reading the frame", len(df)):
            return pa.Table.from_pandas(df, preserve_index=False)
    # one schema for every chunk, inferred from the whole frame
    schema = pa.Schema.from_pandas(df, preserve_index=False)
    parts = []
    with progress.stage("reading the frame"):
        for at in range(0, len(df), chunk):
            part = df.iloc[at : at + chunk]
            parts.append(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
            progress.advance(len(part))
    return pa.concat_tables(parts)

"""An HTML page of anomseq's (a timeline or a report) in a notebook: shown inline,
saved as one offline file."""

from __future__ import annotations

import html
from pathlib import Path

from ._anomseq import write_text

__all__ = ["Page", "Picture"]


class Picture:
    """A static SVG picture (of a timeline): shown by Jupyter, and on GitHub in a
    saved notebook; :meth:`save` writes the ``.svg`` file."""

    def __init__(self, svg: str):
        self.svg = svg

    def save(self, path: str | Path) -> None:
        """Write the picture to ``path`` atomically."""
        write_text(str(Path(path)), self.svg)

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<Picture: {len(self.svg):,} bytes of SVG; save(path) to write it>"


class Page:
    """A self-contained, CSP-protected HTML page: Jupyter shows it inline (in a
    sandboxed iframe) and :meth:`save` writes it as one file that works offline."""

    #: the iframe's height in the notebook, in CSS pixels
    height = 640

    def __init__(self, page: str):
        self.html = page

    def save(self, path: str | Path) -> None:
        """Write the page to ``path`` atomically (a planted symlink is replaced, never followed)."""
        write_text(str(Path(path)), self.html)

    def _repr_html_(self) -> str:
        # the page travels as an attribute value, escaped: no data string becomes markup here
        return (
            f'<iframe sandbox="allow-scripts" style="width:100%;height:{int(self.height)}px;border:0" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.html):,} bytes of HTML; save(path) to write it>"

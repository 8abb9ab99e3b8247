"""A drop-in for msticpy's ``anomalous_sequence``: replace the import prefix
``msticpy.`` with ``anomseq.msticpy.`` and keep the rest of the notebook.

The modules mirror msticpy 3.0.2's paths, names, signatures, defaults and return
types; the work is done by anomseq's Rust pipeline. msticpy is not a dependency.
"""

try:
    import pandas as _pandas  # noqa: F401 - msticpy's functions take and give pandas DataFrames
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "anomseq.msticpy works on pandas DataFrames, as msticpy does: install pandas "
        "(pip install 'anomseq[pandas]')"
    ) from _e

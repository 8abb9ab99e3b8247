"""msticpy's ``MsticpyException``, raised where msticpy raises it."""


class MsticpyException(Exception):
    """Default exception class for msticpy (here: for its ``anomalous_sequence`` API)."""

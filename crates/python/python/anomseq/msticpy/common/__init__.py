"""msticpy's ``common`` package, as far as ``anomalous_sequence`` uses it."""

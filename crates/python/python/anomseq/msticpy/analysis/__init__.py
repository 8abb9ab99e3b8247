"""msticpy's ``analysis`` package, as far as ``anomalous_sequence`` goes."""

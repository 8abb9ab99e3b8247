"""msticpy's ``anomalous_sequence.utils``: the data structures."""

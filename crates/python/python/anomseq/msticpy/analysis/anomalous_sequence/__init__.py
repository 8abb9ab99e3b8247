"""msticpy's ``anomalous_sequence``: ``sessionize``, ``model`` and ``anomalous``, on anomseq."""

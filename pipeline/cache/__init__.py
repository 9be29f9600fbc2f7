"""Caches across runs: the keys (``keys``) and the folder entries of whole batches and of a
run's aggregated tables (``store``). The per-article analysis cache is the analysis's own
(``pipeline.analyze.cache``)."""

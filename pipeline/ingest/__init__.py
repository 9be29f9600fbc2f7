"""Ingest: read the corpus (folder, JSON Lines or Parquet), plan batches, clean each text."""

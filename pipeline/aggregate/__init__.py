"""Aggregate: fold batch tables into scores, comparisons and validation tables."""

"""Lexicon tools: lint, suggest new entries, import and export dictionaries."""

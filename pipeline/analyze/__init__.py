"""Analyze: tokenize with fugashi, compile lexicons, match them, analyze whole articles."""

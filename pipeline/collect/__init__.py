"""Collect articles from outlets' feeds and pages into a corpus folder (``pipeline collect``)."""

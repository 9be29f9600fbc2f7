"""Orchestration: the Prefect flow, its task runners and the embedded server."""

"""Report: charts and the dashboard, drawn from a finished run folder."""

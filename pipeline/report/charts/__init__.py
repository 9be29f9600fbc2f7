"""The run's charts: a registry of chart functions, in modules by chart family.

``registry`` (which charts exist, their groups and the tables they read) and ``notes`` (what
``charts/charts.json`` says of each) import no plotting library, so the dashboard can use them;
``make.make_charts`` draws every registered chart. Modules: ``data`` (the tables a chart
reads), ``fonts`` (font metrics, labels, style), ``layout`` and ``panels`` (laying figures
out in inches), the families ``rates``, ``maps``, ``time``, ``terms``, and ``make`` (drawing
and saving).
"""

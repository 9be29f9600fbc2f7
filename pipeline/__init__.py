"""Stance, framing and sourcing comparison for Japanese-language news.

Data flow, one module a step: corpus → clean → tokens → lexicons/hits → scores → charts →
dashboard, wired into Prefect by ``flows``.
"""

__version__ = "0.1.0"

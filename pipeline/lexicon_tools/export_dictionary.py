"""Export lexicons as a quanteda dictionary (YAML: frame → category → terms).

quanteda has no field for labels, notes or weights; they are kept where quanteda ignores
them and ``lexicon import`` reads them back: a frame's label and description in comments
above its key, a term's note (and ``shared:`` frames) in a comment after it, and terms whose
weight is not 1 under ``weight=N`` keys of their category (to quanteda a sub-category).
"""

from __future__ import annotations

import json
import textwrap

import yaml

from pipeline.analyze.lexicons import Entry, Lexicon

HEADER = """\
# Framing lexicons as a quanteda dictionary (frame -> category -> terms), written by
# `python -m pipeline lexicon export`. Comments hold what quanteda has no field for: each
# frame's label and description above it, each term's note (and `shared:` frames) after it.
# Terms whose weight is not 1 sit under `weight=N` keys. `lexicon import` reads it all back.
"""


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where YAML reads it back unchanged, else quoted."""
    try:
        plain = yaml.safe_load(f"- {text}") == [text]
    except yaml.YAMLError:
        plain = False
    if plain and " #" not in text and text.strip() == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _weight(value: float) -> str:
    return f"weight={int(value) if float(value).is_integer() else value}"


def _term_line(entry: Entry, indent: str) -> str:
    comment = entry.note
    if entry.shared:
        comment = f"shared: {' '.join(entry.shared)}; {comment}"
    return f"{indent}- {scalar(entry.term)}" + (f"  # {comment}" if comment else "")


def _frame_lines(lex: Lexicon) -> list[str]:
    lines = [f"# label: {lex.label}"]
    if lex.description:
        wrapped = textwrap.wrap(f"description: {' '.join(lex.description.split())}", 92)
        lines.extend(f"# {line}" for line in wrapped)
    lines.append(f"{scalar(lex.frame)}:")
    categories: dict[str, list[Entry]] = {}
    for e in lex.entries:
        for category in e.all_categories:
            categories.setdefault(category, []).append(e)
    for category, entries in categories.items():
        lines.append(f"  {scalar(category)}:")
        weights = list(dict.fromkeys(e.weight for e in entries))
        if weights == [1.0]:
            lines.extend(_term_line(e, "    ") for e in entries)
            continue
        for weight in weights:
            lines.append(f"    {_weight(weight)}:")
            lines.extend(_term_line(e, "      ") for e in entries if e.weight == weight)
    return lines


def to_quanteda(lexicons: list[Lexicon]) -> str:
    """Lexicons as a quanteda dictionary, with labels, notes and weights kept."""
    blocks = ["\n".join(_frame_lines(lex)) for lex in lexicons]
    return HEADER + "\n" + "\n\n".join(blocks) + "\n"

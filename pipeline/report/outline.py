"""The dashboard's sections, in page order: the page's own ones and each family's.

A family declares its section (``aggregate.family.Section``: id, heading, the section it
follows), so a new family adds its section with its registration; the page's own sections
(comparison, charts, run metadata, ...) are listed here.
"""

from __future__ import annotations

from pipeline.aggregate.family import Section, families

# The page's own sections, in order: id (its partial is templates/sections/<id>.html.j2) → heading.
PAGE_SECTIONS = (
    ("changes", "What changed"),
    ("comparison", "Comparison"),
    ("differences", "Differences"),
    ("charts", "Charts"),
    ("validation", "Validation"),
    ("articles", "Articles"),
    ("passages", "Passages"),
    ("terms", "Terms"),
    ("lexicons", "Lexicons"),
    ("quarantine", "Quarantine"),
    ("run", "Run metadata"),
)


def family_sections() -> list[Section]:
    """The registered families' sections, in fold order."""
    return [family.section for family in families()]


def sections() -> list[tuple[str, str]]:
    """Every section as (id, heading), in page order: each family's follows the one it
    names (families that name the same one in fold order); raise ValueError for an unknown
    or a repeated id."""
    order = [section_id for section_id, _ in PAGE_SECTIONS]
    headings = dict(PAGE_SECTIONS)
    placed: dict[str, int] = {}
    for section in family_sections():
        if section.id in headings:
            raise ValueError(f"dashboard section {section.id!r} is declared twice")
        if section.after and section.after not in headings:
            raise ValueError(f"section {section.id!r} follows {section.after!r}, not on the page")
        at = order.index(section.after) + 1 if section.after else 0
        at += placed.get(section.after, 0)
        placed[section.after] = placed.get(section.after, 0) + 1
        order.insert(at, section.id)
        headings[section.id] = section.heading
    return [(section_id, headings[section_id]) for section_id in order]

"""The schema of every lexicon kind, as data: which keys a file may hold and of what type.

Read by ``lexicon_yaml.read`` (one reader for run and lint); documented in
lexicons/README.md. ``SCALAR`` values (weights, polarities) are bounded by their loaders,
which say what range they take.
"""

from __future__ import annotations

from pipeline.analyze.lexicon_yaml import LABEL, SCALAR, TEXT, Keys, ListOf, MapOf, OneOf

TEXTS = OneOf((TEXT, ListOf(TEXT)))
ALIAS_KINDS = ("names", "capitals", "leaders", "governments", "titles")
RELATION_KINDS = ("specific", "general", "mutual")

FRAME_ENTRY = Keys(
    {
        "term": TEXT,
        "category": TEXTS,
        "weight": SCALAR,
        "note": TEXT,
        "shared": TEXTS,
    }
)
FRAME = Keys(
    {
        "frame": TEXT,
        "label": LABEL,
        "description": TEXT,
        "entries": ListOf(FRAME_ENTRY, non_empty=True),
    },
    required=frozenset({"entries"}),
)

TARGET = Keys(
    {
        "id": TEXT,
        "label": LABEL,
        "note": TEXT,
        **{kind: ListOf(TEXT, non_empty=True) for kind in ALIAS_KINDS},
    },
    required=frozenset({"id"}),
)
COMPOUND = Keys(
    {"term": TEXT, "targets": ListOf(TEXT, non_empty=True), "note": TEXT},
    required=frozenset({"term", "targets"}),
)
RELATIONS = Keys(
    {
        "target": TEXT,
        "parties": ListOf(TEXT),
        **{kind: ListOf(TEXT, non_empty=True) for kind in RELATION_KINDS},
    },
    required=frozenset({"target", "parties"}),
)
COMMON_WORD = Keys(  # an alias that is also a common word, and the context it needs
    {
        "alias": TEXT,
        "needs": ListOf(TEXT, non_empty=True),
        "unless": ListOf(TEXT, non_empty=True),
        "note": TEXT,
    },
    required=frozenset({"alias"}),
)
TARGETS = Keys(
    {
        "targets": ListOf(TARGET, non_empty=True),
        "compounds": ListOf(COMPOUND),
        "relations": RELATIONS,
        "common_words": ListOf(COMMON_WORD),
    },
    required=frozenset({"targets"}),
)

EXAMPLE = Keys({"text": TEXT, "expect": MapOf(TEXT, non_empty=True)}, frozenset({"text", "expect"}))
EVALUATION = Keys(
    {
        "term": TEXT,
        "examples": ListOf(EXAMPLE, non_empty=True),
        "polarity": SCALAR,
        "strength": SCALAR,
        "category": TEXT,
        "about": TEXT,
        "note": TEXT,
    },
    required=frozenset({"term"}),
)
EVALUATIONS = Keys({"entries": ListOf(EVALUATION, non_empty=True)}, frozenset({"entries"}))

PERSPECTIVE = Keys({"note": TEXT, "expect": MapOf(TEXT, non_empty=True)}, frozenset({"expect"}))
EXPECTATIONS = Keys({"perspectives": MapOf(PERSPECTIVE)}, frozenset({"perspectives"}))


def _terms(value_key: str) -> ListOf:
    return ListOf(
        Keys({"term": TEXT, value_key: TEXT, "note": TEXT}, frozenset({"term", value_key}))
    )


ACTORS = Keys(
    {
        "groups": MapOf(LABEL, non_empty=True),
        "actors": _terms("group"),
        "countries": _terms("country"),
        "roles": _terms("role"),
        "combine": MapOf(MapOf(TEXT)),
        "anaphora": ListOf(TEXT),
    },
    required=frozenset({"groups"}),
)

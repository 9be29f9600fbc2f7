"""Load the stance lexicons (targets, evaluations, expected signs) and compile them.

Schema in lexicons/README.md ("Stance lexicons"). Terms are compiled exactly as frame entries
are (``lexicons.lemmas`` and ``lexicons.variants``: the same tokenizer, lemma sequences, the
same carrier sentences), so the matcher of hits.py finds them, longest first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.analyze.lexicons import Entry, Lexicon, LexiconError, lemmas, variants
from pipeline.analyze.tokens import FUNCTION_POS, tokenize
from pipeline.ingest.clean import normalize

STANCE_DIR = "stance"
FILES = ("targets.yaml", "evaluations.yaml", "expectations.yaml")
ALIAS_KINDS = ("names", "capitals", "leaders", "governments", "titles")
TARGET_KEYS = {"id", "label", "note", *ALIAS_KINDS}
EVAL_KEYS = {"term", "polarity", "strength", "category", "about", "note"}
ABOUT = ("holder", "agent", "patient", "harm", "relation")
RELATION_KINDS = ("specific", "general", "mutual")
SIGNS = {"positive": 1, "negative": -1}
_ID = re.compile(r"^[a-z0-9_]+$")
TARGET_FRAME = "stance_targets"
RELATION_FRAME = "stance_relations"
EVAL_FRAME = "stance_evaluations"


@dataclass(frozen=True, slots=True)
class Guard:
    """The context an alias that is also a common word needs (stance_names.py): lemmas of
    the next token that make it the target (``needs``) or something else (``unless``)."""

    needs: frozenset[str]
    unless: frozenset[str]


@dataclass(slots=True)
class StanceLexicon:
    """Targets, relationship nouns and evaluations, compiled; expected signs by perspective.

    In ``targets`` an entry's ``frame`` holds its target id(s) joined by ``+`` (a compound
    such as 日米 names two) and ``category`` the alias kind.
    """

    targets: Lexicon
    relations: Lexicon
    evaluations: Lexicon
    target_ids: list[str]
    labels: dict[str, str]
    relation_target: str
    parties: tuple[str, ...]
    polarity: dict[str, int]
    about: dict[str, str]
    expectations: dict[str, dict[str, int]]
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    guards: dict[str, Guard] = field(default_factory=dict)  # alias -> its context rule
    owners: dict[int, tuple[str, ...]] = field(default_factory=dict)  # id(alias) -> targets

    def __post_init__(self) -> None:
        self.owners = {id(e): tuple(e.frame.split("+")) for e in self.targets.entries}

    @property
    def sha256(self) -> str:
        """One hash over the stance files: part of every cache key that depends on them."""
        h = hashlib.sha256()
        for name, digest in sorted(self.files.items()):
            h.update(f"{name}\0{digest}\n".encode())
        return h.hexdigest()

    def lexicons(self) -> list[Lexicon]:
        """The three compiled lexicons, in the order the matcher numbers them."""
        return [self.targets, self.relations, self.evaluations]


def _read(path: Path) -> tuple[Any, yaml.Node | None, bytes]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader), raw
    except UnicodeDecodeError:
        raise LexiconError(path, None, "not UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LexiconError(
            path, mark.line + 1 if mark else None, f"cannot load YAML: {exc}"
        ) from None


def _node(root: yaml.Node | None, *path: str | int) -> yaml.Node | None:
    """The node at a path of keys and list positions, or None."""
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if step < len(node.value) else None
        else:
            return None
    return node


def _line(root: yaml.Node | None, *path: str | int) -> int:
    node = _node(root, *path)
    return node.start_mark.line + 1 if node is not None else 0


def compile_term(
    term: Any, frame: str, category: str, weight: float, note: str, path: Path, line: int
) -> Entry:
    """One term as an Entry: normalised, compiled to lemmas (and variants), checked."""
    text = normalize(str(term or "")).strip()
    if not text:
        raise LexiconError(path, line, "empty term")
    seq = lemmas(text)
    if not seq:
        raise LexiconError(path, line, f"{text}: compiles to no tokens")
    if all(t.pos in FUNCTION_POS for t in tokenize(text)):
        raise LexiconError(path, line, f"{text}: made only of function words")
    return Entry(frame, text, category, weight, note, seq, line, (), variants(text, seq))


def _targets(path: Path, errors: list[LexiconError] | None) -> tuple[Lexicon, Lexicon, dict]:
    data, root, raw = _read(path)
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise LexiconError(path, 1, "expected a mapping with a `targets` list")
    unknown = set(data) - {"targets", "compounds", "relations", "common_words"}
    if unknown:
        raise LexiconError(path, 1, f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    rel = data.get("relations") or {}
    if not isinstance(rel, dict) or set(rel) - {"target", "parties", *RELATION_KINDS}:
        raise LexiconError(
            path, _line(root, "relations"), f"relations: keys target, parties, {RELATION_KINDS}"
        )
    sha = hashlib.sha256(raw).hexdigest()
    lex = Lexicon(TARGET_FRAME, "stance targets", "", path, sha)
    labels: dict[str, str] = {}
    for i, item in enumerate(data["targets"]):
        line = _line(root, "targets", i)
        if not isinstance(item, dict) or not _ID.match(str(item.get("id") or "")):
            raise LexiconError(path, line, "a target needs an `id` of [a-z0-9_]")
        if set(item) - TARGET_KEYS:
            bad = ", ".join(sorted(map(str, set(item) - TARGET_KEYS)))
            raise LexiconError(path, line, f"unknown key(s): {bad}")
        tid = str(item["id"])
        if tid in labels:
            raise LexiconError(path, line, f"target {tid!r} defined twice")
        labels[tid] = str(item.get("label") or tid)
        for kind in ALIAS_KINDS:
            for k, alias in enumerate(item.get(kind) or []):
                where = _line(root, "targets", i, kind, k) or line
                _add(lex, errors, alias, tid, kind, path, where)
    for i, item in enumerate(data.get("compounds") or []):
        line = _line(root, "compounds", i)
        ids = item.get("targets") if isinstance(item, dict) else None
        if not isinstance(ids, list) or not ids or any(str(t) not in labels for t in ids):
            raise LexiconError(path, line, "a compound needs `term` and `targets` (known ids)")
        _add(lex, errors, item.get("term"), "+".join(map(str, ids)), "compound", path, line)
    relations = Lexicon(RELATION_FRAME, "relations", "", path, sha)
    target = str(rel.get("target") or "")
    parties = tuple(str(p) for p in rel.get("parties") or [])
    if rel and (target not in labels or len(parties) != 2 or set(parties) - set(labels)):
        raise LexiconError(
            path, _line(root, "relations"), "relations need a known `target` and two `parties`"
        )
    for kind in RELATION_KINDS:
        for k, term in enumerate(rel.get(kind) or []):
            where = _line(root, "relations", kind, k)
            _add(relations, errors, term, target, kind, path, where)
    guards = _guards(data.get("common_words"), lex, root, path)
    meta = {"labels": labels, "target": target, "parties": parties, "sha": sha, "guards": guards}
    return lex, relations, meta


def _guards(items: Any, lex: Lexicon, root: yaml.Node | None, path: Path) -> dict[str, Guard]:
    """``common_words``: a list of {alias, needs, unless}; the alias must be a target's."""
    aliases = {e.term for e in lex.entries}
    out: dict[str, Guard] = {}
    for i, item in enumerate(items or []):
        line = _line(root, "common_words", i)
        if not isinstance(item, dict) or set(item) - {"alias", "needs", "unless", "note"}:
            raise LexiconError(path, line, "a common word has keys alias, needs, unless, note")
        alias = normalize(str(item.get("alias") or "")).strip()
        if alias not in aliases:
            raise LexiconError(path, line, f"common word {alias!r} is no target alias")
        lists = [item.get(key) or [] for key in ("needs", "unless")]
        if not all(isinstance(x, list) for x in lists) or not any(lists):
            raise LexiconError(path, line, f"{alias}: `needs` or `unless` must be a list of words")
        needs, unless = (frozenset(w for x in xs for w in lemmas(str(x))[:1]) for xs in lists)
        out[alias] = Guard(needs, unless)
    return out


def _add(
    lex: Lexicon,
    errors: list[LexiconError] | None,
    term: Any,
    frame: str,
    category: str,
    path: Path,
    line: int,
) -> None:
    try:
        lex.entries.append(compile_term(term, frame, category, 1.0, category, path, line))
    except LexiconError as exc:
        if errors is None:
            raise
        errors.append(exc)


def _evaluations(path: Path, errors: list[LexiconError] | None) -> tuple[Lexicon, dict, dict]:
    data, root, raw = _read(path)
    items = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise LexiconError(path, 1, "`entries` must be a non-empty list")
    lex = Lexicon(EVAL_FRAME, "evaluations", "", path, hashlib.sha256(raw).hexdigest())
    polarity: dict[str, int] = {}
    about: dict[str, str] = {}
    for i, item in enumerate(items):
        line = _line(root, "entries", i)
        try:
            entry, pol, ab = _evaluation(item, path, line)
        except LexiconError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        if entry.term in polarity:
            err = LexiconError(path, line, f"{entry.term}: listed twice")
            if errors is None:
                raise err
            errors.append(err)
            continue
        lex.entries.append(entry)
        polarity[entry.term], about[entry.term] = pol, ab
    return lex, polarity, about


def _evaluation(item: Any, path: Path, line: int) -> tuple[Entry, int, str]:
    if not isinstance(item, dict):
        raise LexiconError(path, line, "an entry must be a mapping")
    unknown = set(item) - EVAL_KEYS
    if unknown:
        raise LexiconError(path, line, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    term = item.get("term")
    pol = item.get("polarity")
    if pol not in (1, -1) or isinstance(pol, bool):
        raise LexiconError(path, line, f"{term}: polarity must be 1 or -1, got {pol!r}")
    strength = item.get("strength", 1)
    if strength not in (1, 2, 3) or isinstance(strength, bool):
        raise LexiconError(path, line, f"{term}: strength must be 1, 2 or 3, got {strength!r}")
    about = str(item.get("about") or "holder")
    if about not in ABOUT:
        raise LexiconError(path, line, f"{term}: about must be one of {', '.join(ABOUT)}")
    for key in ("category", "note"):
        if not str(item.get(key) or "").strip():
            raise LexiconError(path, line, f"{term}: missing {key}")
    note = " ".join(str(item["note"]).split())
    category = str(item["category"]).strip()
    return compile_term(term, EVAL_FRAME, category, float(strength), note, path, line), pol, about


def _expectations(path: Path, targets: set[str]) -> tuple[dict[str, dict[str, int]], str]:
    data, root, raw = _read(path)
    persp = data.get("perspectives") if isinstance(data, dict) else None
    if not isinstance(persp, dict):
        raise LexiconError(path, 1, "expected a mapping with `perspectives`")
    out: dict[str, dict[str, int]] = {}
    for name, spec in persp.items():
        line = _line(root, "perspectives", str(name))
        expect = spec.get("expect") if isinstance(spec, dict) else None
        if not isinstance(expect, dict):
            raise LexiconError(path, line, f"{name}: needs an `expect` mapping")
        signs = {}
        for target, sign in expect.items():
            if str(target) not in targets or sign not in SIGNS:
                raise LexiconError(
                    path, line, f"{name}: {target}: a known target and positive or negative"
                )
            signs[str(target)] = SIGNS[sign]
        out[str(name)] = signs
    return out, hashlib.sha256(raw).hexdigest()


def load_stance(directory: Path, errors: list[LexiconError] | None = None) -> StanceLexicon | None:
    """The stance lexicons in ``directory`` (a lexicon folder's ``stance/``), or None when the
    folder has none. Raise LexiconError on the first problem, or collect problems with single
    entries in ``errors`` (what ``lexicon lint`` reports)."""
    directory = Path(directory)
    if not (directory / "targets.yaml").is_file():
        return None
    for name in FILES[1:]:
        if not (directory / name).is_file():
            raise LexiconError(directory / name, None, "missing (stance needs all three files)")
    targets, relations, meta = _targets(directory / "targets.yaml", errors)
    evaluations, polarity, about = _evaluations(directory / "evaluations.yaml", errors)
    expectations, exp_sha = _expectations(directory / "expectations.yaml", set(meta["labels"]))
    parties = meta["parties"]
    return StanceLexicon(
        targets=targets,
        relations=relations,
        evaluations=evaluations,
        target_ids=list(meta["labels"]),
        labels=meta["labels"],
        relation_target=meta["target"],
        parties=parties,
        polarity=polarity,
        about=about,
        expectations=expectations,
        guards=meta["guards"],
        files={
            "targets.yaml": meta["sha"],
            "evaluations.yaml": evaluations.sha256,
            "expectations.yaml": exp_sha,
        },
    )

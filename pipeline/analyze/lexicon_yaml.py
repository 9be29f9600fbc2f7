"""Read a lexicon file strictly: one YAML reader for every lexicon kind (frames, stance
targets, evaluations and expectations, actors).

Each file is parsed once (libyaml's composer when available, so nodes keep their lines
cheaply) and checked against its kind's schema, declared as data (``Keys``, ``MapOf``,
``ListOf``, ``OneOf`` and the scalar kinds). Duplicate keys, unknown keys (with the nearest
known one suggested), wrong types (a list or a number where text is expected: ``017`` is not
15), empty lists where one is required and unknown tags are problems with file and line.
YAML anchors and aliases are refused before anything is expanded (an alias bomb is a
one-line error), and messages show at most a short prefix of a value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 16 * 1024 * 1024
SHOW = 40
MAX_TERM_CHARS = 200  # a term longer than this is no word, and the tokenizer never sees it
TEXT, NUMBER, LABEL, SCALAR = "text", "number", "label", "scalar"
Spec = Any  # a scalar kind (str) or one of the dataclasses below
PathKey = tuple[str | int, ...]
ANY = -1  # in a unit path of ``Doc.settle``: any position in a list


class LexiconError(ValueError):
    """A lexicon that cannot be used; the message names the file and line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Keys:
    """A mapping with known keys (``required`` among them); any other key is an error."""

    keys: dict[str, Spec]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MapOf:
    """A mapping with free text keys, every value of one spec."""

    value: Spec
    non_empty: bool = False


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Spec
    non_empty: bool = False


@dataclass(frozen=True, slots=True)
class OneOf:
    options: tuple[Spec, ...]


LABEL_SPEC = OneOf((TEXT, Keys({"ja": TEXT, "en": TEXT}, frozenset({"ja", "en"}))))


@dataclass(frozen=True, slots=True)
class Problem:
    at: PathKey
    line: int
    message: str


@dataclass(slots=True)
class Doc:
    """A checked lexicon file: its data (plain dicts, lists, strings, numbers), the line of
    every value by its path of keys and positions, and the problems found."""

    path: Path
    raw: bytes
    data: Any = None
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, *at: str | int) -> int:
        """The line of the value at ``at`` (0 when there is none)."""
        return self.lines.get(tuple(at), 0)

    def bad(self, *prefix: str | int) -> bool:
        """Whether a problem lies at or under ``prefix``."""
        n = len(prefix)
        return any(p.at[:n] == prefix for p in self.problems)

    def error(self, problem: Problem) -> LexiconError:
        return LexiconError(self.path, problem.line or None, problem.message)

    def settle(self, errors: list[LexiconError] | None, units: Iterable[PathKey] = ()) -> None:
        """Raise the first problem (by line); or, with ``errors``, collect the problems when
        each lies inside one of ``units`` (a path where ``ANY`` stands for any position: one
        entry, left out by the loader), else raise the first as a run would."""
        problems = sorted(self.problems, key=lambda p: p.line)
        units = list(units)
        if errors is None:
            if problems:
                raise self.error(problems[0])
            return
        local = [p for p in problems if any(_inside(p.at, u) for u in units)]
        if len(local) < len(problems):
            raise self.error(problems[0])  # what a run says first
        errors.extend(self.error(p) for p in local)


def _inside(at: PathKey, unit: PathKey) -> bool:
    if len(at) < len(unit):
        return False
    return all(a == u or (u == ANY and isinstance(a, int)) for a, u in zip(at, unit, strict=False))


def show(value: object) -> str:
    """A value for a message: its ``repr`` cut to a few dozen characters."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= SHOW else text[: SHOW - 1] + "…"


def check_length(term: str, path: Path, line: int | None) -> None:
    """Refuse a term too long to be one (before it reaches the tokenizer or a message)."""
    if len(term) > MAX_TERM_CHARS:
        message = f"{show(term)}: a term is at most {MAX_TERM_CHARS} characters, not {len(term):,}"
        raise LexiconError(path, line or None, message)


def read_text(path: Path) -> tuple[str, bytes]:
    """The file's text (UTF-8, a BOM allowed) and bytes; LexiconError when unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LexiconError(
                path, None, f"{size:,} bytes: a lexicon is at most {MAX_FILE_BYTES:,}"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise LexiconError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig"), raw
    except UnicodeDecodeError:
        raise LexiconError(path, None, "not UTF-8") from None


def compose(text: str, path: Path) -> yaml.Node | None:
    """The YAML node tree of ``text`` (aliases not expanded); LexiconError when malformed."""
    try:
        return yaml.compose(text, Loader=Loader)
    except RecursionError:
        raise LexiconError(path, None, "malformed YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        if "nesting depth" in problem:
            problem = "nested too deeply"
        line = mark.line + 1 if mark else None
        raise LexiconError(path, line, f"malformed YAML: {show(problem)}") from None


def read(path: Path, schema: Spec) -> Doc:
    """Parse ``path`` once and check it against ``schema``; malformed YAML, an alias or a
    file that cannot be read raise LexiconError, the rest is in ``Doc.problems``."""
    path = Path(path)
    text, raw = read_text(path)
    doc = Doc(path, raw)
    root = compose(text, path)
    if root is None:
        doc.problems.append(Problem((), 1, "empty file"))
        return doc
    no_aliases(root, path)
    doc.data = _Checker(doc).value(root, schema, ())
    return doc


def no_aliases(root: yaml.Node, path: Path) -> None:
    """Refuse a node reached twice (what an alias is, once composed), before any value is
    built from the tree: an alias bomb is a small graph that only expands when walked."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            raise LexiconError(
                path,
                node.start_mark.line + 1,
                "YAML anchors and aliases (&name, *name) are not accepted in a lexicon",
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                todo.extend((key, value))


_SCALAR = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_KINDS = {"int": "a number", "float": "a number", "bool": "true/false", "null": "nothing"}


def _name(at: PathKey) -> str:
    """How a message names the value at ``at``: its key, then its positions in lists."""
    last = max((i for i, a in enumerate(at) if isinstance(a, str)), default=-1)
    base = f"`{at[last]}`" if last >= 0 else "the file"
    return base + "".join(f" item {int(p) + 1}" for p in at[last + 1 :])


def _expected(spec: Spec) -> str:
    if spec == TEXT:
        return "text"
    if spec == NUMBER:
        return "a number"
    if isinstance(spec, Keys | MapOf):
        return "a mapping"
    if isinstance(spec, ListOf):
        return f"a list of {_expected(spec.item).removeprefix('a ')}s"
    if spec == SCALAR:
        return "a number or text"
    if spec is LABEL_SPEC or spec == LABEL:
        return "text or a mapping with `ja` and `en`"
    return " or ".join(_expected(o) for o in spec.options)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    short = node.tag.removeprefix(_TAG)
    if short in ("int", "float"):
        return f"the number {show(node.value)} (quote it for text: '{show(node.value)}')"
    return _KINDS.get(short, f"a {short} ({show(node.value)})")


def _matches(node: yaml.Node, spec: Spec) -> bool:
    """Whether ``node`` has the shape of ``spec`` at its top (what picks a OneOf option)."""
    if isinstance(spec, Keys | MapOf):
        return isinstance(node, yaml.MappingNode)
    if isinstance(spec, ListOf):
        return isinstance(node, yaml.SequenceNode)
    if isinstance(spec, OneOf):
        return any(_matches(node, o) for o in spec.options)
    if not isinstance(node, yaml.ScalarNode):
        return False
    short = node.tag.removeprefix(_TAG)
    if spec == SCALAR:
        return True
    return short == "str" if spec == TEXT else short in ("int", "float")


class _Checker:
    """Builds plain values from the node tree by the schema, recording lines and problems."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc

    def problem(self, at: PathKey, node: yaml.Node, message: str) -> None:
        self.doc.problems.append(Problem(at, node.start_mark.line + 1, message))

    def value(self, node: yaml.Node, spec: Spec, at: PathKey) -> Any:
        self.doc.lines[at] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode) and node.tag.removeprefix(_TAG) == "null":
            return None
        if not node.tag.startswith(_TAG) or node.tag.removeprefix(_TAG) not in (
            "str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary",
        ):  # fmt: skip
            tag = node.tag.replace(_TAG, "!!", 1)
            self.problem(at, node, f"{_name(at)}: unknown tag {show(tag)}")
            return None
        if spec == LABEL:
            spec = LABEL_SPEC
        if isinstance(spec, OneOf):
            chosen = next((o for o in spec.options if _matches(node, o)), None)
            if chosen is None:
                self.problem(at, node, f"{_name(at)} must be {_expected(spec)}, got {_kind(node)}")
                return None
            before = len(self.doc.problems)
            out = self.value(node, chosen, at)
            if len(self.doc.problems) > before:  # one line for the value, not for its parts
                del self.doc.problems[before:]
                self.problem(at, node, f"{_name(at)} must be {_expected(spec)}, got {_kind(node)}")
            return out
        if not _matches(node, spec):
            self.problem(at, node, f"{_name(at)} must be {_expected(spec)}, got {_kind(node)}")
            return None
        if isinstance(spec, ListOf) and isinstance(node, yaml.SequenceNode):
            return self.sequence(node, spec, at)
        if isinstance(spec, Keys | MapOf) and isinstance(node, yaml.MappingNode):
            return self.mapping(node, spec, at)
        if spec == TEXT:
            return str(node.value)
        if spec == SCALAR and node.tag.removeprefix(_TAG) not in ("int", "float", "bool"):
            return str(node.value)
        return _SCALAR.construct_object(node)  # the loaders bound numbers and say why

    def sequence(self, node: yaml.SequenceNode, spec: ListOf, at: PathKey) -> list[Any]:
        if spec.non_empty and not node.value:
            self.problem(at, node, f"{_name(at)} must not be empty")
        out: list[Any] = []
        for i, item in enumerate(node.value):
            if isinstance(item, yaml.ScalarNode) and item.tag == _TAG + "null":
                self.problem((*at, i), item, f"{_name((*at, i))} is empty")
                self.doc.lines[(*at, i)] = item.start_mark.line + 1
                out.append(None)
                continue
            out.append(self.value(item, spec.item, (*at, i)))
        return out

    def mapping(self, node: yaml.MappingNode, spec: Keys | MapOf, at: PathKey) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(
                    at, key_node, f"{_name(at)}: a key must be text, got {_kind(key_node)}"
                )
                continue
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first:
                self.problem(
                    (*at, key),
                    key_node,
                    f"duplicate key {show(key)!r} (first on line {first[key]})",
                )
                continue
            first[key] = line
            if isinstance(spec, Keys):
                if key not in spec.keys:
                    self.problem((*at, key), key_node, _unknown(key, spec.keys, at))
                    continue
                item_spec = spec.keys[key]
            else:
                item_spec = spec.value
            out[key] = self.value(value_node, item_spec, (*at, key))
        if isinstance(spec, Keys):
            for key in sorted(spec.required):
                if out.get(key) is None and key in spec.keys and not self.doc.bad(*at, key):
                    where = f"{_name(at)}: " if at else ""
                    self.problem((*at, key), node, f"{where}`{key}` is required")
        elif spec.non_empty and not node.value:
            self.problem(at, node, f"{_name(at)} must not be empty")
        return out


def _unknown(key: str, known: dict[str, Spec], at: PathKey) -> str:
    near = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(sorted(known))})"
    where = f"{_name(at)}: " if at else ""
    return f"{where}unknown key {show(key)!r}{hint}"


def label_text(value: Any, default: str) -> str:
    """A display label from a checked ``label`` value: text, or ``ja (en)`` from a mapping."""
    if isinstance(value, dict):
        return f"{value['ja']} ({value['en']})"
    return str(value) if value else default

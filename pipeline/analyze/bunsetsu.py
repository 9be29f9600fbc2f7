"""A light phrase-dependency parse of one sentence from UniDic's coarse parts of speech.

Japanese is head-final: every bunsetsu (a content word with the particles and auxiliaries
after it) depends on a later one. The parse finds, in two linear passes over a span of
token columns, the bunsetsu and the one each depends on:

- a bunsetsu ending in の or な, or a predicate in its attributive form before a noun
  (``adnominal``), modifies the nearest later bunsetsu that starts with a noun; one ending in
  による, に対する, という (``linked``) the noun a relative clause right after it modifies, else
  the nearest such bunsetsu that does not end in の;
- a case-marked argument (が, を, に, で, から, と ...; ``case``) or an adverb depends on the
  nearest later predicate (a verb, an adjective, a noun with the copula, a sentence end);
- a topic (は, も; ``topic``) on the nearest later predicate that closes a clause (not a
  relative clause's verb); before a quotation it belongs to the reporting verb, unless
  another topic or subject stands between the quotation and that verb;
- a quotation (と + a verb of saying, との + 立場/見方 ...; ``quote``) on its reporting verb;
- a predicate that continues (し、, ので, が after a predicate; ``clause``) on the next
  predicate that closes a clause.

What the stance rules ask of it: which phrase an evaluation modifies or is predicated of, the
arguments of the same predicate, and the span a reporting verb owns. It is no general parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, compress, count, repeat
from operator import or_, sub

from pipeline.analyze.tokens import TokenColumns

CONTENT_POS = frozenset(
    {"名詞", "代名詞", "動詞", "形容詞", "形状詞", "副詞", "連体詞", "接続詞", "感動詞", "接頭辞"}
)
NOMINAL_POS = frozenset({"名詞", "代名詞", "接頭辞", "形状詞"})
PREDICATE_POS = frozenset({"動詞", "形容詞"})
OPENERS = frozenset("「『（(“")
CLOSERS = frozenset("」』）)”")
# Verbs that follow て inside one bunsetsu (している, してきた, してしまう).
AUXILIARY_VERBS = frozenset(
    {"居る", "有る", "仕舞う", "行く", "来る", "見る", "置く", "呉れる", "貰う", "上げる", "頂く"}
)
# Verbs that make a compound particle with the particle before them (に対する, による, にとって,
# に関する, という): part of that bunsetsu, no predicate of their own.
FUNCTIONAL = frozenset(
    {"対する", "因る", "関する", "取る", "於く", "基づく", "伴う", "向ける", "つく", "言う", "為る"}
)
CASE = frozenset({"が", "を", "に", "へ", "で", "から", "より", "まで", "と", "や"})
TOPIC = frozenset({"は", "も"})
# Last kana of a predicate in its attributive form before a noun (脅かす行為, 招く結果, 高い壁),
# as against a continuative one that ends a clause (脅かし, 招き).
ATTRIBUTIVE_ENDS = frozenset("るただいうぬくぐすつぶむ")
CONJUNCTIVE = frozenset(
    {
        "て",
        "ので",
        "のに",
        "けれど",
        "けれども",
        "けど",
        "ながら",
        "つつ",
        "ものの",
        "ば",
        "し",
        "が",
    }
)
# Verbs of saying, reporting and judging whose と-complement is someone else's words.
REPORTING = frozenset(
    {
        "述べる", "語る", "話す", "強調", "主張", "指摘", "表明", "発表", "説明", "訴える",
        "報ずる", "報じる", "伝える", "明かす", "書く", "宣言", "声明", "答える", "断言", "明言",
        "力説", "分析", "呼ぶ", "見なす", "批判", "非難", "反発", "警告", "言う", "為る",
        "付け加える", "記す", "示唆", "確認", "評価", "称する", "思う", "考える",
        "見る", "予想", "推測", "発言", "批評", "論評", "報道", "糾弾", "規定", "断定",
        "位置付ける", "抗議", "要求", "求める", "呼び掛ける", "指弾", "自称", "見做す",
    }
)  # fmt: skip
# Nouns that name what a と-complement is (との立場を示した, という見方, との声明).
CONTENT_NOUNS = frozenset(
    {
        "立場", "見方", "認識", "考え", "見解", "方針", "姿勢", "声明", "談話", "主張", "懸念",
        "批判", "分析", "指摘", "報道", "観測", "見通し", "推測", "憶測", "疑惑", "情報", "噂",
        "見", "意向", "意見", "観点", "非難", "警告", "発言", "論評", "評価", "判断", "結論",
        "説", "論", "批評", "訴え", "メッセージ", "報告", "確信", "決意", "期待", "信念", "反論",
        "説明", "回答",
    }
)  # fmt: skip


@dataclass(slots=True)
class Parse:
    """Bunsetsu of tokens ``lo:hi`` (``starts``/``ends`` token indexes), the index of the
    bunsetsu each depends on (-1: the last), its kind, and each token's bunsetsu."""

    lo: int
    starts: list[int]
    ends: list[int]
    heads: list[int]
    kinds: list[str]
    predicate: list[bool]
    of_token: list[int]

    def at(self, token: int) -> int:
        """The bunsetsu of a token (clamped to the parsed span)."""
        i = token - self.lo
        of = self.of_token
        return of[i] if 0 <= i < len(of) else of[0 if i < 0 else -1]

    def chain(self, k: int) -> list[int]:
        """Bunsetsu ``k`` and every one it depends on, up to the last."""
        out = [k]
        while self.heads[out[-1]] >= 0:
            out.append(self.heads[out[-1]])
        return out

    def dominates(self, top: int, k: int) -> bool:
        """Whether ``k`` lies in the subtree of ``top`` (``top`` included)."""
        while k >= 0 and k < top:
            k = self.heads[k]
        return k == top


def _starts_new(surfaces: list[str], lemmas: list[str], pos: list[str], i: int, lo: int) -> bool:
    if i == lo:
        return True
    s, p, prev, pp = surfaces[i], pos[i], surfaces[i - 1], pos[i - 1]
    if s in OPENERS:
        return prev not in OPENERS
    if prev in OPENERS:
        return False
    if p not in CONTENT_POS:
        return False
    if pp in ("助詞", "補助記号", "記号"):
        if p == "動詞" and lemmas[i] in AUXILIARY_VERBS and lemmas[i - 1] == "て":
            return False
        return not (p == "動詞" and _functional(lemmas, i))
    if pp == "助動詞":
        if p == "動詞" and lemmas[i] == "為る" and surfaces[i - 1] == "に":
            return False
        return not (p == "動詞" and lemmas[i] in AUXILIARY_VERBS)
    if p in ("副詞", "連体詞", "接続詞", "感動詞"):
        return True
    if pp in PREDICATE_POS:
        return p not in PREDICATE_POS and p != "接尾辞"
    if pp == "接頭辞":
        return False
    return p == "形容詞" and pp in ("名詞", "代名詞") and lemmas[i] not in ("無い", "良い")


def _starts(tokens: TokenColumns, lo: int, hi: int) -> list[int]:
    """The first token of each bunsetsu; only content words and openers can start one."""
    pos, surfaces, lemmas = tokens.pos, tokens.surfaces, tokens.lemmas
    out = [lo] if hi > lo else []
    content = map(CONTENT_POS.__contains__, pos[lo + 1 : hi])
    opener = map(OPENERS.__contains__, surfaces[lo + 1 : hi])
    for i in compress(range(lo + 1, hi), map(or_, content, opener)):
        p = pos[i]
        # a word after a particle or punctuation starts a phrase unless it is part of one
        if p in CONTENT_POS and pos[i - 1] in STARTERS and surfaces[i - 1] not in OPENERS:
            if p != "動詞" or not (
                (lemmas[i] in AUXILIARY_VERBS and lemmas[i - 1] == "て") or _functional(lemmas, i)
            ):
                out.append(i)
        elif _starts_new(surfaces, lemmas, pos, i, lo):
            out.append(i)
    return out


# Parts of speech after which a content word starts a phrase (but for a few verbs).
STARTERS = frozenset({"助詞", "補助記号", "記号"})


def _functional(lemmas: list[str], i: int) -> bool:
    """Whether the verb at ``i`` is part of a compound particle (に対する, という, として)."""
    x, prev = lemmas[i], lemmas[i - 1]
    if prev == "に":
        return x in FUNCTIONAL and x not in ("言う", "為る")
    if prev != "と":
        return False
    if x == "言う":
        return True
    return x == "為る" and lemmas[i + 1 : i + 2] == ["て"] and lemmas[i + 2 : i + 3] != ["居る"]


_COLONS = frozenset({":", "：", ";", "；"})
_NOMINAL_OR_ADNOMINAL = NOMINAL_POS | {"連体詞"}
_PREDICATE_OR_AUXILIARY = PREDICATE_POS | {"助動詞"}
_CASE_TE = ("因る", "対する", "関する", "取る", "於く", "つく", "基づく")


@dataclass(slots=True)
class _End:
    """A bunsetsu's last content token ``j`` and what its kind depends on around it.

    One per bunsetsu, never changed; not frozen, whose ``__init__`` costs five times as
    much (it sets each field through ``object.__setattr__``).
    """

    tokens: TokenColumns
    a: int
    j: int
    nxt: int
    hi: int
    comma: bool
    pred: bool
    next_nominal: bool


def _kind(tokens: TokenColumns, a: int, b: int, nxt: int, hi: int) -> tuple[str, bool]:
    """The kind of bunsetsu ``a:b`` (the next starts at ``nxt``) and whether it predicates."""
    surfaces, lemmas, pos = tokens.surfaces, tokens.lemmas, tokens.pos
    j, comma = _last_content(tokens, a, b)
    if not _COLONS.isdisjoint(surfaces[a:b]):
        return "predicate", True
    pred = _predicates(tokens, a, j)
    lp = pos[j]
    end = _End(tokens, a, j, nxt, hi, comma, pred, nxt < hi and pos[nxt] in _NOMINAL_OR_ADNOMINAL)
    if lp == "連体詞":
        return "adnominal", False
    if lp == "動詞" and j > a and pos[j - 1] == "助詞" and _functional(lemmas, j):
        return _functional_verb_kind(end)
    if lp == "助動詞" and surfaces[j] == "に":
        return "adverb", False
    if lp == "形容詞" and j == a and surfaces[j].endswith("く") and not comma:
        return "adverb", False
    if lp == "助詞":
        return _particle_kind(end)
    return _content_kind(end)


def _last_content(tokens: TokenColumns, a: int, b: int) -> tuple[int, bool]:
    """The last token of ``a:b`` before trailing symbols and comma, and whether a comma ends it."""
    surfaces, pos = tokens.surfaces, tokens.pos
    j = b - 1
    while j > a and (pos[j] in ("補助記号", "記号") and surfaces[j] not in ("、", "，")):
        j -= 1
    comma = surfaces[b - 1] in ("、", "，") or (j + 1 < b and surfaces[j + 1] in ("、", "，"))
    if surfaces[j] in ("、", "，"):
        j -= 1
    return j, comma


def _predicates(tokens: TokenColumns, a: int, j: int) -> bool:
    """Whether tokens ``a..j`` hold a predicate: a non-functional verb or adjective, or だ/です."""
    surfaces, lemmas, pos = tokens.surfaces, tokens.lemmas, tokens.pos
    for t in range(a, j + 1):
        q = pos[t]
        if q in PREDICATE_POS:
            if not (t > a and pos[t - 1] == "助詞" and _functional(lemmas, t)):
                return True
        elif q == "助動詞" and lemmas[t] in ("だ", "です") and surfaces[t] not in ("な", "に"):
            return True
    return False


def _functional_verb_kind(end: _End) -> tuple[str, bool]:
    """A bunsetsu ending in a particle plus a functional verb (と言う, とする, に伴う)."""
    last, pred = end.tokens.lemmas[end.j], end.pred
    if last == "言う":
        return ("quote" if pred or not end.next_nominal else "adnominal"), pred
    if last == "為る" and pred:
        return "quote", True
    attributive = end.tokens.surfaces[end.j][-1:] in ("る", "う", "た")  # に伴う, not に伴い
    return ("linked" if end.next_nominal and attributive else "case"), False


def _particle_kind(end: _End) -> tuple[str, bool]:
    """A bunsetsu ending in a particle: quotation, topic, clause, coordination or case."""
    tokens, a, j, pred, comma = end.tokens, end.a, end.j, end.pred, end.comma
    lemmas, last = tokens.lemmas, tokens.lemmas[end.j]
    if last in ("と", "の"):
        quoted = _quotative_kind(end)
        if quoted is not None:
            return quoted
    if last == "て" and lemmas[j - 2 : j] == ["と", "為る"] and j - 2 > a and pred:
        return "quote", True
    if last in TOPIC:
        return ("case" if j > a and lemmas[j - 1] in ("に", "で", "と", "から") else "topic"), pred
    if last == "て" and j > a and lemmas[j - 1] in _CASE_TE:
        return "case", False
    if last == "て" and not comma:
        return "adverb", True
    if last in CONJUNCTIVE and (
        last not in ("が", "し") or (j > a and tokens.pos[j - 1] in _PREDICATE_OR_AUXILIARY)
    ):
        return "clause", True
    if last in ("と", "や") and end.next_nominal and not pred:
        return "coord", False
    return "case", pred


def _quotative_kind(end: _End) -> tuple[str, bool] | None:
    """The kind of a bunsetsu ending in と or の when that settles it, else None."""
    tokens, a, j, nxt, hi, pred = end.tokens, end.a, end.j, end.nxt, end.hi, end.pred
    last = tokens.lemmas[j]
    if last == "と" and _trying(tokens, j, nxt, hi):
        return "case", False  # 強化しようとする: an attempt, no quotation
    if last == "と" and (pred or _reports_after(tokens, nxt, hi)) and not end.comma:
        return "quote", pred
    if last == "の" and j > a and tokens.lemmas[j - 1] == "と" and _content_noun(tokens, nxt, hi):
        return "quote", pred
    if last == "の":
        return "adnominal", False
    return None


def _content_kind(end: _End) -> tuple[str, bool]:
    """A bunsetsu ending in a content word or an auxiliary other than a particle."""
    surfaces, j, pred, comma = end.tokens.surfaces, end.j, end.pred, end.comma
    last, lp = end.tokens.lemmas[j], end.tokens.pos[j]
    if surfaces[j] == "な" and lp == "助動詞":
        return "adnominal", False
    if pred and lp in _PREDICATE_OR_AUXILIARY:
        if comma or not end.next_nominal:
            return ("clause" if comma else "predicate"), True
        attributive = surfaces[j][-1:] in ATTRIBUTIVE_ENDS and not (lp == "助動詞" and last == "う")
        return ("adnominal" if attributive else "clause"), True
    if lp == "副詞":
        return "adverb", False
    if comma:
        return "coord", False
    return "bare", pred


def _trying(tokens: TokenColumns, j: int, nxt: int, hi: int) -> bool:
    """Whether the と at ``j`` follows a volitional form and precedes する (しようとする)."""
    before = tokens.surfaces[j - 1] if j > 0 else ""
    return (
        before.endswith("う")
        and tokens.pos[j - 1] in ("動詞", "助動詞")
        and nxt < hi
        and tokens.lemmas[nxt] == "為る"
    )


def _reports_after(tokens: TokenColumns, i: int, hi: int) -> bool:
    lemmas = tokens.lemmas
    return i < hi and (
        lemmas[i] in REPORTING or (lemmas[i] == "の" and _content_noun(tokens, i + 1, hi))
    )


def _content_noun(tokens: TokenColumns, i: int, hi: int) -> bool:
    return i < hi and tokens.lemmas[i] in CONTENT_NOUNS


def parse(tokens: TokenColumns, lo: int = 0, hi: int | None = None) -> Parse:
    """The bunsetsu of tokens ``lo:hi`` and their dependencies (module docstring)."""
    hi = len(tokens.lemmas) if hi is None else min(hi, len(tokens.lemmas))
    starts = _starts(tokens, lo, hi)
    ends = [*starts[1:], hi]
    of_token = list(chain.from_iterable(map(repeat, count(), map(sub, ends, starts))))
    kinds: list[str] = []
    predicate: list[bool] = []
    for a, b in zip(starts, ends, strict=True):
        kind, pred = _kind(tokens, a, b, b, hi)
        kinds.append(kind)
        predicate.append(pred or kind in ("quote", "clause", "predicate"))
    if kinds:
        predicate[-1] = True
    commas = [tokens.surfaces[b - 1] in ("、", "，") for b in ends]
    hearsay = [k + 1 < len(kinds) and kinds[k] == "quote" for k in range(len(kinds))]
    for k in [k for k, q in enumerate(hearsay) if q]:
        hearsay[k] = False
        verb = next((h for h in range(k + 1, len(kinds)) if predicate[h]), -1)
        if verb >= 0:
            hearsay[verb] = _hearsay(tokens, starts[verb], ends[verb])
    heads = _heads(kinds, predicate, [tokens.pos[a] for a in starts], commas, hearsay)
    for t in (t for t, kind in enumerate(kinds) if kind == "topic"):
        # never on a noun taken with で (この判断は、…という点で、理にかなったものだった)
        while heads[t] >= 0 and kinds[heads[t]] == "case" and heads[heads[t]] >= 0:
            if tokens.surfaces[ends[heads[t]] - 1 - commas[heads[t]]] != "で":
                break
            heads[t] = heads[heads[t]]
    return Parse(lo, starts, ends, heads, kinds, predicate, of_token)


def _hearsay(tokens: TokenColumns, a: int, b: int) -> bool:
    """Whether a reporting verb names no speaker: passive (とされる, と言われる) or 言う."""
    lemmas = tokens.lemmas
    return any(lemmas[t] in ("れる", "られる") for t in range(a, b)) or lemmas[a] == "言う"


@dataclass(frozen=True, slots=True)
class _Columns:
    """Per-bunsetsu facts that the head search reads."""

    kinds: list[str]
    predicate: list[bool]
    first_pos: list[str]
    commas: list[bool]
    hearsay: list[bool]


@dataclass(slots=True)
class _Nearest:
    """The nearest candidate heads of each sort right of the bunsetsu being placed."""

    topic: int  # the nearest topic to the right
    noun: int = -1
    head: int = -1
    phrase: int = -1
    pred: int = -1
    closing: int = -1
    reporter: int | None = None  # the reporting verb a topic before its quotation belongs to
    inner: int = -1  # a quotation whose speaker stands after it: a topic before it is its own


def _heads(
    kinds: list[str],
    predicate: list[bool],
    first_pos: list[str],
    commas: list[bool],
    hearsay: list[bool],
) -> list[int]:
    """Each bunsetsu's head, found right to left with the nearest candidate of each sort."""
    cols = _Columns(kinds, predicate, first_pos, commas, hearsay)
    n = len(kinds)
    heads = [-1] * n
    near = _Nearest(topic=n)
    for k in range(n - 1, -1, -1):
        head = -1 if k == n - 1 else _head(cols, heads, near, k)
        heads[k] = head if head >= 0 or k == n - 1 else n - 1
        _advance(cols, heads, near, k)
    _speaker_is_first_topic(kinds, heads)
    _topics_span_clauses(kinds, heads)
    return heads


def _head(cols: _Columns, heads: list[int], near: _Nearest, k: int) -> int:
    """The head of bunsetsu ``k`` (not the last) from the nearest candidates right of it."""
    kinds, predicate, first_pos = cols.kinds, cols.predicate, cols.first_pos
    kind = kinds[k]
    if kind == "adnominal":
        if predicate[k]:
            return near.head if near.head >= 0 else near.noun
        if kinds[k + 1] == "adnominal" and first_pos[k + 1] in PREDICATE_POS:
            return k + 1  # の as the subject of a relative clause: 根拠のない
        return near.noun
    if kind == "linked":
        return _relative_head(kinds, predicate, heads, k + 1, near.phrase)
    if kind in ("coord", "bare"):
        return k + 1
    if kind == "quote":
        return k + 1 if first_pos[k + 1] in NOMINAL_POS else near.pred
    if kind == "case" and cols.commas[k] and near.closing >= 0:
        return near.closing
    if kind == "topic":
        if near.reporter is not None:
            return near.reporter
        return near.inner if near.inner >= 0 else near.closing
    if kind == "clause":
        return near.closing
    return near.pred


def _advance(cols: _Columns, heads: list[int], near: _Nearest, k: int) -> None:
    """Make bunsetsu ``k``, now placed, the nearest candidate of the sorts it is."""
    kinds, predicate, first_pos = cols.kinds, cols.predicate, cols.first_pos
    kind = kinds[k]
    if kind == "quote":
        speaker_after = near.topic < heads[k] or (heads[k] >= 0 and cols.hearsay[heads[k]])
        near.reporter, near.inner = (None, k) if speaker_after else (heads[k], -1)
    if kind == "topic":
        near.topic = k
    if first_pos[k] in NOMINAL_POS:
        near.noun = k
        h = heads[k]
        if not (kind == "adnominal" and h >= 0 and kinds[h] == "adnominal" and predicate[h]):
            near.head = k  # not the subject of a relative clause (根拠のない推測)
        if kind != "adnominal":
            near.phrase = k
    if predicate[k] and not (kind == "adnominal" and first_pos[k] == "形容詞"):
        near.pred = k
        if kind in ("clause", "predicate", "bare", "case", "quote"):
            near.closing = k


def _relative_head(
    kinds: list[str], predicate: list[bool], heads: list[int], j: int, default: int
) -> int:
    """The noun that a relative clause starting at ``j`` modifies, when one does (による
    前例のない圧力: 圧力), else ``default``: a linked phrase shares that head."""
    while j < len(kinds) and kinds[j] == "adnominal" and not predicate[j] and heads[j] > j:
        j = heads[j]
    if j < len(kinds) and kinds[j] == "adnominal" and predicate[j] and heads[j] > j:
        return heads[j]
    return default


def _topics_span_clauses(kinds: list[str], heads: list[int]) -> None:
    """A topic governs the clauses that continue its first one (北朝鮮は開発を加速させ、威嚇を
    繰り返している) up to the next topic: it depends on the last predicate of that chain."""
    for t, kind in enumerate(kinds):
        if kind != "topic":
            continue
        h = heads[t]
        while h >= 0 and kinds[h] == "clause" and heads[h] >= 0:
            nxt = heads[h]
            if any(kinds[k] == "topic" and heads[k] == nxt for k in range(t + 1, nxt)):
                break
            h = nxt
        heads[t] = h


def _speaker_is_first_topic(kinds: list[str], heads: list[int]) -> None:
    """Of several topics before a quotation that all went to its reporting verb, the first
    is the speaker; the later ones belong inside the quotation (AはBはCだと述べた)."""
    for q, kind in enumerate(kinds):
        if kind != "quote":
            continue
        verb = heads[q]
        topics = [t for t in range(q) if kinds[t] == "topic" and heads[t] == verb]
        for t in topics[1:]:
            heads[t] = q

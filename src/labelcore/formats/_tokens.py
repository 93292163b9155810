"""Word tokens with character spans, as Label Studio's CONLL2003 export splits text.

    from labelcore.formats._tokens import token_spans
    token_spans("Alice moved to Berlin.")   # [("Alice", 0), ("moved", 6), ..., (".", 21)]

Label Studio tokenizes with NLTK's Penn Treebank word tokenizer, with its own punctuation
rules, and then finds each token in the text again. This module reproduces that behaviour
(same tokens, same offsets) without depending on NLTK.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable

# Each rule: (what it does to a text, substrings of which one must be in the text for it
# to change anything). Most texts have no quotes, dashes or brackets: checking for the
# characters first (in C) skips those substitutions, with the same result.
_Rule = tuple[Callable[[str], str], tuple[str, ...]]


def _sub(pattern: str, replacement: str) -> Callable[[str], str]:
    return functools.partial(re.compile(pattern).sub, replacement)


_CLOSERS = "])}>\"'"


def _final_period(text: str) -> str:
    r"""``re.sub(r'([^\.])(\.)([\]\)}>"\']*)\s*$', r"\1 \2\3 ", text)`` without the
    regex scan: the pattern can only match at the text's last period, when what follows it
    is closing brackets or quotes and then whitespace, and the character before is not a
    period."""
    j = text.rfind(".")
    if j < 1 or text[j - 1] == ".":
        return text
    closers = text[j + 1 :].rstrip()
    if closers.strip(_CLOSERS):
        return text
    return text[:j] + " ." + closers + " "


_STARTING_QUOTES: list[_Rule] = [
    (_sub(r"^\"", r"``"), ('"',)),
    (_sub(r"(``)", r" \1 "), ("``",)),
    (_sub(r"([ \(\[{<])(\"|\'{2})", r"\1 `` "), ('"', "''")),
]
# Label Studio replaces NLTK's punctuation rules with these (note "/" is split off)
_PUNCTUATION: list[_Rule] = [
    (_sub(r"([:,])([^\d])", r" \1 \2"), (":", ",")),
    (_sub(r"([:,])$", r" \1 "), (":", ",")),
    (_sub(r"\.\.\.", r" ... "), ("...",)),
    (_sub(r"[;@#$/%&]", r" \g<0> "), tuple(";@#$/%&")),
    (_final_period, (".",)),
    (_sub(r"[?!]", r" \g<0> "), ("?", "!")),
    (_sub(r"([^'])' ", r"\1 ' "), ("' ",)),
]
_PARENS: _Rule = (_sub(r"[\]\[\(\)\{\}\<\>]", r" \g<0> "), tuple("[](){}<>"))
_DOUBLE_DASHES: _Rule = (_sub(r"--", r" -- "), ("--",))
_ENDING_QUOTES: list[_Rule] = [
    (_sub(r"''", " '' "), ("''",)),
    (_sub(r'"', " '' "), ('"',)),
    (_sub(r"([^' ])('[sS]|'[mM]|'[dD]|') ", r"\1 \2 "), ("'",)),
    (_sub(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 "), ("'",)),
]
_CONTRACTIONS = [
    re.compile(p)
    for p in (
        r"(?i)\b(can)(?#X)(not)\b",
        r"(?i)\b(d)(?#X)('ye)\b",
        r"(?i)\b(gim)(?#X)(me)\b",
        r"(?i)\b(gon)(?#X)(na)\b",
        r"(?i)\b(got)(?#X)(ta)\b",
        r"(?i)\b(lem)(?#X)(me)\b",
        r"(?i)\b(more)(?#X)('n)\b",
        r"(?i)\b(wan)(?#X)(na)(?=\s)",
        r"(?i) ('t)(?#X)(is)\b",
        r"(?i) ('t)(?#X)(was)\b",
    )
]
# A text none of the contractions above can match contains none of these once lower-cased.
# (No i, s or k: under (?i) they also match non-ASCII letters such as "ı", which lower()
# leaves alone; "mme" stands for gimme and lemme.)
_CONTRACTION_HINTS = ("cannot", "d'ye", "mme", "gonna", "gotta", "more'n", "wanna", "'t")
_QUOTES = re.compile(r"``|'{2}|\"")
_QUOTES_OR_APOSTROPHE = re.compile("[\"'`]")


def _apply(rule: _Rule, text: str) -> str:
    change, needs = rule
    for needle in needs:
        if needle in text:
            return change(text)
    return text


def _every_rule(text: str) -> list[str]:
    for rule in _STARTING_QUOTES:
        text = _apply(rule, text)
    for rule in _PUNCTUATION:
        text = _apply(rule, text)
    text = _apply(_PARENS, text)
    text = _apply(_DOUBLE_DASHES, text)
    text = " " + text + " "
    for rule in _ENDING_QUOTES:
        text = _apply(rule, text)
    return _contractions(text).split()


def _contractions(text: str) -> str:
    lowered = text.lower()
    if any(hint in lowered for hint in _CONTRACTION_HINTS):
        for regexp in _CONTRACTIONS:
            text = regexp.sub(r" \1 \2 ", text)
    return text


# Without quote characters, every rule that can match only puts spaces around characters
# the text has (the quote rules are the ones that write new characters), so a rule whose
# needles start with a character the text lacks can never match: the rules worth trying
# depend only on the text's punctuation, worked out once per set of punctuation marks.
_QUOTE_CHARS = frozenset("\"'`")
# the characters the rules look for first (the first of each needle); finding them after
# deleting the ASCII letters, digits and spaces is cheaper than a regex over the text
_MARKS = frozenset("\"'`:,.;@#$/%&?![](){}<>-")
_NOT_MARKS = str.maketrans("", "", string.ascii_letters + string.digits + " ")


@functools.lru_cache(maxsize=1024)
def _plan(marks: frozenset[str]) -> tuple[_Rule, ...] | None:
    """The rules that may match a text with these punctuation marks, in order; None when
    the text has quotes (every rule, in order)."""
    if marks & _QUOTE_CHARS:
        return None
    rules = [*_STARTING_QUOTES, *_PUNCTUATION, _PARENS, _DOUBLE_DASHES, *_ENDING_QUOTES]
    return tuple(r for r in rules if any(n[0] in marks for n in r[1]))


def _tokenize(text: str) -> list[str]:
    plan = _plan(_MARKS.intersection(text.translate(_NOT_MARKS)))
    if plan is None:
        return _every_rule(text)
    for rule in plan:
        text = _apply(rule, text)
    # the padding _every_rule adds matters only to rules that need quotes
    return _contractions(text).split()


def tokens(text: str) -> list[str]:
    """The tokens of ``token_spans``, without their offsets."""
    if _QUOTES_OR_APOSTROPHE.search(text) is None:
        # spaces inserted, nothing rewritten: every token is found in the text, in order
        return _tokenize(text)
    return [tok for tok, _ in token_spans(text)]


def token_spans(text: str) -> list[tuple[str, int]]:
    """(token, start offset) pairs in text order."""
    tokens = _tokenize(text)
    if '"' in text or "''" in text:
        # the tokenizer rewrites quotes as `` and ''; put back what the text really has
        originals = iter(m.group() for m in _QUOTES.finditer(text))
        tokens = [next(originals, tok) if tok in ('"', "``", "''") else tok for tok in tokens]
    out: list[tuple[str, int]] = []
    point = 0
    for tok in tokens:
        start = text.find(tok, point)
        if start < 0:  # cannot happen for the rules above; keep going rather than fail
            continue
        point = start + len(tok)
        out.append((text[start:point], start))
    return out


def bio_tags(text: str, spans: list[dict[str, object]] | None) -> tuple[list[str], list[str]]:
    """Tokens and their BIO tags for labeled spans (``start``, ``end``, ``labels``), with
    Label Studio's rules: spans sorted by start, the first label of a span tags it, a token
    is inside a span when their character ranges overlap."""
    usable = spans and all(s.get("start") is not None and s.get("end") is not None for s in spans)
    if not usable or spans is None:
        words = tokens(text)
        return words, ["O"] * len(words)
    pairs = token_spans(text)
    words = [tok for tok, _ in pairs]
    queue = sorted(spans, key=lambda s: _int(s.get("start")))
    span: dict[str, object] | None = queue.pop(0)
    assert span is not None
    span_start, span_end = _int(span["start"]), _int(span["end"]) - 1
    prefix = "B-"
    tags: list[str] = []
    for tok, tok_start in pairs:
        tok_end = tok_start + len(tok) - 1
        if tok_start > span_end:
            while queue:
                span = queue.pop(0)
                span_start, span_end = _int(span["start"]), _int(span["end"]) - 1
                prefix = "B-"
                if tok_start <= span_end:
                    break
        labels = span.get("labels") if span else None
        if not span or tok_end < span_start or not labels or not isinstance(labels, list):
            tags.append("O")
        elif span_start <= tok_end and span_end >= tok_start:
            tags.append(prefix + str(labels[0]))
            prefix = "I-"
        else:
            tags.append("O")
    return words, tags


def _int(val: object) -> int:
    return int(val) if isinstance(val, int | float) else 0

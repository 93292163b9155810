"""Word tokens with character spans, as Label Studio's CONLL2003 export splits text.

    from labelcore.formats._tokens import token_spans
    token_spans("Alice moved to Berlin.")   # [("Alice", 0), ("moved", 6), ..., (".", 21)]

Label Studio tokenizes with NLTK's Penn Treebank word tokenizer, with its own punctuation
rules, and then finds each token in the text again. This module reproduces that behaviour
(same tokens, same offsets) without depending on NLTK.
"""

from __future__ import annotations

import re

# Each rule: (pattern, replacement, substrings of which one must be in the text for the
# pattern to match). Most texts have no quotes, dashes or brackets: checking for the
# characters first (in C) skips those substitutions, with the same result.
_Rule = tuple[re.Pattern[str], str, tuple[str, ...]]
_STARTING_QUOTES: list[_Rule] = [
    (re.compile(r"^\""), r"``", ('"',)),
    (re.compile(r"(``)"), r" \1 ", ("``",)),
    (re.compile(r"([ \(\[{<])(\"|\'{2})"), r"\1 `` ", ('"', "''")),
]
# Label Studio replaces NLTK's punctuation rules with these (note "/" is split off)
_PUNCTUATION: list[_Rule] = [
    (re.compile(r"([:,])([^\d])"), r" \1 \2", (":", ",")),
    (re.compile(r"([:,])$"), r" \1 ", (":", ",")),
    (re.compile(r"\.\.\."), r" ... ", ("...",)),
    (re.compile(r"[;@#$/%&]"), r" \g<0> ", tuple(";@#$/%&")),
    (re.compile(r'([^\.])(\.)([\]\)}>"\']*)\s*$'), r"\1 \2\3 ", (".",)),
    (re.compile(r"[?!]"), r" \g<0> ", ("?", "!")),
    (re.compile(r"([^'])' "), r"\1 ' ", ("' ",)),
]
_PARENS: _Rule = (re.compile(r"[\]\[\(\)\{\}\<\>]"), r" \g<0> ", tuple("[](){}<>"))
_DOUBLE_DASHES: _Rule = (re.compile(r"--"), r" -- ", ("--",))
_ENDING_QUOTES: list[_Rule] = [
    (re.compile(r"''"), " '' ", ("''",)),
    (re.compile(r'"'), " '' ", ('"',)),
    (re.compile(r"([^' ])('[sS]|'[mM]|'[dD]|') "), r"\1 \2 ", ("'",)),
    (re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r"\1 \2 ", ("'",)),
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


def _apply(rule: _Rule, text: str) -> str:
    regexp, sub, needs = rule
    for needle in needs:
        if needle in text:
            return regexp.sub(sub, text)
    return text


def _tokenize(text: str) -> list[str]:
    for rule in _STARTING_QUOTES:
        text = _apply(rule, text)
    for rule in _PUNCTUATION:
        text = _apply(rule, text)
    text = _apply(_PARENS, text)
    text = _apply(_DOUBLE_DASHES, text)
    text = " " + text + " "
    for rule in _ENDING_QUOTES:
        text = _apply(rule, text)
    lowered = text.lower()
    if any(hint in lowered for hint in _CONTRACTION_HINTS):
        for regexp in _CONTRACTIONS:
            text = regexp.sub(r" \1 \2 ", text)
    return text.split()


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
    pairs = token_spans(text)
    tokens = [tok for tok, _ in pairs]
    usable = spans and all(s.get("start") is not None and s.get("end") is not None for s in spans)
    if not usable or spans is None:
        return tokens, ["O"] * len(tokens)
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
    return tokens, tags


def _int(val: object) -> int:
    return int(val) if isinstance(val, int | float) else 0

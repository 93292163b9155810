"""Chance-corrected agreement statistics on plain values (no labelling knowledge here).

    from labelcore.quality.stats import cohen_kappa, krippendorff_alpha
    cohen_kappa(["a", "b", "a"], ["a", "b", "b"])            # 0.4
    krippendorff_alpha([["a", "a"], ["b", "a", "b"]])         # nominal alpha over units

Every function returns ``None`` when the statistic is undefined (no items, or no variation
so that chance agreement is 1); callers show that as "n/a" rather than inventing a number.
Values only need to be hashable (nominal) or numbers (interval).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

__all__ = ["cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "normalised_edit_similarity"]


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters over the same items: ``(po - pe) / (1 - pe)``.

    ``po`` is the share of items where both gave the same value; ``pe`` is
    ``sum_c pa(c) * pb(c)`` from each rater's own value frequencies.
    """
    if len(a) != len(b):
        raise ValueError("cohen_kappa needs two equally long rating lists")
    n = len(a)
    if n == 0:
        return None
    po = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[c] * cb[c] for c in ca) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


def fleiss_kappa(items: Sequence[Mapping[Hashable, int]]) -> float | None:
    """Fleiss' kappa over items, each a ``category -> number of raters`` count.

    Items with fewer than two ratings are ignored. ``P_i = (sum_j n_ij^2 - n_i) /
    (n_i (n_i - 1))``; ``P = mean P_i``; ``p_j`` is category j's share of all ratings;
    ``Pe = sum_j p_j^2``; kappa = ``(P - Pe) / (1 - Pe)``. With the same number of raters
    per item this is Fleiss' original statistic; varying counts use the per-item form.
    """
    rows = [r for r in items if sum(r.values()) >= 2]
    if not rows:
        return None
    totals: Counter[Hashable] = Counter()
    p_sum = 0.0
    n_all = 0
    for row in rows:
        n_i = sum(row.values())
        p_sum += (sum(c * c for c in row.values()) - n_i) / (n_i * (n_i - 1))
        totals.update(row)
        n_all += n_i
    p_bar = p_sum / len(rows)
    pe = sum((c / n_all) ** 2 for c in totals.values())
    if pe >= 1.0:
        return None
    return (p_bar - pe) / (1.0 - pe)


def krippendorff_alpha(units: Sequence[Sequence[Hashable]], level: str = "nominal") -> float | None:
    """Krippendorff's alpha: ``1 - D_o / D_e`` over units (each the values given to one item).

    Units with fewer than two values are not pairable and are ignored; missing ratings are
    simply absent. ``level`` is ``"nominal"`` (``delta = 0`` if equal else 1) or
    ``"interval"`` (``delta = (a - b)^2``, values must be numbers). ``D_o`` sums the deltas of
    the ordered value pairs inside each unit, each unit weighted ``1 / (m_u - 1)``, over ``n``
    pairable values; ``D_e`` sums the deltas of all ordered pairs of pairable values over
    ``n (n - 1)``.
    """
    if level not in ("nominal", "interval"):
        raise ValueError(f"unknown level {level!r}: use 'nominal' or 'interval'")
    pairable = [list(u) for u in units if len(u) >= 2]
    counts: Counter[Hashable] = Counter(v for u in pairable for v in u)
    n = sum(counts.values())
    if n < 2:
        return None

    def delta(x: Hashable, y: Hashable) -> float:
        if level == "nominal":
            return 0.0 if x == y else 1.0
        return (float(x) - float(y)) ** 2  # type: ignore[arg-type]

    d_o = 0.0
    for unit in pairable:
        m = len(unit)
        uc = Counter(unit)
        s = sum(cx * cy * delta(x, y) for x, cx in uc.items() for y, cy in uc.items())
        d_o += s / (m - 1)
    d_o /= n
    d_e = sum(cx * cy * delta(x, y) for x, cx in counts.items() for y, cy in counts.items())
    d_e /= n * (n - 1)
    if d_e == 0.0:
        return None
    return 1.0 - d_o / d_e


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute one character, each cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalised_edit_similarity(a: str, b: str) -> float:
    """``1 - levenshtein(a, b) / max(len(a), len(b))``; two empty texts agree fully (1.0)."""
    longest = max(len(a), len(b))
    if longest == 0:
        return 1.0
    return 1.0 - edit_distance(a, b) / longest

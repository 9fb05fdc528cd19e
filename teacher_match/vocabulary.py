"""Words shared by every sentence the project writes: subject names in Chinese, shares, counts, values.

The Chinese subject names are those of :mod:`teacher_match.subjects`, beside the subjects' spellings.
"""

from __future__ import annotations

from fractions import Fraction

from .subjects import SUBJECT_ZH

__all__ = ["SUBJECT_ZH", "zh_subject", "pct", "count_of", "fmt_value"]


def zh_subject(subject: object) -> str:
    """The Chinese name of a subject code (the code itself when unknown)."""
    return SUBJECT_ZH.get(str(subject), str(subject))


def pct(share: float | Fraction) -> str:
    """A share as a percentage with up to four significant digits: ``0.2`` → ``20%``."""
    return f"{float(share) * 100:.4g}%"


def count_of(count: int, noun: str) -> str:
    """``1 music teacher`` / ``2 music teachers``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def fmt_value(v: object) -> str:
    """A policy parameter's value as a policy file writes it (``off`` for None)."""
    if v is None:
        return "off"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {list(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)

"""Words shared by every sentence the project writes: subject names in Chinese, shares, counts, values.

The subject codes are those of :data:`teacher_match.schema.KNOWN_SUBJECTS`; a test keeps the two in step.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["SUBJECT_ZH", "zh_subject", "pct", "count_of", "fmt_value"]

#: Chinese subject names, one per subject code the schema knows (unknown subjects are shown as given)
SUBJECT_ZH = {
    "chinese": "语文", "math": "数学", "english": "英语", "science": "科学", "physics": "物理",
    "chemistry": "化学", "biology": "生物", "geography": "地理", "history": "历史", "morality": "道德与法治",
    "pe": "体育", "music": "音乐", "art": "美术", "it": "信息技术", "psychology": "心理健康",
    "labour": "劳动",
    "practice": "综合实践", "calligraphy": "书法",
}


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

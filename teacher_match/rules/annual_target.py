"""Hard rule: at least a number of cadres and teachers rotate this school year (年度交流人数不少于 N 人).

    Σ_{t, s} x[t, s] ≥ min_rotated_total          over the whole county (district)

Dongcheng's plan (RULEBOOK DC-QU1): "本学年交流轮岗干部教师不少于 2000 人". The count covers teachers and
leadership-team members alike, mandatory or eligible; a minimum never keeps a teacher at home, so the rule has
no stay reason of its own. Off (``None``) unless a policy sets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import param
from .contract import CheckData, Facts, Key, PlanState, StayTest, Usage, Violation, key

RULE_ID = "annual_target"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 160
TITLE = "annual rotation target"
TITLE_ZH = "年度交流人数目标"
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
prune = None
pair_words = None
teacher_words = None
assignment_words = None
shortfalls = None


@dataclass(frozen=True)
class AnnualTarget:
    """Annual rotation target (policy section ``[rules]``)."""

    min_rotated_total: int | None = param(
        None, "int", "at least this many cadres and teachers rotate this school year (本学年交流不少于 N 人)")


#: the rule's parameters (a policy section's keys)
PARAMS = AnnualTarget


def class_key(teachers: Any, schools: Any, rule: AnnualTarget) -> list:
    """Nothing per teacher: the target counts everyone alike."""
    return []


def build(ctx: Any, rule: AnnualTarget) -> None:
    """One county-wide minimum over every candidate pair."""
    if not rule.min_rotated_total:
        return
    ctx.add(RULE_ID, key("county"), ctx.xsum(np.arange(len(ctx.model_pairs))) >= int(rule.min_rotated_total))


def check(chk: CheckData, rule: AnnualTarget) -> list[Violation]:
    """Recount everyone the plan rotates."""
    if not rule.min_rotated_total or len(chk.moved) >= rule.min_rotated_total:
        return []
    return [(RULE_ID, key("county"), f"the plan rotates {len(chk.moved)} < the annual target of "
                                     f"{rule.min_rotated_total}")]


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: AnnualTarget, k: Key, usage: Usage | None) -> tuple[str, str]:
    """The target and its number; how many can be placed at all, or how many the plan rotates."""
    n = rule.min_rotated_total or 0
    if usage is not None:
        got = int((usage.dest >= 0).sum())
        return (f"at least {n} cadres and teachers rotate this school year (min_rotated_total = {n}); "
                f"the plan rotates {got}",
                f"本学年交流干部教师不少于 {n} 人（min_rotated_total = {n}），本方案交流 {got} 人")
    able = int(len(np.unique(f.ct)))
    return (f"at least {n} cadres and teachers rotate this school year (min_rotated_total = {n}), "
            f"and {able} can be placed at a school that needs their subject",
            f"本学年交流干部教师不少于 {n} 人（min_rotated_total = {n}），"
            f"可安排到需要其学科学校的只有 {able} 人")


def stays(state: PlanState, rule: AnnualTarget) -> list[StayTest]:
    """Never the reason a teacher stays (a target asks for more rotation, not less)."""
    return []


def school_columns(state: PlanState, rule: AnnualTarget) -> dict[str, Any]:
    """No schools-table column."""
    return {}

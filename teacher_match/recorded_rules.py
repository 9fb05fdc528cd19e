"""Checks for recorded rules the planner does not schedule: durations, itinerant loads, absences, pair quotas.

These rules are part of a policy (``[[unenforced]]`` records and ``[modes.<name>]`` tables carry their numbers
in ``params``) but concern the exchange *term* rather than who goes where: how long it lasts, how many lessons
an itinerant teacher gives, when a support teacher fails. ``solve`` lists them as not enforced; the functions
here check a proposed term against them, so a bureau can validate its own records.
"""

from __future__ import annotations

from .errors import PolicyError

__all__ = ["rule_params", "duration_ok", "itinerant_load_ok", "support_auto_fail", "paired_quota", "relation"]


def rule_params(policy, rule: str) -> dict:
    """The ``params`` of a recorded rule (by rule id, e.g. ``"CD-FL7"``) or of a mode (by its name)."""
    for rec in policy.unenforced:
        if rec["rule"] == rule:
            return dict(rec.get("params", {}))
    for name, mode in policy.modes.items():
        if name == rule or rule in mode.rules:
            return dict(mode.params)
    raise PolicyError(f"policy '{policy.id}' records no rule or mode '{rule}'")


def _get(params: dict, key: str, policy, rule: str):
    if key not in params:
        raise PolicyError(f"policy '{policy.id}': rule {rule} gives no '{key}'")
    return params[key]


def duration_ok(policy, rule: str, years: float, leader: bool = False) -> bool:
    """Whether an exchange term of ``years`` satisfies the rule's minimum and maximum.

    A planned mode naming the rule (``[modes.<name>] rules``) gives them as its term bounds
    (``term_min_years`` … ``leader_term_max_years``, which the checker holds the plan to); a recorded rule as
    ``teacher_min_years`` / ``leader_min_years`` and ``teacher_max_years`` / ``leader_max_years`` (each
    inclusive, 以上 / 不超过).
    """
    who = "leader" if leader else "teacher"
    bounded = [m for m in policy.modes.values() if rule in m.rules and m.term_bounds(leader) != (None, None)]
    if bounded:
        lo, hi = bounded[0].term_bounds(leader)
        return (lo is None or years >= lo) and (hi is None or years <= hi)
    p = rule_params(policy, rule)
    lo, hi = p.get(f"{who}_min_years"), p.get(f"{who}_max_years")
    if lo is None and hi is None:
        raise PolicyError(f"policy '{policy.id}': rule {rule} gives no duration for {who}s")
    return (lo is None or years >= lo) and (hi is None or years <= hi)


def itinerant_load_ok(policy, lessons_per_week: float, famous_teacher: bool = False,
                      mode: str = "itinerant") -> bool:
    """走教: at least ``min_lessons_per_week`` lessons a week.

    ``famous_min_lessons_per_week`` for 名师走教.
    """
    p = rule_params(policy, mode)
    key = "famous_min_lessons_per_week" if famous_teacher else "min_lessons_per_week"
    return lessons_per_week >= _get(p, key, policy, mode)


def support_auto_fail(policy, absence_days: float, absence_days_year: float, paid_substitute: bool = False,
                      rule: str = "CS-EV1") -> bool:
    """Automatic fail of a support year.

    Unauthorised absence over ``max_absence_days`` at a stretch, over ``max_absence_days_year`` in the year
    (both strict: 超过), or paying someone to teach instead (以钱代教). A policy that plans the rule
    (``auto_fail_absence_days`` of :mod:`teacher_match.rules.sanctions`) gives the thresholds there.
    """
    s = policy.rule("sanctions")
    if s.auto_fail_absence_days is not None or s.auto_fail_absence_days_year is not None:
        return (paid_substitute
                or (s.auto_fail_absence_days is not None and absence_days > s.auto_fail_absence_days)
                or (s.auto_fail_absence_days_year is not None
                    and absence_days_year > s.auto_fail_absence_days_year))
    p = rule_params(policy, rule)
    return (paid_substitute or absence_days > _get(p, "max_absence_days", policy, rule)
            or absence_days_year > _get(p, "max_absence_days_year", policy, rule))


def paired_quota(policy, stages: int, mode: str = "paired") -> int:
    """Teachers each side of a school pair sends (按学段各派 N 人).

    ``per_stage`` × the number of school stages.
    """
    return int(_get(rule_params(policy, mode), "per_stage", policy, mode)) * int(stages)


def relation(policy, mode: str) -> str:
    """Whether personnel and salary relations ``move`` or ``stay`` with a mode (人走关系动 / 人走关系留)."""
    rec = policy.modes.get(mode)
    if rec is None:
        raise PolicyError(f"policy '{policy.id}' records no mode '{mode}'")
    rel = rec.relation
    if rel not in ("move", "stay"):
        raise PolicyError(f"policy '{policy.id}': mode '{mode}' records no relation (move or stay)")
    return rel

"""Optional columns that a policy's rules need: the table of (column, rule parameter) and its check.

An optional roster column left out (or left blank) is harmless until a rule reads it: without the
``backbone`` column every teacher reads "not backbone", and a policy with a backbone share then rotates
nobody — a plan that is valid, optimal and empty. :data:`COLUMN_RULES` lists each such pairing, next to
the schema's declaration of the columns; :func:`missing_columns` returns one sentence per pairing the problem
and policy trip, which ``solve`` (through :func:`teacher_match.plan.build_plan`) issues as warnings and puts
in the first lines of
``plan.summary()``. No solver code lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .params import REQUIRED

__all__ = ["ColumnRule", "COLUMN_RULES", "missing_columns"]


@dataclass(frozen=True)
class ColumnRule:
    """One optional column a rule parameter needs.

    Attributes
    ----------
    table, column : str
        Where the column belongs (``teachers``, ``schools``) and its canonical name.
    parameter : str
        The policy key whose rule reads the column.
    active : callable
        ``policy -> bool``: the parameter is set so that the rule reads the column.
    missing : callable
        ``problem -> bool``: the column is absent, or carries nothing the rule can use.
    effect : str
        What the rule then does, for the warning (``{value}`` is the parameter's value).
    """

    table: str
    column: str
    parameter: str
    active: Callable
    missing: Callable
    effect: str


def _value(policy, key: str):
    """A parameter's value by its policy key (None when unset or still "required")."""
    v = policy.params().get(key)
    return None if v is REQUIRED else v


def _blank(df: pd.DataFrame, column: str) -> bool:
    """The column is absent, or has no value in any row."""
    if column not in df.columns:
        return True
    col = df[column]
    return bool(col.isna().all() or col.astype(str).str.strip().isin(["", "nan", "<NA>", "None"]).all())


def _never_true(df: pd.DataFrame, column: str) -> bool:
    """A yes/no column that is absent or says no for everyone."""
    return column not in df.columns or not df[column].fillna(False).astype(bool).any()


def _has_leaders(problem, policy) -> bool:
    roles = problem.teachers["role"] if "role" in problem.teachers.columns else pd.Series(dtype=object)
    return bool(roles.isin(list(policy.eligibility.leader_roles)).any())


COLUMN_RULES: tuple[ColumnRule, ...] = (
    ColumnRule("teachers", "backbone", "backbone_min_share",
               lambda pol: (_value(pol, "backbone_min_share") or 0) > 0,
               lambda p: _never_true(p.teachers, "backbone"),
               "backbone teachers must be at least {value:.0%} of those a school sends, so no school can "
               "send anyone"),
    ColumnRule("teachers", "backbone", "weak_school_min_backbone",
               lambda pol: (_value(pol, "weak_school_min_backbone") or 0) > 0,
               lambda p: _never_true(p.teachers, "backbone"),
               "a weak school must receive at least {value} backbone teacher(s), so no weak school can "
               "receive anyone"),
    ColumnRule("teachers", "volunteer", "requires_application",
               lambda pol: bool(_value(pol, "requires_application")),
               lambda p: _never_true(p.teachers, "volunteer"),
               "only teachers who applied may rotate, so every teacher is ineligible"),
    ColumnRule("teachers", "title", "min_title",
               lambda pol: _value(pol, "min_title") is not None and not (
                   _value(pol, "honour_min_level") is not None and _value(pol, "title_or_honour")),
               lambda p: "title" not in p.teachers.columns or (p.teachers["title"] == "none").all(),
               "a title of at least {value} is required, so every teacher is ineligible"),
    ColumnRule("teachers", "years_in_post", "leader_min_years_in_post",
               lambda pol: (_value(pol, "leader_min_years_in_post") or 0) > 0,
               lambda p: _blank(p.teachers, "years_in_post"),
               "a leader must have held the post {value:g} years, so every leader reads 0 years and is "
               "ineligible"),
    ColumnRule("schools", "pair_id", "to_pair_only",
               lambda pol: bool(_value(pol, "to_pair_only")),
               lambda p: _blank(p.schools, "pair_id"),
               "teachers go only to their school's counterpart, so nobody can be sent"),
    ColumnRule("schools", "students", "students_per_teacher_floor",
               lambda pol: _value(pol, "students_per_teacher_floor") is not None,
               lambda p: _blank(p.schools, "students"),
               "the staffing floor (one teacher per {value:g} students) cannot be checked, so it is not "
               "enforced"),
    ColumnRule("schools", "township", "group_min_share",
               lambda pol: (_value(pol, "group_min_share") is not None
                            and _value(pol, "quota_group") == "township"),
               lambda p: _blank(p.schools, "township"),
               "the township quota ({value:.0%} of each township's mandatory teachers) counts the whole "
               "county as one township"),
)


def missing_columns(problem, policy) -> list[str]:
    """One sentence per optional column a rule of ``policy`` needs and ``problem`` lacks (see module doc).

    Examples
    --------
    >>> import pandas as pd, teacher_match as tm
    >>> t = pd.DataFrame({"teacher_id": ["T1"], "school_id": ["S1"], "subject": ["math"], "gender": ["F"],
    ...                   "age": [40], "years_at_school": [8]})
    >>> s = pd.DataFrame({"school_id": ["S1", "S2"], "category": ["urban", "rural"],
    ...                   "x": [0, 5], "y": [0, 0]})
    >>> p = tm.Problem.from_frames(t, s)
    >>> missing_columns(p, tm.load_policy("default").with_(backbone_min_share=0.2))[0][:60]
    "teachers (DataFrame) has no backbone teacher (column 'backbo"
    """
    from .schema import TABLES

    out = []
    for rule in COLUMN_RULES:
        if not rule.active(policy) or not rule.missing(problem):
            continue
        col = next(c for c in TABLES[rule.table] if c.name == rule.column)
        header = f"'{rule.column}'" + (f" [{col.aliases[0]}]" if col.aliases else "")
        source = problem.sources.get(rule.table, rule.table)
        what = {"backbone": "no backbone teacher", "volunteer": "no teacher who applied",
                "title": "no teacher with a title"}.get(rule.column, f"no {rule.column} value")
        value = _value(policy, rule.parameter)
        out.append(f"{source} has {what} (column {header} missing or empty) and {rule.parameter} = "
                   f"{value!r}: " + rule.effect.format(value=value)
                   + f" — add the column {header}, or change {rule.parameter}")
    return out

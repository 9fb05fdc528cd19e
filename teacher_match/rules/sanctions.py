"""Hard rule (checked): a refuser stays, and each teacher's sanction is the one the exchange record sets.

The roster's record of a teacher's exchange (optional columns ``refused`` [不服从交流], ``term_incomplete``
[未完成服务期], ``exchange_failed`` [交流考核不合格], ``absence_days`` [擅自缺勤天数], ``absence_days_year``
[年累计缺勤天数], ``paid_substitute`` [以钱代教]) decides, for every teacher t:

    refused(t) ∧ due(t)  ⇒  x[t, s] = 0 for every s, and every planned mode's y[t, ·, ·] = 0      (stays)
    failed(t) ∧ movable(t) ∧ failed_continues  ⇒  Σ_s x[t, s] = 1                   (continues, CS-SA1)
    failed(t) = exchange_failed(t) ∨ absence_days(t) > D ∨ absence_days_year(t) > Y ∨ paid_substitute(t)
    sanction(t) ∋ refusal     if refused(t) ∧ due(t):  高职低聘, no awards for N_refusal years (CD-SA1)
    sanction(t) ∋ incomplete  if term_incomplete(t):  lowest grade, N_incomplete years without 优秀 (CD-SA2)
    sanction(t) ∋ failure     if failed(t):           title delayed N_failed years (CD-SA3), no
                                                      intermediate / senior title evaluation (CS-SA1),
                                                      returned and rated 不合格 (T-SA1)

``due`` is a mandatory or eligible status; D and Y are strict (超过: 10 days is no fail, 11 is; CS-EV1). The
plan states each teacher's ``exchange_failed`` (when the policy reads failures) and ``sanction`` (the parts
in Chinese with their rule's numbers; blank when none); the checker recomputes both from the roster and flags
a refuser who moves. A policy sets only the parts its source has (``None`` / ``false``: not read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..eligibility import roster_flag, roster_number
from ..params import param
from .contract import CheckData, Facts, Key, PlanState, PruneData, Stage, StayTest, Usage, Violation, key

RULE_ID = "sanctions"
SECTION = "rules"
#: place in the registry: build order, and the order of equal-stage stay reasons and schools-table columns
ORDER = 105
TITLE = "refusals and sanctions from the exchange record"
TITLE_ZH = "拒绝交流与考核处理"
assignment_words = None
shortfalls = None
TERMS: dict[str, tuple[int, str]] = {}
term_values = None
#: the plan's columns this rule writes (assignments)
COLUMNS = ("exchange_failed", "sanction")


@dataclass(frozen=True)
class Sanctions:
    """What a refusal, an unfinished term or a failed exchange brings (policy section ``[rules]``)."""

    refusal_no_awards_years: int | None = param(
        None, "int", "a due teacher who refused (refused, 不服从交流) stays; after the contract "
        "高职低聘 and no awards for this many years")
    incomplete_no_excellent_years: int | None = param(
        None, "int", "a teacher who did not complete the service period (term_incomplete) is re-appointed "
        "at the lowest grade and rated no better than 合格 for this many years")
    failed_title_delay_years: int | None = param(
        None, "int", "a teacher who failed the exchange (exchange_failed or the absence rule) waits this "
        "many more years for the next title promotion")
    failed_no_title_evaluation: bool = param(
        False, "bool", "a teacher who failed the exchange may not take part in the intermediate / senior "
        "title evaluation")
    failed_continues: bool = param(
        False, "bool", "a movable teacher who failed the exchange is sent again this year (并继续支教)")
    failed_returned: bool = param(
        False, "bool", "a teacher who failed the exchange is returned to the home school, rated 不合格 "
        "for the year and handled up to dismissal")
    auto_fail_absence_days: int | None = param(
        None, "int", "unauthorised absence above this many days at a stretch fails the exchange (超过, "
        "strict); paying another to teach (paid_substitute) fails it too")
    auto_fail_absence_days_year: int | None = param(
        None, "int", "unauthorised absence above this many days in the year fails the exchange "
        "(超过, strict)")

    def reads_failures(self) -> bool:
        """Whether the policy sets a consequence of a failed exchange."""
        return (self.failed_title_delay_years is not None or self.failed_no_title_evaluation
                or self.failed_returned or self.failed_continues)


#: the rule's parameters (a policy section's keys)
PARAMS = Sanctions


def refusing(teachers: pd.DataFrame, status: np.ndarray, rule: Sanctions) -> np.ndarray:
    """Teachers due to rotate who refused, when the policy reads refusals: they stay."""
    if rule.refusal_no_awards_years is None:
        return np.zeros(len(teachers), dtype=bool)
    return roster_flag(teachers, "refused") & np.isin(status, ["mandatory", "eligible"])


def failed(teachers: pd.DataFrame, rule: Sanctions) -> np.ndarray:
    """Whether each teacher's exchange failed: the recorded fail, or the absence rule (strict thresholds)."""
    out = roster_flag(teachers, "exchange_failed")
    if rule.auto_fail_absence_days is not None or rule.auto_fail_absence_days_year is not None:
        out = out | roster_flag(teachers, "paid_substitute")
        if rule.auto_fail_absence_days is not None:
            out = out | (roster_number(teachers, "absence_days", 0.0) > rule.auto_fail_absence_days)
        if rule.auto_fail_absence_days_year is not None:
            year = roster_number(teachers, "absence_days_year", 0.0)
            out = out | (year > rule.auto_fail_absence_days_year)
    return out


def sanction_texts(teachers: pd.DataFrame, status: np.ndarray, rule: Sanctions) -> list[str | None]:
    """Each teacher's sanction in words (Chinese, with the numbers), None when the record sets none."""
    refused = refusing(teachers, status, rule)
    incomplete = (roster_flag(teachers, "term_incomplete") if rule.incomplete_no_excellent_years is not None
                  else np.zeros(len(teachers), dtype=bool))
    fail = failed(teachers, rule) if rule.reads_failures() else np.zeros(len(teachers), dtype=bool)
    out: list[str | None] = []
    for i in range(len(teachers)):
        parts = []
        if refused[i]:
            parts.append(f"不服从交流: 聘期满后高职低聘, {rule.refusal_no_awards_years}年内不得评优评先")
        if incomplete[i]:
            parts.append(f"未完成服务期: 按现聘等级最低档次聘用, "
                         f"{rule.incomplete_no_excellent_years}年内考核不得评为优秀, 不得评优评先")
        if fail[i]:
            what = []
            if rule.failed_returned:
                what.append("退回原单位, 年度考核视为不合格档次, 按相关要求处理直至解聘")
            if rule.failed_title_delay_years is not None:
                what.append(f"职称晋升推迟{rule.failed_title_delay_years}年, 不得申报优秀教师")
            if rule.failed_no_title_evaluation:
                what.append("不得参加中、高级职称评审")
            if rule.failed_continues:
                what.append("继续支教")
            parts.append("交流考核不合格: " + ", ".join(what))
        out.append("; ".join(parts) if parts else None)
    return out


def plan_columns(problem: Any, policy: Any, status: np.ndarray) -> dict[str, Any]:
    """The plan's ``exchange_failed`` (when the policy reads failures) and ``sanction`` columns."""
    rule = policy.rule(RULE_ID)
    t = problem.teachers
    cols: dict[str, Any] = {}
    if rule.reads_failures():
        cols["exchange_failed"] = failed(t, rule)
    if rule.reads_failures() or rule.refusal_no_awards_years is not None or \
            rule.incomplete_no_excellent_years is not None:
        cols["sanction"] = pd.array(sanction_texts(t, status, rule), dtype="object")
    return cols


def continuing(teachers: pd.DataFrame, status: np.ndarray, rule: Sanctions) -> np.ndarray:
    """Movable teachers who failed and are sent again this year (``failed_continues``)."""
    if not rule.failed_continues:
        return np.zeros(len(teachers), dtype=bool)
    return failed(teachers, rule) & np.isin(status, ["mandatory", "eligible"])


def class_key(teachers, schools, rule: Sanctions) -> list:
    """Refusers apart from the others (they have no candidate school); a teacher sent again is one alone."""
    keys = []
    if rule.refusal_no_awards_years is not None:
        keys.append(roster_flag(teachers, "refused"))
    if rule.failed_continues:
        keys.append(np.where(failed(teachers, rule), np.arange(len(teachers)), -1))
    return keys


def prune(pairs: Any, rule: Sanctions, data: PruneData) -> np.ndarray:
    """No pair for a due teacher who refused (candidate pairs are of movable teachers only)."""
    if rule.refusal_no_awards_years is None:
        return np.ones(len(pairs), dtype=bool)
    return ~roster_flag(data.problem.teachers, "refused")[pairs["t"].to_numpy()]


def build(ctx: Any, rule: Sanctions) -> None:
    """A movable teacher who failed moves (``failed_continues``); a refuser has no pair (see ``prune``)."""
    again = continuing(ctx.teachers, ctx.teachers["status"].to_numpy(), rule)
    if not again.any():
        return
    by_t = ctx.groups("t")
    tid = ctx.teachers["teacher_id"].astype(str).to_numpy()
    for t in np.flatnonzero(again).tolist():
        ctx.add(RULE_ID, key("continues", teacher=tid[t]), ctx.xsum(by_t.get(t, [])) == 1)


def check(chk: CheckData, rule: Sanctions) -> list[Violation]:
    """No refuser moves; the plan's ``exchange_failed`` and ``sanction`` are those of the record."""
    # roster order, every move of the plan in any mode (a teacher missing from the plan stays)
    t = chk.teachers
    a = chk.assignments.drop_duplicates("teacher_id").set_index("teacher_id")
    status = t["status"].to_numpy()
    out: list[Violation] = []
    refused = refusing(t, status, rule)
    moved = a["moves"].reindex(t["teacher_id"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    tid = t["teacher_id"].astype(str).to_numpy()
    out += [(RULE_ID, key("refused", teacher=tid[i]), f"{tid[i]} refused the exchange (不服从交流) but moves")
            for i in np.flatnonzero(refused & moved)]
    out += [(RULE_ID, key("continues", teacher=tid[i]), f"{tid[i]} failed the exchange and is sent again "
             f"(并继续支教), but stays") for i in np.flatnonzero(continuing(t, status, rule) & ~moved)]
    want = plan_columns(chk.problem, chk.policy, status)
    for col, values in want.items():
        if col not in a.columns:
            out.append((RULE_ID, key(col), f"the plan has no {col} column"))
            continue
        got = t["teacher_id"].map(a[col]).to_numpy(dtype=object)
        for i, (g, w) in enumerate(zip(got, np.asarray(values, dtype=object), strict=True)):
            same = (pd.isna(g) and pd.isna(w)) if (pd.isna(g) or pd.isna(w)) else \
                (bool(g) == bool(w) if col == "exchange_failed" else str(g) == str(w))
            if not same:
                out.append((RULE_ID, key(col, teacher=tid[i]), f"{tid[i]}: {col} is {g!r}, the record sets "
                            f"{w!r}"))
    return out


# ---------------------------------------------------------------------- words
def binding_words(f: Facts, rule: Sanctions, k: Key, usage: Usage | None) -> tuple[str, str]:
    """A teacher sent again after a failed exchange; else (refusers have no pair) the rule in words."""
    if "continues" in k:
        who = k.get("teacher")
        return (f"{who} failed the exchange and is sent again this year (并继续支教)",
                f"{who} 交流考核不合格, 本年继续支教")
    return ("a due teacher who refused the exchange stays, with the sanction the policy sets",
            "不服从交流的教师不安排交流, 按规定处理")


def stays(state: PlanState, rule: Sanctions) -> list[StayTest]:
    """A due teacher who refused stays (their sanction is in the plan's ``sanction`` column)."""
    refused = refusing(state.problem.teachers, state.status, rule)

    def refusal(t: int) -> str | None:
        if not refused[t]:
            return None
        return (f"refused the exchange (不服从交流): stays; 高职低聘 after the contract and no awards for "
                f"{rule.refusal_no_awards_years} years")

    return [StayTest(Stage.SCHOOL, refusal)]


def pair_words(f: Facts, rule: Sanctions, t: int, s: int, km: float) -> str:
    """The teacher refused the exchange."""
    return f"{f.tid[t]} refused the exchange (不服从交流)"


def teacher_words(f: Facts, rule: Sanctions, t: int, km: np.ndarray) -> tuple[str, str]:
    """The teacher refused the exchange: no school is open to them."""
    return (f"{f.tid[t]} refused the exchange (不服从交流)", f"{f.tid[t]} 不服从交流安排")


def school_columns(state: PlanState, rule: Sanctions) -> dict[str, Any]:
    """No schools-table column."""
    return {}

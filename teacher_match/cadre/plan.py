"""The cadre plan: one row per cadre with its action and reason, seats, posting places, publicity lists.

Actions: ``stay``, ``rotation`` (轮岗: another seat in the same unit), ``exchange`` (交流: a seat in another
unit; the personnel relation moves), ``down_posting`` / ``up_posting`` (下派/上派: a term at a unit of the
other level; 编制性质、身份、职级和工资福利渠道 kept, the home seat kept).

The publicity (公示) lists follow the county's forms (003 篇3): 表二 rotated, 表三 exchanged, the postings,
表四 eligible but deferred (暂缓交流), 表五 eligible but not exchanged (不交流). Private detail (a deferral's
reason) is never published: the list shows a neutral category, as the teacher publicity does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..output_files import (
    PLAN_SUFFIXES,
    atomic_write,
    check_output,
    csv_safe,
    csv_unsafe,
    remember_input,
    text_cells_as_text,
)
from .policy import CadrePolicy
from .tables import CadreRoster

__all__ = ["CadrePlan", "build_cadre_plan", "ACTION_ZH", "ASSIGNMENT_COLUMNS", "publicity_period",
           "REFUSAL_CONSEQUENCE"]

ACTION_ZH = {"stay": "留任", "rotation": "轮岗", "exchange": "交流", "down_posting": "下派",
             "up_posting": "上派"}
ASSIGNMENT_COLUMNS = ["person_id", "name", "unit_id", "post", "grade", "status", "action", "to_unit_id",
                      "to_post", "seat", "term_years", "relation", "refusal_consequence", "filing", "reason"]
REFUSAL_CONSEQUENCE = {
    True: "原则上不再做领导职务安排,报组织人事部门备案 (no leadership post again; reported for filing)",
    False: "recorded (不服从交流); the source states no consequence",
}
FILING = "按管理权限预审备案 (pre-review filing)"
RELATION_KEPT = "编制性质、身份、职级和工资福利渠道不变 (kept)"
RELATION_MOVED = "人事关系随转 (moves with the cadre)"


@dataclass
class CadrePlan:
    """The result of :func:`teacher_match.cadre.solve`.

    Attributes
    ----------
    assignments : DataFrame
        One row per input cadre: ``person_id, name, unit_id, post, grade, status, action, to_unit_id, to_post,
        seat, term_years, relation, refusal_consequence, reason``.
    seats : DataFrame
        ``seat, unit_id, post, grade, holder_before, holder_after, empty``.
    places : DataFrame
        ``unit_id, level, posting_places, filled, unfilled``.
    status, objective, bound, gap, wall_time_s
        As for teacher plans: OPTIMAL / FEASIBLE / INFEASIBLE / UNKNOWN; gap = (objective − bound) /
        max(1, |objective|).
    """

    assignments: pd.DataFrame
    seats: pd.DataFrame
    places: pd.DataFrame
    status: str
    objective: float
    bound: float
    gap: float
    wall_time_s: float
    policy_id: str = ""
    publicity_days: int | None = None
    solver_info: dict = field(default_factory=dict)
    diagnosis: list = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        """A plan was found (OPTIMAL or FEASIBLE)."""
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def moved(self) -> pd.DataFrame:
        """Assignments of the cadres who move or are posted."""
        return self.assignments[self.assignments["action"] != "stay"]

    def totals(self) -> dict:
        """Headline numbers: cadres, due, deferred, refused, per action, seats empty, places unfilled."""
        a = self.assignments
        due = a["status"] == "due"
        return {"cadres": len(a), "due": int(due.sum()),
                "due_left": int((due & (a["action"] == "stay")).sum()),
                "deferred": int((a["status"] == "deferred").sum()),
                "refused": int((a["status"] == "refused").sum()),
                **{k: int((a["action"] == k).sum()) for k in ACTION_ZH if k != "stay"},
                "seats_empty": int(self.seats["empty"].sum()),
                "places_unfilled": int(self.places["unfilled"].sum()),
                "status": self.status, "objective": self.objective, "bound": self.bound, "gap": self.gap}

    def summary(self) -> str:
        """Plain text: what is short first, then the counts."""
        t = self.totals()
        lines = []
        if not self.has_plan:
            lines.append(f"NO PLAN ({self.status}): " + ("; ".join(self.diagnosis) or "time limit reached"))
        if t["due_left"]:
            lines.append(f"SHORT: {t['due_left']} of {t['due']} due cadres left in place (表五 eligible "
                         f"but not exchanged)")
        if t["places_unfilled"]:
            total = int(self.places["posting_places"].sum())
            lines.append(f"SHORT: {t['places_unfilled']} of {total} posting places unfilled")
        rows = [("policy", self.policy_id), ("cadres", f"{t['cadres']:,}"),
                ("due / deferred / refused", f"{t['due']} / {t['deferred']} / {t['refused']}"),
                ("rotated (轮岗) / exchanged (交流)", f"{t['rotation']} / {t['exchange']}"),
                ("sent down (下派) / up (上派)", f"{t['down_posting']} / {t['up_posting']}"),
                ("seats left empty", f"{t['seats_empty']}"),
                ("status", self.status), ("objective", _fmt(self.objective)), ("bound", _fmt(self.bound)),
                ("gap", "—" if not np.isfinite(self.gap) else f"{self.gap:.2%}"),
                ("wall time", f"{self.wall_time_s:.1f} s")]
        width = max(len(k) for k, _ in rows)
        return "\n".join(lines + [f"{k:<{width}}  {v}" for k, v in rows])

    def __repr__(self) -> str:  # noqa: D105
        n, moved = len(self.assignments), len(self.moved)
        return f"CadrePlan({self.policy_id}: {self.status}, {moved} of {n} move)"

    # ------------------------------------------------------------------ publicity
    def publicity(self, start: dt.date | str | None = None) -> dict[str, pd.DataFrame]:
        """The publicity lists (公示名单), by sheet name; ``公示期`` says the period.

        With a start date and the policy's ``publicity_days``, the period ends ``days − 1`` days later
        (7 days from 3 July: 3–9 July inclusive).
        """
        a = self.assignments
        stays = a["action"] == "stay"

        def listing(mask, category=None) -> pd.DataFrame:
            d = a[mask]
            if isinstance(category, pd.Series):
                category = category[mask]
            return pd.DataFrame({
                "干部编号": d["person_id"], "姓名": d["name"], "原单位": d["unit_id"], "原岗位": d["post"],
                "职级": d["grade"], "方式": d["action"].map(ACTION_ZH),
                "拟交流单位": d["to_unit_id"].fillna(""), "拟任岗位": d["to_post"].fillna(""),
                "期限(年)": d["term_years"],
                "类别": category if category is not None else d["action"].map(ACTION_ZH),
            }).reset_index(drop=True)

        out = {
            "表二 轮岗": listing(a["action"] == "rotation"),
            "表三 交流": listing(a["action"] == "exchange"),
            "上派下派": listing(a["action"].isin(["down_posting", "up_posting"])),
            "表四 暂缓交流": listing(a["status"] == "deferred", "按规定暂缓"),
            "表五 不交流": listing(((a["status"] == "due") & stays) | (a["status"] == "refused"),
                                  a["status"].map({"due": "符合交流条件但未安排", "refused": "不服从交流"})),
        }
        out["公示期"] = pd.DataFrame({"项目": ["公示天数", "开始", "结束"],
                                     "内容": list(publicity_period(self.publicity_days, start))})
        return out

    # ------------------------------------------------------------------ files
    def to_excel(self, path: str | Path, publicity_start: dt.date | str | None = None) -> Path:
        """Write every table and the publicity lists to one workbook (checked first, written whole)."""
        target = check_output(path, (".xlsx",), what="the cadre plan")
        with atomic_write(target, "the cadre plan") as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            self.assignments.to_excel(xw, sheet_name="assignments", index=False)
            self.seats.to_excel(xw, sheet_name="seats", index=False)
            self.places.to_excel(xw, sheet_name="places", index=False)
            for name, df in self.publicity(publicity_start).items():
                df.to_excel(xw, sheet_name=name, index=False)
            summary = pd.DataFrame({"summary": self.summary().splitlines()})
            summary.to_excel(xw, sheet_name="summary", index=False)
            text_cells_as_text(xw.book)
        return target

    def to_csv(self, path: str | Path) -> Path:
        """Write the assignments as csv (formula-like text cells escaped)."""
        target = check_output(path, (".csv",), what="the cadre plan")
        with atomic_write(target, "the cadre plan") as tmp:
            csv_safe(self.assignments).to_csv(tmp, index=False, encoding="utf-8-sig")
        return target

    def write(self, path: str | Path, publicity_start=None) -> Path:
        """``to_excel`` for ``.xlsx``, ``to_csv`` for ``.csv``."""
        check_output(path, PLAN_SUFFIXES, what="the cadre plan")
        if str(path).lower().endswith(".xlsx"):
            return self.to_excel(path, publicity_start)
        return self.to_csv(path)

    @staticmethod
    def read_assignments(path: str | Path) -> pd.DataFrame:
        """The assignments of a cadre plan file written by :meth:`write` (for ``check``)."""
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: plan file does not exist")
        try:
            if p.suffix.lower() == ".xlsx":
                a = pd.read_excel(p, sheet_name="assignments", dtype=object)
            elif p.suffix.lower() == ".csv":
                a = csv_unsafe(pd.read_csv(p, dtype=object, encoding="utf-8-sig", keep_default_na=False,
                                           na_values=[""]))
            else:
                raise InputError(f"{p.name}: a cadre plan is read from .xlsx or .csv")
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure is one readable message
            raise InputError(f"{p.name}: cannot read the plan's assignments ({type(exc).__name__}: {exc})") \
                from None
        missing = [c for c in ASSIGNMENT_COLUMNS if c not in a.columns]
        if missing:
            raise InputError(f"{p.name}: not a cadre plan — columns {', '.join(missing)} are missing")
        remember_input(p)
        a = a.astype(object).where(a.notna(), None)
        for col in ("person_id", "unit_id", "to_unit_id", "seat"):
            a[col] = a[col].map(lambda v: None if v is None else str(v))
        a["term_years"] = pd.to_numeric(a["term_years"], errors="coerce")
        return a


def publicity_period(days: int | None, start: dt.date | str | None) -> tuple[str, str, str]:
    """``(days, first day, last day)`` as text; the last day is ``start + days − 1`` (inclusive count).

    Examples
    --------
    >>> publicity_period(7, "2025-07-03")
    ('7', '2025-07-03', '2025-07-09')
    >>> publicity_period(None, None)
    ('not given by the source', '', '')
    """
    if days is None:
        return ("not given by the source", str(start or ""), "")
    if start is None:
        return (str(days), "", "")
    try:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    except ValueError:
        raise InputError(f"publicity start {start!r} is not a date (write it as 2025-07-03)") from None
    return (str(days), first.isoformat(), (first + dt.timedelta(days=days - 1)).isoformat())


def _kin_conflicts(roster: CadreRoster) -> dict[str, str]:
    """Cadre → why kinship avoidance asks them or a relative to move, as a reason's tail.

    Relatives in one unit, or in a unit and the unit supervising it, before the plan.
    """
    unit_of = dict(zip(roster.cadres["person_id"], roster.cadres["unit_id"], strict=True))
    pairs = roster.supervising_pairs()
    out: dict[str, str] = {}
    for a, b in zip(roster.relatives["person_id"], roster.relatives["relative_id"], strict=True):
        ua, ub = unit_of[a], unit_of[b]
        if ua == ub or frozenset((ua, ub)) in pairs:
            where = f"both in {ua}" if ua == ub else f"in {ua} and {ub}, one supervising the other"
            for i, j in ((a, b), (b, a)):
                out[i] = f"; kinship avoidance (回避): relative {j}, {where}"
    return out


def _fmt(v) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:,.3f}"


def build_cadre_plan(roster: CadreRoster, policy: CadrePolicy, st: pd.DataFrame, seats_taken: dict[str, str],
                     postings: dict[str, str], *, status: str, objective: float, bound: float, gap: float,
                     wall_time_s: float, solver_info: dict, diagnosis: list) -> CadrePlan:
    """Turn the chosen seats and postings into a :class:`CadrePlan` (one row per cadre, a reason each)."""
    p = policy.params
    c = roster.cadres.reset_index(drop=True)
    seats = roster.seats().set_index("seat", drop=False)
    rows = []
    srec = st.set_index("person_id")
    conflicts = _kin_conflicts(roster) if p["kinship_avoidance"] else {}
    u = roster.units
    filed_units = set(u.loc[u["deputy_section_level"].astype(bool), "unit_id"]) if p["pre_review_filing"] \
        else set()
    for rec in c.itertuples(index=False):
        i = rec.person_id
        s = srec.loc[i]
        base = {"person_id": i, "name": rec.name, "unit_id": rec.unit_id, "post": rec.post,
                "grade": rec.grade,
                "status": s["status"], "action": "stay", "to_unit_id": None, "to_post": None, "seat": None,
                "term_years": np.nan, "relation": "", "refusal_consequence": "", "filing": "", "reason": ""}
        if i in seats_taken:
            seat = seats.loc[seats_taken[i]]
            action = "rotation" if seat["unit_id"] == rec.unit_id else "exchange"
            holder = seat["holder"]
            freed = f"freed by {holder}" if holder is not None and not pd.isna(holder) else "a vacancy"
            base.update(action=action, to_unit_id=seat["unit_id"], to_post=seat["post"], seat=seat["seat"],
                        relation=RELATION_MOVED if action == "exchange" else "",
                        reason=f"{ACTION_ZH[action]} ({action}): {s['reason']}; takes the {seat['post']} "
                               f"seat {seat['seat']} in {seat['unit_id']} ({freed})" + conflicts.get(i, ""))
        elif i in postings:
            action = "down_posting" if s["posting"] == "down" else "up_posting"
            why = ("reserve candidate without grassroots leadership experience, sent down first (YL-SE1)"
                   if s["priority"] else f"{rec.grade} cadre, posted as needed")
            base.update(action=action, to_unit_id=postings[i], term_years=float(p["posting_term_years"]),
                        relation=RELATION_KEPT,
                        reason=f"{ACTION_ZH[action]} ({action}) to {postings[i]} for "
                               f"{p['posting_term_years']:g} years: {why}; keeps the home seat")
        else:
            if s["status"] == "refused":
                base["refusal_consequence"] = REFUSAL_CONSEQUENCE[bool(p["refusal_bars_leadership"])]
                base["reason"] = f"stays: {s['reason']}; consequence: {base['refusal_consequence']}"
            elif s["status"] == "deferred":
                base["reason"] = f"stays (表四 eligible but deferred): {s['reason']}"
            elif s["status"] == "due":
                base["reason"] = (f"stays (表五 eligible but not exchanged): {s['reason']}; no seat of grade "
                                  f"{rec.grade} could be freed at a lower cost under the policy's weights"
                                  if status in ("OPTIMAL", "FEASIBLE") else f"stays: no plan ({status})")
            else:
                base["reason"] = f"stays: {s['reason']}" + (
                    "; priority for a down-posting (YL-SE1) but no place was open to them" if s["priority"]
                    else "")
        if base["action"] != "stay" and rec.grade == "senior" and rec.unit_id in filed_units:
            base["filing"] = FILING
        rows.append(base)
    a = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    taken_by = {seat: i for i, seat in seats_taken.items()}
    moved_off = set(seats_taken)
    sv = roster.seats()
    after: list[str | None] = []
    for seat, holder in zip(sv["seat"], sv["holder"], strict=True):
        if seat in taken_by:
            after.append(taken_by[seat])
        elif holder is not None and not pd.isna(holder) and holder not in moved_off:
            after.append(holder)
        else:
            after.append(None)
    seats_out = pd.DataFrame({"seat": sv["seat"], "unit_id": sv["unit_id"], "post": sv["post"],
                              "grade": sv["grade"], "holder_before": sv["holder"], "holder_after": after})
    seats_out["empty"] = seats_out["holder_after"].isna()
    u = roster.units
    filled = pd.Series(list(postings.values()), dtype=object).value_counts()
    places = pd.DataFrame({"unit_id": u["unit_id"], "level": u["level"],
                           "posting_places": u["posting_places"]})
    places["filled"] = places["unit_id"].map(filled).fillna(0).astype(int)
    places["unfilled"] = (places["posting_places"] - places["filled"]).clip(lower=0) if p["posting_grades"] \
        else 0
    return CadrePlan(a, seats_out, places, status, objective, bound, gap, wall_time_s, policy.id,
                     p["publicity_days"], solver_info, list(diagnosis))

"""Publicity list (公示名单): who rotates where, who leaves each school, who is deferred, why (category only).

A bureau publishes the plan before it takes effect. Three views, all with Chinese headers:

* ``receiving`` — per receiving school: teacher, school of origin, subject, mode, exchange period;
* ``sending`` — per sending school: who leaves, to where;
* ``exempt`` — teachers whose rotation is deferred, with a *public category* only. The roster's private detail
  (pregnancy, illness, disability, investigation …) never appears: each exemption maps to a neutral category.
"""

from __future__ import annotations

import pandas as pd

from .errors import InputError
from .vocabulary import zh_subject

__all__ = ["publicity_table", "write_publicity_sheet", "reasons_table", "PUBLIC_CATEGORY", "MODE_ZH"]

MODE_ZH = {"rotation": "交流轮岗", "support": "支教", "itinerant": "走教", "upward_study": "跟岗学习",
           "paired": "结对交流", "diversion": "分流", "shadow_study": "跟岗学习", "competitive": "竞岗",
           "central_school": "学区调配"}

#: exemption name → the category published (neutral: no medical or disciplinary detail)
PUBLIC_CATEGORY = {
    "pregnant_or_nursing": "个人或家庭特殊情况",
    "serious_illness": "个人或家庭特殊情况",
    "severe_disability": "个人或家庭特殊情况",
    "family_care": "个人或家庭特殊情况",
    "family_hospital": "个人或家庭特殊情况",
    "child_exam_this_year": "个人或家庭特殊情况",
    "under_investigation": "按规定暂缓",
    "recent_exchange": "近年已参加交流",
    "recent_secondment": "近年已借用或上挂",
    "recent_support": "近年已参加支教",
}
_DEFAULT_CATEGORY = "按规定暂缓"


def _category(reason) -> str:
    """``"exempt: serious_illness — …"`` → the public category of ``serious_illness``."""
    text = str(reason)
    if text.startswith("exempt:"):
        name = text[len("exempt:"):].split("—")[0].split(";")[0].strip()
        return PUBLIC_CATEGORY.get(name, _DEFAULT_CATEGORY)
    return _DEFAULT_CATEGORY


def _years_zh(years: float) -> str:
    """A term in the publicity list: whole years as years, a part of a year in months (挂职学习 一个月)."""
    return f"{years:g} 年" if float(years).is_integer() else f"{round(years * 12):g} 个月"


def publicity_table(assignments: pd.DataFrame, view: str = "receiving",
                    duration: str | None = None) -> pd.DataFrame:
    """One view of the publicity list (see the module docstring).

    The assignments of a province (with a ``county`` column) give each county's list in turn, under a
    first column 县区.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"teacher_id": ["T1", "T2"], "from_school_id": ["S1", "S1"],
    ...                   "to_school_id": ["R1", None], "moves": [True, False], "mode": ["rotation", None],
    ...                   "subject": ["math", "music"],
    ...                   "status": ["mandatory", "exempt"], "reason": ["", "exempt: serious_illness — x"]})
    >>> publicity_table(a)["交流学校"].tolist()
    ['R1']
    >>> publicity_table(a, "exempt")["暂缓类别"].tolist()
    ['个人或家庭特殊情况']
    """
    a = assignments
    has_name = "name" in a.columns
    if "county" in a.columns:
        # a province's list: each county's view, the county (县区) first
        parts = [_with_county(publicity_table(g.drop(columns="county"), view, duration), c)
                 for c, g in a.groupby("county", sort=True)]
        return (pd.concat(parts, ignore_index=True) if parts else
                _with_county(publicity_table(a.drop(columns="county"), view, duration), ""))
    if view == "exempt":
        e = a[a["status"] == "exempt"]
        out = pd.DataFrame({"学校": e["from_school_id"].to_numpy(), "教师编号": e["teacher_id"].to_numpy(),
                            "暂缓类别": [_category(r) for r in e["reason"]]})
        if has_name:
            out.insert(2, "姓名", e["name"].to_numpy())
        return out.sort_values(["学校", "教师编号"]).reset_index(drop=True)
    if view not in ("receiving", "sending"):
        raise InputError(f"view must be receiving, sending or exempt, got {view!r}")
    m = a[a["moves"].astype(bool)]
    if "term_years" in m.columns and "end_date" in m.columns:
        # a move of a rotation cycle: its term and its last day
        period = [f"{d:g} 年（至 {e}）" if pd.notna(d) else (duration or "按政策规定")
                  for d, e in zip(m["term_years"], m["end_date"], strict=True)]
    elif "term_years" in m.columns:
        # a plan of several modes: each move's term is its mode's (rules/modes.py)
        period = [_years_zh(d) if pd.notna(d) else (duration or "按政策规定") for d in m["term_years"]]
    elif "duration_years" in m.columns:
        period = [f"{d:g} 年" if pd.notna(d) else (duration or "按政策规定") for d in m["duration_years"]]
    else:
        period = [duration or "按政策规定"] * len(m)
    out = pd.DataFrame({
        "交流学校": m["to_school_id"].to_numpy(),
        "教师编号": m["teacher_id"].to_numpy(),
        "原学校": m["from_school_id"].to_numpy(),
        "学科": [zh_subject(j) for j in m["subject"]],
        "交流方式": [MODE_ZH.get(str(x), str(x)) for x in m["mode"]],
        "交流期限": period,
    })
    if has_name:
        out.insert(2, "姓名", m["name"].to_numpy())
    if "relation_moved" in m.columns:
        out["人事关系"] = ["随人调动" if v is True else "保留原单位" if v is False else "按政策规定"
                        for v in m["relation_moved"].astype(object).where(m["relation_moved"].notna(), None)]
    if "paid_by" in m.columns:
        out["经费承担"] = [{"sending": "派出学校", "receiving": "接收学校"}.get(str(v), "按政策规定")
                        for v in m["paid_by"]]
    if view == "receiving":
        return out.sort_values(["交流学校", "原学校", "教师编号"]).reset_index(drop=True)
    first = ["原学校", "教师编号"] + (["姓名"] if has_name else []) + ["交流学校"]
    out = out[first + [c for c in out.columns if c not in first]]
    return out.sort_values(["原学校", "交流学校", "教师编号"]).reset_index(drop=True)


def _with_county(table: pd.DataFrame, county: str) -> pd.DataFrame:
    table.insert(0, "县区", county)
    return table


def itinerant_publicity(itinerant: pd.DataFrame) -> pd.DataFrame:
    """The itinerant teachers (走教) by the school they teach at, in the publicity list's words.

    School, subject, teacher, home school (原单位), lessons a week.
    """
    it = itinerant.sort_values(["school_id", "subject", "teacher_id"], kind="stable")
    return pd.DataFrame({"走教学校": it["school_id"].to_numpy(),
                         "学科": [zh_subject(j) for j in it["subject"]],
                         "教师编号": it["teacher_id"].to_numpy(), "原单位": it["home_school_id"].to_numpy(),
                         "每周课时": it["lessons_per_week"].to_numpy()})


#: the numbers of the sheet's blocks
_NUMERALS = "一二三四五六七八九"


def write_publicity_sheet(xw: pd.ExcelWriter, assignments: pd.DataFrame, sheet: str = "公示名单",
                          itinerant: pd.DataFrame | None = None, notes: list[str] | None = None) -> None:
    """The three views stacked on one sheet, each under a title row (and the 走教 teachers when planned).

    ``notes`` (e.g. the published tie order, :meth:`teacher_match.tie_order.TieOrder.describe`) are stated
    last, one a row, under the title 说明.
    """
    blocks = [("交流教师名单（按接收学校）", publicity_table(assignments, "receiving")),
              ("派出教师名单（按派出学校）", publicity_table(assignments, "sending")),
              ("暂缓交流人员（仅列类别）", publicity_table(assignments, "exempt"))]
    if itinerant is not None:
        blocks.append(("走教教师名单（按走教学校）", itinerant_publicity(itinerant)))
    row = 0
    for i, (title, table) in enumerate(blocks):
        heading = pd.DataFrame({f"{_NUMERALS[i]}、{title}": []})
        heading.to_excel(xw, sheet_name=sheet, index=False, startrow=row)
        table.to_excel(xw, sheet_name=sheet, index=False, startrow=row + 1)
        row += len(table) + 3
    if notes:
        pd.DataFrame({f"{_NUMERALS[len(blocks)]}、说明": list(notes)}).to_excel(
            xw, sheet_name=sheet, index=False, startrow=row)


#: a decision of an explanation, as published
DECISION_ZH = {"rotates": "交流", "stays": "留任", "not movable": "不参与本轮交流", "no plan": "留任"}


def reasons_table(assignments: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """The reasons as published (sheet ``交流说明``): every teacher of the plan with the decision and why.

    ``reasons`` is the table of :func:`teacher_match.explain_all` (``teacher_id, decision, to_school_id,
    reason_zh``). A teacher whose rotation is deferred is given the public category of the exemption only
    (as in the publicity list), never the roster's detail.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"teacher_id": ["T1", "T2"], "from_school_id": ["S1", "S1"],
    ...                   "status": ["eligible", "exempt"], "reason": ["", "exempt: serious_illness — x"]})
    >>> r = pd.DataFrame({"teacher_id": ["T1", "T2"], "decision": ["rotates", "not movable"],
    ...                   "to_school_id": ["R1", None],
    ...                   "reason_zh": ["交流至 R1", "不参与本轮交流 — exempt: x"]})
    >>> reasons_table(a, r)["说明"].tolist()
    ['交流至 R1', '暂缓交流 — 个人或家庭特殊情况']
    """
    a = assignments.assign(teacher_id=assignments["teacher_id"].astype(str))
    r = reasons.assign(teacher_id=reasons["teacher_id"].astype(str)).set_index("teacher_id")
    r = r.reindex(a["teacher_id"])
    exempt = (a["status"] == "exempt").to_numpy()
    said = [f"暂缓交流 — {_category(why)}" if ex else str(zh)
            for ex, why, zh in zip(exempt, a["reason"], r["reason_zh"], strict=True)]
    out = pd.DataFrame({"教师编号": a["teacher_id"].to_numpy(), "原学校": a["from_school_id"].to_numpy(),
                        "决定": ["暂缓交流" if ex else DECISION_ZH.get(str(d), str(d))
                                 for ex, d in zip(exempt, r["decision"], strict=True)],
                        "交流学校": r["to_school_id"].to_numpy(), "说明": said})
    if "name" in a.columns:
        out.insert(1, "姓名", a["name"].to_numpy())
    return out.sort_values(["原学校", "教师编号"]).reset_index(drop=True)

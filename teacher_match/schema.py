"""Declared schema of the input tables and the validation that enforces it.

The schema (which columns, their types, Chinese aliases, accepted value aliases, plausible ranges) is data:
the ``TABLES`` registry below. :func:`normalize_table` is the validation backend: it renames aliased headers,
coerces every value, and *collects every problem* (file, row, column, problem) instead of stopping at the
first, so one run tells the planner everything to fix. No solver code lives here.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .dates import parse_roster_date

# the subject vocabulary (canonical names, Chinese names, spellings with stages) lives in its own module
from .subjects import KNOWN_SUBJECTS, SUBJECT_ALIASES, SUBJECT_ZH, normalize_subject

__all__ = ["Column", "TABLES", "TABLE_ALIASES", "TABLE_FILE_SUFFIXES", "OPTIONAL_TABLES", "EXCHANGE_MODES",
           "table_of_file", "normalize_table", "canon_text", "Issue", "SUBJECT_ALIASES", "KNOWN_SUBJECTS",
           "SUBJECT_ZH", "COUNTY_ALIASES", "register_table"]


@dataclass(frozen=True)
class Column:
    """One declared column: canonical name, kind, Chinese/English aliases, accepted values and range."""

    name: str
    kind: str  # id | str | int | float | bool | choice | date | idlist
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: dict[str, str] | None = None  # accepted spelling (normalised) -> canonical value
    min: float | None = None
    max: float | None = None
    replaced_by: str | None = None  # a date column that may stand in for this (required) column
    doc: str = ""


@dataclass(frozen=True)
class Issue:
    """One validation problem: where it is and what is wrong."""

    file: str
    row: object
    column: str
    problem: str


def canon_text(value: object) -> str:
    """Fold full-width characters (NFKC), trim spaces (also the ideographic space) and lower-case."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", " ", text).lower()


BOOL_VALUES = {
    **dict.fromkeys(["是", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "有", "对"], "true"),
    **dict.fromkeys(["否", "n", "no", "false", "f", "0", "0.0", "×", "无", "不是", "-"], "false"),
}
GENDER = {
    **dict.fromkeys(["男", "m", "male", "man"], "M"),
    **dict.fromkeys(["女", "f", "female", "woman"], "F"),
}
TITLE = {
    **dict.fromkeys(["senior", "高级", "副高", "正高", "副高级", "正高级", "高级教师", "特级"], "senior"),
    **dict.fromkeys(["intermediate", "中级", "一级", "一级教师", "中级教师"], "intermediate"),
    **dict.fromkeys(["junior", "初级", "二级", "三级", "二级教师", "三级教师", "初级教师"], "junior"),
    **dict.fromkeys(["none", "无", "未定级", "见习", ""], "none"),
}
ROLE = {
    **dict.fromkeys(["teacher", "教师", "专任教师", "普通教师"], "teacher"),
    **dict.fromkeys(["principal", "校长", "正校长", "书记", "党支部书记"], "principal"),
    **dict.fromkeys(["vice_principal", "vice principal", "副校长", "副书记"], "vice_principal"),
    **dict.fromkeys(
        ["middle_leader", "middle leader", "中层", "中层干部", "主任", "教导主任", "教务主任", "政教主任",
         "总务主任", "德育主任"],
        "middle_leader",
    ),
}
CATEGORY = {
    **dict.fromkeys(["urban", "城区", "城市", "县城", "城镇", "市区"], "urban"),
    **dict.fromkeys(["town", "镇", "乡镇", "镇区", "中心校"], "town"),
    **dict.fromkeys(["rural", "乡村", "农村", "乡"], "rural"),
    **dict.fromkeys(["village", "村小", "教学点", "村小教学点", "村小/教学点", "teaching_point"], "village"),
}
STRENGTH = {
    **dict.fromkeys(["strong", "优质", "强", "quality", "优"], "strong"),
    **dict.fromkeys(["normal", "一般", "普通", "中"], "normal"),
    **dict.fromkeys(["weak", "薄弱", "弱"], "weak"),
}
STAGE = {
    **dict.fromkeys(["primary", "小学"], "primary"),
    **dict.fromkeys(["junior", "初中", "中学"], "junior"),
    **dict.fromkeys(["nine_year", "九年一贯", "九年一贯制", "九年制"], "nine_year"),
}

#: headers of the county column (县区) of a province roster
COUNTY_ALIASES = ("县区", "县", "区县", "县市区", "所属县区", "县(区)", "县（区）")

_TEACHER = [
    Column("teacher_id", "id", True, ("教师编号", "工号", "教师id", "编号", "id"), doc="unique"),
    Column("school_id", "id", True, ("学校编号", "学校代码", "学校id", "所在学校编号"), doc="current school"),
    Column("subject", "subject", True, ("学科", "任教学科", "主教学科"), doc="main subject"),
    Column("gender", "choice", True, ("性别", "sex"), GENDER),
    Column("age", "int", True, ("年龄", "周岁"), min=18, max=70, replaced_by="birth_date"),
    Column("birth_date", "date", False, ("出生年月", "出生日期", "出生时间")),
    Column("years_at_school", "int", True, ("本校连续任教年限", "本校任教年限", "在校年限", "连续任教年限"),
           min=0, max=50, replaced_by="school_start_date"),
    Column("school_start_date", "date", False, ("调入本校时间", "到校时间", "进校时间")),
    Column("teaching_years", "int", False, ("教龄",), min=0, max=55, replaced_by="work_start_date"),
    Column("work_start_date", "date", False, ("参加工作时间", "参加工作年月")),
    Column("title", "choice", False, ("职称", "专业技术职务"), TITLE),
    Column("backbone", "bool", False, ("骨干教师", "骨干", "是否骨干")),
    Column("role", "choice", False, ("职务", "行政职务"), ROLE),
    Column("years_in_post", "int", False, ("现任职年限", "任职年限"), min=0, max=50,
           replaced_by="post_start_date"),
    Column("post_start_date", "date", False, ("任现职时间",)),
    Column("years_to_retirement", "float", False, ("距退休年限",), min=-5, max=50),
    Column("rural_years", "int", False, ("农村薄弱校任教年限", "农村任教年限"), min=0, max=55),
    Column("exchange_years_recent", "float", False, ("近年交流累计年限",), min=0, max=55),
    Column("years_since_support", "float", False, ("距上次支教年数",), min=0, max=60),
    Column("pregnant_or_nursing", "bool", False, ("孕期哺乳期", "孕产哺乳期")),
    Column("serious_illness", "bool", False, ("重病", "患重病")),
    Column("family_care_months", "float", False, ("家属护理月数",), min=0, max=600),
    Column("family_hospital_months", "float", False, ("家属住院月数",), min=0, max=600),
    Column("under_investigation", "bool", False, ("接受调查", "立案调查")),
    Column("child_exam_this_year", "bool", False, ("子女中高考",)),
    Column("volunteer", "bool", False, ("自愿申请", "自愿")),
    Column("schools_worked", "int", False, ("任职学校数", "工作过的学校数"), min=1, max=30,
           doc="schools the teacher has worked at, the present one included"),
    Column("reward_pay", "float", False, ("奖励性绩效工资", "奖励绩效"), min=0, max=1_000_000,
           doc="reward performance pay of the year, yuan (an exchange teacher's floor: its average)"),
    Column("merit_score", "float", False, ("综合考核得分", "考核得分", "综合评分"), min=0, max=1000,
           doc="merit score of an applicant, for selection on merit (择优选用)"),
    Column("refused", "bool", False, ("不服从交流", "拒绝交流"),
           doc="refused the exchange arrangement: stays, with the policy's sanction"),
    Column("term_incomplete", "bool", False, ("未完成服务期", "未满服务期"),
           doc="did not complete the service period of the exchange just ended"),
    Column("exchange_failed", "bool", False, ("交流考核不合格", "支教考核不合格"),
           doc="failed the evaluation of the exchange just ended"),
    Column("absence_days", "float", False, ("擅自缺勤天数", "连续缺勤天数"), min=0, max=366,
           doc="longest unauthorised absence of the exchange term, days"),
    Column("absence_days_year", "float", False, ("年累计缺勤天数", "累计缺勤天数"), min=0, max=366,
           doc="unauthorised absence in the year, days"),
    Column("paid_substitute", "bool", False, ("以钱代教", "请人替教"),
           doc="paid someone else to teach instead (以钱代教、请外人替教)"),
    Column("sanction_ended_years_ago", "float", False, ("处分结束年数",), min=0, max=60),
    Column("home_x", "float", False, ("住址x",)),
    Column("home_y", "float", False, ("住址y",)),
    Column("home_lat", "float", False, ("住址纬度",), min=-90, max=90),
    Column("home_lon", "float", False, ("住址经度",), min=-180, max=180),
    Column("preferences", "idlist", False, ("志愿", "意向学校")),
    Column("diversion", "bool", False, ("分流人员", "是否分流", "分流"),
           doc="in the diversion pool (分流): placed by the diversion, never rotated"),
    Column("origin_school_id", "id", False, ("原单位", "原单位编号", "原工作单位"),
           doc="where a diverted teacher came from: where one without an option returns (哪来回哪)"),
    Column("name", "str", False, ("姓名",)),
    Column("county", "str", False, COUNTY_ALIASES, doc="county (县区) of a province roster; as its school's"),
    Column("spare_lessons", "int", False, ("富余课时", "可走教课时", "走教课时上限"), min=0, max=40,
           doc="lessons a week the teacher can give elsewhere (走教) on top of the home load"),
    Column("lessons_per_week", "int", False, ("周课时", "每周课时", "周课时量"), min=0, max=40,
           doc="lessons a week at the home school (spare = the policy's standard load minus this)"),
    Column("famous_teacher", "bool", False, ("名师", "名师资源库", "是否名师"),
           doc="member of the famous-teacher pool (名师走教: a lower minimum of lessons a week)"),
]
_SCHOOL = [
    Column("school_id", "id", True, ("学校编号", "学校代码", "学校id", "编号", "id")),
    Column("name", "str", False, ("学校名称", "校名", "学校")),
    Column("category", "choice", True, ("类别", "学校类别", "城乡类别"), CATEGORY),
    Column("strength", "choice", False, ("办学水平", "强弱"), STRENGTH),
    Column("stage", "choice", False, ("学段",), STAGE),
    Column("x", "float", False, ("横坐标", "x坐标")),
    Column("y", "float", False, ("纵坐标", "y坐标")),
    Column("lat", "float", False, ("纬度",), min=-90, max=90),
    Column("lon", "float", False, ("经度",), min=-180, max=180),
    Column("township", "str", False, ("乡镇", "所属乡镇")),
    Column("pair_id", "str", False, ("结对学校", "对口学校")),
    Column("protected_subjects", "subjectlist", False, ("特色学科", "保护学科")),
    Column("students", "int", False, ("学生数", "在校生数"), min=0, max=20000),
    Column("quota", "int", False, ("指标", "交流指标", "支教指标"), min=0, max=1000,
           doc="teachers the bureau's quota (指标) asks the school to send this year"),
    Column("county", "str", False, COUNTY_ALIASES, doc="county (县区): a province roster is planned county "
                                                      "by county (rotation is within a county)"),
]
_NEED = [
    Column("school_id", "id", True, ("学校编号", "学校代码", "学校id")),
    Column("subject", "subject", True, ("学科", "缺编学科", "紧缺学科")),
    Column("count", "int", True, ("缺编人数", "需求人数", "人数", "数量"), min=0, max=500),
    Column("priority", "float", False, ("优先级", "权重"), min=0, max=100),
]
_LESSON_NEED = [
    Column("school_id", "id", True, ("学校编号", "学校代码", "学校id", "走教学校")),
    Column("subject", "subject", True, ("学科", "走教学科", "紧缺学科")),
    Column("lessons_per_week", "int", True, ("每周课时", "周课时", "课时", "课时数"), min=1, max=60,
           doc="lessons a week the school needs taught by itinerant teachers (走教)"),
    Column("min_teachers", "int", False, ("最少人数", "最少教师数"), min=1, max=20),
    Column("max_teachers", "int", False, ("最多人数", "最多教师数"), min=1, max=20,
           doc="how many teachers may share the need (default 1: one teacher covers it)"),
]
_DISTANCE = [
    Column("from_school_id", "id", True, ("起点学校", "from")),
    Column("to_school_id", "id", True, ("终点学校", "to")),
    Column("km", "float", True, ("距离", "公里", "距离km"), min=0, max=2000),
]
#: modes of a past or current exchange (交流方式): the modes a policy plans (rotation, support) and the ones
#: it records under ``[modes.<name>]``; a test keeps this list in step with the shipped models
EXCHANGE_MODES = {
    **dict.fromkeys(["rotation", "交流轮岗", "轮岗", "交流", "轮岗交流", "交流轮岗教师"], "rotation"),
    **dict.fromkeys(["support", "支教", "援教", "下乡支教", "轮岗支教"], "support"),
    **dict.fromkeys(["upward_study", "upward study", "上挂", "上挂学习", "跟班学习"], "upward_study"),
    **dict.fromkeys(["shadow_study", "shadow study", "跟岗", "跟岗学习"], "shadow_study"),
    **dict.fromkeys(["itinerant", "走教", "走课"], "itinerant"),
    **dict.fromkeys(["paired", "结对", "结对帮扶", "对口帮扶", "捆绑"], "paired"),
    **dict.fromkeys(["inter_school", "inter school", "校际交流", "校际"], "inter_school"),
    **dict.fromkeys(["competitive", "竞聘", "竞岗", "竞聘上岗"], "competitive"),
    **dict.fromkeys(["diversion", "分流"], "diversion"),
    **dict.fromkeys(["central_school", "central school", "学区调配", "中心校调配"], "central_school"),
}
_EXCHANGE = [
    Column("teacher_id", "id", True, ("教师编号", "工号", "教师id"), doc="a teacher of the roster"),
    Column("from_school_id", "id", True, ("原学校编号", "派出学校", "原学校", "派出学校编号"),
           doc="the school the teacher left (派出学校)"),
    Column("to_school_id", "id", True, ("交流学校编号", "接收学校", "交流学校", "接收学校编号"),
           doc="the school the teacher went to (接收学校)"),
    Column("mode", "choice", True, ("交流方式", "方式", "交流类型"), EXCHANGE_MODES,
           doc="rotation (交流轮岗), support (支教), upward_study (上挂) …"),
    Column("start_date", "date", True, ("开始时间", "开始日期", "起始时间", "交流时间"),
           doc="first day of the term"),
    Column("term_years", "float", True, ("期限", "交流期限", "期限年", "服务期限"), max=10,
           doc="length of the term in years (> 0)"),
    Column("relation_moved", "bool", True, ("人事关系随转", "关系随转", "人事关系转移"),
           doc="the personnel relation (人事关系) moved to the receiving school"),
    Column("end_date", "date", False, ("结束时间", "结束日期", "实际结束时间"),
           doc="last day of the term, when it differs from start + term (an early return or an extension)"),
]
#: the diversion's options (分流岗位): a school or a non-school institution (非学校类事业单位) and its seats
_OPTION = [
    Column("option_id", "id", True, ("岗位编号", "单位编号", "分流岗位", "分流单位", "选项编号"),
           doc="a school id, or the id of a non-school institution that teachers may name in their wishes"),
    Column("capacity", "int", True, ("岗位数", "编制空额数", "编制空额", "空额", "名额", "容量"), min=0,
           max=10000,
           doc="seats of the option (any subject)"),
    Column("name", "str", False, ("单位名称", "名称", "岗位名称")),
]
_ROAD = [
    Column("u", "id", True, ("起点",)),
    Column("v", "id", True, ("终点",)),
    Column("km", "float", True, ("距离", "公里"), min=0, max=2000),
]

TABLES: dict[str, list[Column]] = {
    "teachers": _TEACHER,
    "schools": _SCHOOL,
    "needs": _NEED,
    "distances": _DISTANCE,
    "roads": _ROAD,
    "exchanges": _EXCHANGE,
    "options": _OPTION,
    "lesson_needs": _LESSON_NEED,
}

#: tables a roster may leave out
OPTIONAL_TABLES = ("distances", "roads", "exchanges", "options", "lesson_needs")

#: File stems / sheet names accepted for each table.
TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "teachers": ("teachers", "教师", "教师花名册", "花名册", "教师名单"),
    "schools": ("schools", "学校", "学校名单", "学校信息"),
    "needs": ("needs", "需求", "缺编需求", "缺编", "学科需求"),
    "distances": ("distances", "距离", "学校距离"),
    "roads": ("roads", "road_graph", "道路", "路网"),
    "exchanges": ("exchanges", "exchange_history", "交流记录", "交流历史", "交流经历", "交流轮岗记录"),
    "options": ("options", "diversion_options", "分流岗位", "分流选项", "分流单位"),
    "lesson_needs": ("lesson_needs", "走教需求", "走教课时需求", "课时需求"),
}

def register_table(name: str, columns: list[Column]) -> None:
    """Declare a table of another roster kind (the cadre roster's ``cadres``, ``units`` …) to the validation.

    :func:`normalize_table` and the file reader then read it as they read the teacher tables (aliases, value
    coercion, every problem with its file, row and column). A table is declared once; the teacher roster's
    own tables cannot be replaced.
    """
    if name in TABLES and TABLES[name] is not columns:
        raise ValueError(f"table {name!r} is already declared")
    TABLES[name] = columns


def _row_label(index, pos: int, first_data_row: int | None):
    return int(first_data_row + pos) if first_data_row is not None else index


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and canon_text(value) in ("", "nan", "none", "null", "n/a", "na")


def _coerce(col: Column, raw: pd.Series, where) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Coerce one column; return the clean series and (position, problem) pairs for bad cells."""
    bad: list[tuple[int, str]] = []
    values = list(raw)
    out: list[object] = []
    for pos, v in enumerate(values):
        if _is_blank(v):
            out.append(None)
            continue
        try:
            out.append(_coerce_value(col, v))
        except ValueError as exc:
            bad.append((pos, str(exc)))
            out.append(None)
    if col.kind in ("int",):
        series = pd.Series(out, index=raw.index, dtype="Int64")
    elif col.kind in ("float",):
        series = pd.Series([np.nan if v is None else v for v in out], index=raw.index, dtype="float64")
    elif col.kind == "bool":
        series = pd.Series([bool(v) if v is not None else False for v in out], index=raw.index, dtype=bool)
    elif col.kind == "date":
        series = pd.Series(pd.to_datetime(pd.Series(out, index=raw.index, dtype=object)), index=raw.index)
    else:
        series = pd.Series(out, index=raw.index, dtype=object)
    return series, bad


def _coerce_value(col: Column, v: object) -> object:
    kind = col.kind
    if isinstance(v, str) and v.startswith("=") and len(v) > 1:
        # io.py puts the text of a formula that has no stored value here; teacher_match never evaluates it
        raise ValueError(f"the cell holds the formula {v[:40]!r} but no value — open the file in Excel and "
                         f"save it (Excel stores the computed value), or paste the values instead of the "
                         f"formula")
    if kind in ("id", "str"):
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # ids typed as numbers in Excel come back as 1001.0
        text = unicodedata.normalize("NFKC", str(v)).strip()
        return text
    if kind == "subject":
        return normalize_subject(v)
    if kind in ("int", "float"):
        if isinstance(v, bool):
            raise ValueError(f"expected a number, got {v!r}")
        text = canon_text(v).replace(",", "")
        text = re.sub(r"(年|岁|周岁|个月|月|人|km|公里)$", "", text)
        try:
            num = float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {str(v).strip()!r} — write it in digits") from None
        if np.isnan(num) or np.isinf(num):
            raise ValueError(f"expected a number, got {str(v).strip()!r} — write it in digits")
        if kind == "int":
            if not float(num).is_integer():
                raise ValueError(f"expected a whole number, got {str(v).strip()!r} — round it to whole "
                                 f"{'years' if 'year' in col.name or col.name == 'age' else 'units'}")
            num = int(num)
        if col.min is not None and num < col.min:
            raise ValueError(f"{num:g} is below the plausible minimum {col.min:g} — correct the value")
        if col.max is not None and num > col.max:
            raise ValueError(f"{num:g} is above the plausible maximum {col.max:g} — correct the value")
        return num
    if kind == "bool":
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        text = canon_text(v)
        if text not in BOOL_VALUES:
            raise ValueError(f"expected yes/no (是/否, Y/N, 1/0), got {str(v).strip()!r}")
        return BOOL_VALUES[text] == "true"
    if kind == "choice":
        text = canon_text(v)
        assert col.choices is not None
        if text in col.choices:
            return col.choices[text]
        if str(v).strip() in col.choices:
            return col.choices[str(v).strip()]
        raise ValueError(f"{str(v).strip()!r} is not one of {_choices_hint(col.choices)} — use one of these")
    if kind == "date":
        d = parse_roster_date(v)  # an ambiguous 2020.1 raises its own message (see teacher_match.dates)
        if d is None:
            raise ValueError(f"cannot read {str(v).strip()!r} as a date (use 1985.09, 1985-09 or 1985-09-01)")
        if not (1920 <= d.year <= 2100):
            raise ValueError(f"date {d.isoformat()} is out of range")
        return pd.Timestamp(d)
    if kind == "idlist":
        parts = [unicodedata.normalize("NFKC", p).strip() for p in re.split(r"[;；,，、]", str(v))]
        return ";".join(p for p in parts if p)
    if kind == "subjectlist":
        parts = [normalize_subject(p) for p in re.split(r"[;；,，、]", str(v)) if p.strip()]
        return ";".join(parts)
    raise AssertionError(kind)


def _choices_hint(choices: dict[str, str]) -> str:
    """``F (女), M (男)``: each accepted value with its first Chinese spelling."""
    parts = []
    for value in sorted(set(choices.values())):
        zh = next((k for k, v in choices.items() if v == value and k and not k.isascii()), None)
        parts.append(f"{value} ({zh})" if zh else value)
    return ", ".join(parts)


def _header_map(table: str, columns) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Map the frame's headers to canonical names.

    Return the map and ``(canonical, first, second)`` headers of each canonical column found under two names.
    """
    lookup: dict[str, str] = {}
    for col in TABLES[table]:
        lookup[canon_text(col.name)] = col.name
        for alias in col.aliases:
            lookup[canon_text(alias)] = col.name
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    dups: list[tuple[str, str, str]] = []
    for header in columns:
        key = canon_text(header)
        key = re.sub(r"[（(].*?[)）]$", "", key).strip() or key  # "年龄(周岁)" -> "年龄"
        canon = lookup.get(key, lookup.get(key.replace(" ", "_")))
        if canon is None:
            continue
        if canon in seen:
            if str(seen[canon]) != str(header):  # the very same header twice is reported by the caller
                dups.append((canon, str(seen[canon]), str(header)))
            continue
        seen[canon] = header
        mapping[header] = canon
    return mapping, dups


def _column_letter(pos: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 → A, 26 → AA)."""
    out = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        out = chr(65 + rem) + out
    return out


def _rename_hint(col: Column, unknown: list[str]) -> str:
    """The fix for a missing column: the unrecognised header that is probably it, else the headers seen."""
    names = {canon_text(n): n for n in (col.name, *col.aliases)}
    for h in unknown:
        key = canon_text(h)
        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
        if close or any(k in key or key in k for k in names if len(k) >= 2 and len(key) >= 2):
            other = col.aliases[0] if col.aliases else col.name
            return f" — rename the column '{h}' to '{col.name}' (or {other})"
    if unknown:
        shown = ", ".join(f"'{h}'" for h in unknown[:6])
        return f" — add it, or rename one of the unrecognised columns ({shown}) to '{col.name}'"
    return f" — add a column '{col.name}'"


@dataclass
class _Collector:
    file: str
    issues: list[Issue] = field(default_factory=list)

    def add(self, row, column: str, problem: str) -> None:
        self.issues.append(Issue(self.file, row, column, problem))


def normalize_table(
    df: pd.DataFrame,
    table: str,
    source: str,
    first_data_row: int | None = None,
    optional_required: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, list[Issue]]:
    """Rename aliased headers, coerce values and collect every problem of one table.

    Parameters
    ----------
    df : DataFrame
        The raw table as read.
    table : str
        One of ``TABLES``.
    source : str
        File name (or ``"teachers (DataFrame)"``) used in messages.
    first_data_row : int, optional
        Spreadsheet row number of the first data row, so messages name the row the planner sees.
        ``None`` for in-memory frames: rows are then named by their index label.
    optional_required : tuple of str
        Required columns that may be absent in this context (e.g. school coordinates when a distance table
        is given).

    Returns
    -------
    (DataFrame, list of Issue)
        The clean table (canonical columns first, unknown extra columns kept as they were) and the problems.
    """
    c = _Collector(source)
    # one header written twice (two '年龄' columns): each is reported, and only the first is read, so one
    # column never silently wins or mixes with the other
    headers = [str(h) for h in df.columns]
    twice = pd.Index(headers).duplicated(keep="first")
    for h in dict.fromkeys(h for h, d in zip(headers, twice, strict=True) if d):
        at = [_column_letter(j) for j, x in enumerate(headers) if x == h]
        c.add(None, h, f"column '{h}' appears {len(at)} times (columns {', '.join(at)}) — keep one, or "
                       f"rename the others")
    raw = df.iloc[:, np.flatnonzero(~twice)].copy()
    raw.columns = [h for h, d in zip(headers, twice, strict=True) if not d]
    mapping, dups = _header_map(table, raw.columns)
    for canon, first, second in dups:
        c.add(None, canon, f"columns '{first}' and '{second}' both hold '{canon}' (one column under two "
                           f"names) — keep one")
    # Drop rows that are entirely empty (a common artefact of Excel exports), but only those.
    keep_mask = (~raw.apply(lambda col: col.map(_is_blank)).all(axis=1) if len(raw)
                 else pd.Series([], dtype=bool))
    positions = np.flatnonzero(keep_mask.to_numpy()) if len(raw) else np.array([], dtype=int)
    raw = raw.iloc[positions]
    rows = [_row_label(raw.index[i], int(positions[i]), first_data_row) for i in range(len(raw))]
    renamed = {str(k): v for k, v in mapping.items()}
    present = set(renamed.values())
    unknown = [str(h) for h in raw.columns if str(h) not in renamed and not str(h).startswith("unnamed_")]
    out = pd.DataFrame(index=raw.index)
    for col in TABLES[table]:
        if col.name not in present:
            if col.required and col.name not in optional_required:
                if col.replaced_by and col.replaced_by in present:
                    continue
                hint = f" (or its date column '{col.replaced_by}')" if col.replaced_by else ""
                aliases = f" [{' / '.join(col.aliases[:2])}]" if col.aliases else ""
                c.add(None, col.name, f"required column '{col.name}'{aliases} is missing{hint}"
                      f"{_rename_hint(col, unknown)}")
            continue
        header = next(h for h, canon in renamed.items() if canon == col.name)
        series, bad = _coerce(col, raw[header], source)
        for pos, msg in bad:
            c.add(rows[pos], header, msg)
        if col.required:
            blank = [pos for pos, v in enumerate(raw[header]) if _is_blank(v)]
            for pos in blank:
                c.add(rows[pos], header, f"'{col.name}' is empty — fill it in (or delete the row if it "
                                         f"holds no real entry)")
        out[col.name] = series
    extras = [h for h in raw.columns if h not in renamed]
    for h in extras:
        out[h] = raw[h].to_numpy()
    out = out.reset_index(drop=True)
    out.attrs["rows"] = rows
    out.attrs["source"] = source
    return out, c.issues


#: file extensions a roster folder's tables are read from
TABLE_FILE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet", ".txt")


def table_of_file(stem: str) -> str | None:
    """The table a file of a roster folder holds, by its name without extension (``教师`` → ``teachers``).

    None when the name is none of the tables' names or aliases (:data:`TABLE_ALIASES`).
    """
    key = canon_text(stem)
    for table, aliases in TABLE_ALIASES.items():
        if key in (canon_text(a) for a in aliases):
            return table
    return None


def table_of_path(path: Path) -> str | None:
    """The table a file of a roster folder would be read as, or None.

    A table extension, not hidden (``.x``, Excel's ``~$x`` lock files), and a name :func:`table_of_file`
    knows.
    """
    if path.suffix.lower() not in TABLE_FILE_SUFFIXES or path.name.startswith((".", "~$")):
        return None
    return table_of_file(path.stem)

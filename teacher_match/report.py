"""The plan report: one HTML page a bureau director can read in a minute.

Headline numbers, needs filled per subject, every school's in/out, the objective breakdown and a map of the
flows (a matplotlib PNG embedded in the page, so the file stands alone). For an INFEASIBLE plan, the diagnosis
replaces the map. Reads a :class:`~teacher_match.plan.Plan` or a plan workbook written by ``Plan.to_excel``;
school coordinates come from the input roster when given, else the map lays senders and receivers out in two
columns.

Needs the optional dependency matplotlib (``pip install 'teacher_match[report]'``).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, TeacherMatchError
from .output_files import REPORT_SUFFIXES, atomic_write, check_output, remember_input

__all__ = ["plan_tables", "flow_figure", "render_html", "write_report", "render_province_html",
           "write_province_report"]

_SHEETS = ("assignments", "needs", "schools", "objective")


def plan_tables(plan) -> dict[str, pd.DataFrame]:
    """The tables of a Plan or a workbook path.

    ``assignments, needs, schools, objective``, and ``diagnosis`` and ``itinerant`` (走教) when present.
    """
    if not isinstance(plan, (str, Path)):
        out = {"assignments": plan.assignments, "needs": plan.needs, "schools": plan.schools,
               "objective": pd.concat([plan.objective_breakdown, pd.DataFrame(
                   [("status", plan.status), ("objective", plan.objective), ("policy", plan.policy_id),
                    *_tie_rows(plan)], columns=["term", "value"])], ignore_index=True)}
        if plan.diagnosis is not None:
            out["diagnosis"] = plan.diagnosis
        if getattr(plan, "itinerant", None) is not None:
            out["itinerant"] = plan.itinerant
        return out
    path = Path(plan)
    if not path.is_file():
        raise InputError(f"plan file {path} does not exist")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(f"{path}: the report reads a plan workbook (.xlsx) written by solve --out plan.xlsx")
    try:
        with pd.ExcelFile(path) as book:
            missing = [s for s in _SHEETS if s not in book.sheet_names]
            if missing:
                raise InputError(f"{path}: not a teacher_match plan workbook (no sheet '{missing[0]}')")
            ids = {"teacher_id": str, "from_school_id": str, "to_school_id": str, "school_id": str}
            out = {s: pd.read_excel(book, sheet_name=s, dtype=ids) for s in _SHEETS}
            if "diagnosis" in book.sheet_names:
                out["diagnosis"] = pd.read_excel(book, sheet_name="diagnosis")
            if "itinerant" in book.sheet_names:
                out["itinerant"] = pd.read_excel(book, sheet_name="itinerant", dtype=ids)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
        raise InputError(f"{path}: cannot read a plan workbook ({exc})") from None
    remember_input(path)
    a = out["assignments"]
    a["moves"] = a["moves"].astype(str).str.strip().str.lower().isin(["true", "1", "1.0", "yes", "是"])
    return out


def _tie_rows(plan) -> list[tuple[str, str]]:
    """The plan's published tie order as the objective sheet states it (nothing for a plan without one)."""
    words = plan.tie_order_words() if hasattr(plan, "tie_order_words") else None
    return [("tie_order", words[0]), ("tie_order_zh", words[1])] if words else []


def _coords(schools: pd.DataFrame, problem) -> dict[str, tuple[float, float]] | None:
    if problem is None:
        return None
    s = problem.schools
    for xc, yc in (("x", "y"), ("lon", "lat")):
        if xc in s.columns and yc in s.columns and s[xc].notna().all() and s[yc].notna().all():
            return {str(i): (float(x), float(y))
                    for i, x, y in zip(s["school_id"], s[xc], s[yc], strict=False)}
    return None


def flow_figure(tables: dict, problem=None):
    """Figure: the flows between schools (left) and needs filled per subject (right)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise TeacherMatchError("the report needs matplotlib: pip install 'teacher_match[report]'") from None
    a, sch, needs = tables["assignments"], tables["schools"], tables["needs"]
    m = a[a["moves"]]
    flows = m.groupby(["from_school_id", "to_school_id"]).size().rename("n").reset_index()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1.5, 1]})
    xy = _coords(sch, problem)
    senders = sorted(set(flows["from_school_id"].astype(str)))
    receivers = sorted(set(flows["to_school_id"].astype(str)))
    if xy is None:
        # two columns: senders left, receivers right, each in id order
        xy = {s: (0.0, -i) for i, s in enumerate(senders)}
        xy.update({s: (1.0, -i * max(1, len(senders) - 1) / max(1, len(receivers) - 1))
                   for i, s in enumerate(receivers)})
        ax.set_xticks([0, 1], ["sending schools", "receiving schools"])
        ax.set_yticks([])
        ax.set_xlim(-0.3, 1.3)
    else:
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
        ax.set_aspect("equal", adjustable="datalim")
        others = [s for s in xy if s not in senders and s not in receivers]
        ax.scatter([xy[s][0] for s in others], [xy[s][1] for s in others], s=10, c="#cccccc", zorder=1,
                   label="other schools")
    top = max(1, int(flows["n"].max())) if len(flows) else 1
    for r in flows.itertuples(index=False):
        (x0, y0), (x1, y1) = xy[str(r.from_school_id)], xy[str(r.to_school_id)]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=2,
                    arrowprops={"arrowstyle": "-|>", "lw": 0.6 + 3.0 * r.n / top, "color": "#3b6ea8",
                                "alpha": 0.55, "shrinkA": 3, "shrinkB": 3})
    ax.scatter([xy[s][0] for s in senders], [xy[s][1] for s in senders], s=40, c="#1f4e79", zorder=3,
               label=f"sends ({len(senders)})")
    ax.scatter([xy[s][0] for s in receivers], [xy[s][1] for s in receivers], s=40, c="#d9822b", zorder=3,
               label=f"receives ({len(receivers)})")
    if len(senders) + len(receivers) <= 40:
        for s in senders + receivers:
            ax.annotate(s, xy[s], fontsize=7, xytext=(3, 3), textcoords="offset points", zorder=4)
    ax.set_title(f"{len(m):,} teachers rotate along {len(flows):,} school-to-school flows", fontsize=10)
    ax.legend(fontsize=7, loc="best", frameon=False)
    g = needs.groupby("subject", sort=True)[["count", "filled"]].sum()
    ypos = np.arange(len(g))
    bx.barh(ypos, g["count"], color="#e6e6e6", label="declared")
    bx.barh(ypos, g["filled"], color="#3b8f5a", label="filled")
    bx.set_yticks(ypos, [str(j) for j in g.index], fontsize=8)
    bx.invert_yaxis()
    bx.set_title("needs filled per subject", fontsize=10)
    bx.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table(df: pd.DataFrame, floatfmt: str = "{:,.1f}") -> str:
    def cell(v):
        if isinstance(v, (float, np.floating)):
            if not np.isfinite(v):
                return "—"
            # counts read back from a workbook arrive as floats when a column has blanks
            return f"{int(v):,}" if float(v).is_integer() else floatfmt.format(v)
        return html.escape("—" if v is None or v is pd.NA else str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:'Noto Sans CJK SC','Microsoft YaHei',Arial,sans-serif;margin:24px;color:#222;\
max-width:1100px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#f4f7fb;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px} .card span{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:12px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f0f0f0} td:first-child,th:first-child{text-align:left}
.cols{display:flex;gap:28px;flex-wrap:wrap} .bad{color:#a33}
"""


def render_html(plan, problem=None) -> str:
    """The report page (a self-contained HTML string) for a Plan or a plan workbook path."""
    tb = plan_tables(plan)
    if problem is not None:
        # a plan of another roster would draw the roster's map with the plan's flows: refuse it
        from .plan_match import match_plan

        tb["assignments"] = match_plan(problem, tb["assignments"],
                                       source=Path(plan).name if isinstance(plan, (str, Path)) else None)
    a, needs, sch, obj = tb["assignments"], tb["needs"], tb["schools"], tb["objective"]
    info = dict(zip(obj["term"].astype(str), obj["value"], strict=False))
    status = str(info.get("status", ""))
    policy = str(info.get("policy", ""))
    moved = a[a["moves"]]
    n_elig = int(a["status"].isin(["mandatory", "eligible"]).sum())
    declared, filled = int(needs["count"].sum()), int(needs["filled"].sum())
    km = pd.to_numeric(moved["commute_km"], errors="coerce").mean() if len(moved) else float("nan")
    cards = [("status", status), ("teachers", f"{len(a):,}"), ("eligible 可交流", f"{n_elig:,}"),
             ("rotated 交流", f"{len(moved):,}"), ("needs filled 需求满足", f"{filled:,} / {declared:,}"),
             # nobody rotated: no mean commute (not "0.0 km")
             ("mean commute 平均通勤", f"{km:.1f} km" if np.isfinite(km) else "—")]
    objective = info.get("objective")
    if objective is not None and pd.notna(objective):
        cards.append(("objective", f"{float(objective):,.1f}"))
    parts = [f"<h1>Teacher rotation plan 教师交流轮岗方案 — policy {html.escape(policy)}</h1>",
             "<div class='cards'>"
             + "".join(f"<div class='card'><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>"
                       for k, v in cards)
             + "</div>"]
    # the published order that decides between equally good plans (teacher_match.tie_order)
    parts += [f"<p>{html.escape(str(info[k]))}</p>" for k in ("tie_order", "tie_order_zh")
              if k in info and pd.notna(info[k])]
    if "diagnosis" in tb and len(tb["diagnosis"]):
        d = tb["diagnosis"][["conflict", "rule", "key", "sentence_en", "sentence_zh", "relaxation"]]
        parts += ["<h2 class='bad'>No plan exists — conflicting rules 无可行方案：冲突规则</h2>", _table(d)]
    else:
        parts += ["<h2>Flows and needs 交流流向与学科需求</h2>",
                  f"<img alt='flow map' style='max-width:100%' src='data:image/png;base64,"
                  f"{_png(flow_figure(tb, problem))}'>"]
    g = needs.groupby("subject", sort=True)[["count", "filled", "unmet"]].sum().reset_index()
    g["filled %"] = (100 * g["filled"] / g["count"].clip(lower=1)).round(0).astype(int)
    g.columns = ["subject 学科", "declared 申报", "filled 满足", "unfilled 未满足", "filled %"]
    active = sch[(sch["sent"] > 0) | (sch["received"] > 0)]
    cols = [c for c in ("school_id", "category", "strength", "staff", "eligible", "sent", "received",
                        "backbone_sent", "leaders_sent", "outflow_cap") if c in active.columns]
    sc = active[cols].sort_values(["sent", "received"], ascending=False)
    # the objective sheet holds the breakdown (with weights) and then status rows (without)
    b = obj[obj["weight"].notna()][["term", "weight", "value", "contribution"]]
    b = b[(b["weight"] != 0) | (pd.to_numeric(b["value"], errors="coerce").fillna(0) != 0)]
    if "relation_moved" in a.columns and len(moved):
        # a plan of several modes (rules/modes.py): who moved in which mode, for how long, who pays
        by = moved.assign(term=pd.to_numeric(moved["term_years"], errors="coerce"),
                          paid=moved["paid_by"].fillna("—"))
        bm = by.groupby(["mode", "term", "paid"], dropna=False).size().reset_index()
        bm.columns = ["mode 交流方式", "term years 期限", "paid by 经费承担", "moved 人数"]
        parts += ["<h2>By mode 按交流方式</h2>", _table(bm)]
    parts += ["<div class='cols'><div><h2>Needs per subject 各学科需求</h2>", _table(g),
              "</div><div><h2>Objective breakdown 目标构成</h2>", _table(b), "</div></div>",
              f"<h2>Schools in / out 各校调入调出（{len(sc)} schools）</h2>", _table(sc)]
    it = tb.get("itinerant")
    if it is not None:
        parts += [f"<h2>Itinerant teaching 走教（{len(it)} assignments, "
                  f"{int(it['lessons_per_week'].sum()) if len(it) else 0} lessons a week）</h2>", _table(it)]
    return ("<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>teacher_match report</title>"
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_report(plan, path: str | Path, problem=None) -> Path:
    """Write :func:`render_html` to ``path``; returns the path.

    The path is checked before the page is made (``.html``, not a folder, writable, never the plan workbook
    or an input file) and the page replaces the file whole or not at all.

    Raises
    ------
    OutputError
        The path cannot take the report, or the write failed (the old file is kept).
    InputError, SchemaError
        The plan cannot be read, or does not match the roster ``problem``.
    """
    target = check_output(path, REPORT_SUFFIXES, what="the report",
                          inputs=[plan] if isinstance(plan, (str, Path)) else [])
    page = render_html(plan, problem)
    with atomic_write(target, "the report") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)


def render_province_html(province) -> str:
    """The report page of a :class:`~teacher_match.province.ProvincePlan`.

    Province totals, the counties that failed or have no plan (said first), needs per subject, and a row of
    totals per county.
    """
    t = province.totals()
    c = province.counties
    cards = [("counties 县区", f"{t['planned']:,} / {t['counties']:,} planned"),
             ("teachers", f"{t['teachers']:,}"),
             ("rotated 交流", f"{t['rotated']:,}"),
             ("needs filled 需求满足", f"{t['needs_filled']:,} / {t['needs_declared']:,}"),
             ("mean commute 平均通勤",
              f"{t['commute_km_total'] / t['rotated']:.1f} km" if t["rotated"] else "—")]
    title = f"Province rotation plan 全省教师交流轮岗方案 — policy {html.escape(province.policy_id)}"
    parts = [f"<h1>{title}</h1>",
             "<div class='cards'>"
             + "".join(f"<div class='card'><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>"
                       for k, v in cards)
             + "</div>"]
    failed = c[c["error"].notna() | ~c["status"].isin(["OPTIMAL", "FEASIBLE"])]
    if len(failed):
        parts += [f"<h2 class='bad'>Counties not planned 未完成编排的县区（{len(failed)}）</h2>",
                  _table(failed[["county", "status", "error"]])]
    per = c[["county", "status", "teachers", "eligible", "rotated", "needs_declared", "needs_filled",
             "needs_unfilled", "commute_km_total", "gap", "shortfalls", "violations"]].copy()
    per.columns = ["county 县区", "status", "teachers 教师", "eligible 可交流", "rotated 交流",
                   "declared 申报", "filled 满足", "unfilled 未满足", "commute km 通勤", "gap", "shortfalls",
                   "violations"]
    needs = province.needs
    if len(needs):
        g = needs.groupby("subject", sort=True)[["count", "filled", "unmet"]].sum().reset_index()
        g["filled %"] = (100 * g["filled"] / g["count"].clip(lower=1)).round(0).astype(int)
        g.columns = ["subject 学科", "declared 申报", "filled 满足", "unfilled 未满足", "filled %"]
        parts += ["<h2>Needs per subject 各学科需求（全省）</h2>", _table(g)]
    parts += [f"<h2>Per-county totals 各县区合计（{len(per)}）</h2>", _table(per, floatfmt="{:,.3f}")]
    return ("<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>teacher_match province report"
            f"</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_province_report(province, path: str | Path) -> Path:
    """Write :func:`render_province_html` to ``path`` (checked first, replaced whole); returns the path.

    Raises
    ------
    OutputError
        The path cannot take the report, or the write failed (the old file is kept).
    """
    target = check_output(path, REPORT_SUFFIXES, what="the province report")
    page = render_province_html(province)
    with atomic_write(target, "the province report") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)

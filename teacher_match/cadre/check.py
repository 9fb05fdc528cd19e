"""The independent checker of a cadre plan (pandas only: no solver is imported here).

``check(roster, policy, assignments)`` returns one row per violation (``rule, person_id, detail``); an empty
table means the plan keeps every hard rule of the policy. It re-derives everything from the roster and the
plan's assignments alone — seats, units after the plan, posting places — and shares with the solver only the
statuses of :func:`teacher_match.cadre.eligibility.cadre_status` (the policy's triggers, as the teacher
checker shares ``eligibility``).

Rules checked: ``rows`` (each cadre once), ``action`` (a known action whose seat, unit and post agree),
``grade`` (same grade), ``seat`` (one holder per seat; a held seat is taken only when its holder leaves it),
``fixed`` (refused and deferred cadres stay), ``refusal`` (the consequence is recorded), ``filing``
(pre-review filing marked), ``window_rotation``, ``exchange_due``/``rotation_due`` (when hard), ``posting``
(grade, direction, places, term 1–2 years unless an extension is approved), ``kinship`` (no relatives in
one unit or a supervising pair), ``grassroots_priority``.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from .eligibility import MOVABLE, cadre_status, kin_blocked
from .policy import CadrePolicy
from .tables import CadreRoster

__all__ = ["check"]

ACTIONS = ("stay", "rotation", "exchange", "down_posting", "up_posting")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or str(v).strip() in ("", "nan", "None")


def check(roster: CadreRoster, policy: CadrePolicy, assignments) -> pd.DataFrame:
    """Every hard-rule violation of a cadre plan (empty = valid).

    Parameters
    ----------
    roster : CadreRoster
    policy : CadrePolicy
    assignments : DataFrame or CadrePlan
        The plan's assignments (``CadrePlan.assignments`` or ``CadrePlan.read_assignments(file)``).
    """
    a = getattr(assignments, "assignments", assignments).copy()
    for col in ("action", "to_unit_id", "to_post", "seat", "term_years", "refusal_consequence", "filing"):
        if col not in a.columns:  # a column left out reads as empty: the rules that need it then say so
            a[col] = None
    p = policy.params
    out: list[tuple[str, str, str]] = []

    def bad(rule: str, who, detail: str) -> None:
        out.append((rule, str(who), detail))

    c = roster.cadres
    st = cadre_status(roster, policy).set_index("person_id")
    people = list(c["person_id"])
    counts = Counter(a["person_id"])
    for i in people:
        if counts.get(i, 0) != 1:
            bad("rows", i, f"appears {counts.get(i, 0)} times in the plan (must be once)")
    for i in counts:
        if i not in set(people):
            bad("rows", i, "is not a cadre of the roster")
    a = a[a["person_id"].isin(people)].drop_duplicates("person_id").set_index("person_id")
    seats = roster.seats().set_index("seat")
    unit_of = dict(zip(c["person_id"], c["unit_id"], strict=True))
    grade_of = dict(zip(c["person_id"], c["grade"], strict=True))
    post_of = dict(zip(c["person_id"], c["post"], strict=True))
    level = roster.level_of()
    units = set(roster.units["unit_id"])
    final_unit: dict[str, str] = {}
    taken: dict[str, list] = defaultdict(list)
    left_seat: set[str] = set()
    posted: dict[str, str] = {}
    for i, r in a.iterrows():
        act = r["action"]
        final_unit[i] = unit_of[i]
        if act not in ACTIONS:
            bad("action", i, f"unknown action {act!r} (one of {', '.join(ACTIONS)})")
            continue
        if act == "stay":
            if not _blank(r["to_unit_id"]) or not _blank(r["seat"]):
                bad("action", i, "stays but names a destination")
            continue
        if act in ("rotation", "exchange"):
            s = r["seat"]
            if _blank(s) or s not in seats.index:
                bad("action", i, f"{act} to an unknown seat {s!r}")
                continue
            seat = seats.loc[s]
            if seat["unit_id"] == unit_of[i] and seat["post"] == post_of[i]:
                bad("action", i, f"takes seat {s}, the same post {seat['post']} in the same unit: no change "
                                 f"of post")
            if (seat["unit_id"] == unit_of[i]) != (act == "rotation"):
                bad("action", i, f"{act} to seat {s} in {seat['unit_id']} (home unit {unit_of[i]}): a "
                                 f"rotation stays in the unit, an exchange leaves it")
            if str(r["to_unit_id"]) != seat["unit_id"] or str(r["to_post"]) != seat["post"]:
                bad("action", i, f"to_unit_id/to_post {r['to_unit_id']}/{r['to_post']} are not seat {s}'s "
                                 f"{seat['unit_id']}/{seat['post']}")
            if seat["grade"] != grade_of[i]:
                bad("grade", i, f"a {grade_of[i]} cadre takes a {seat['grade']} seat {s} (职级保持不变)")
            taken[s].append(i)
            left_seat.add(i)
            final_unit[i] = seat["unit_id"]
        else:
            u = r["to_unit_id"]
            if _blank(u) or u not in units:
                bad("posting", i, f"posted to an unknown unit {u!r}")
                continue
            posted[i] = u
            final_unit[i] = u
    # seats: one holder; a held seat only when its holder leaves it
    for s, who in taken.items():
        if len(who) > 1:
            bad("seat", s, f"seat {s} is taken by {len(who)} cadres ({', '.join(who)})")
        holder = seats.at[s, "holder"]
        if holder is not None and not pd.isna(holder) and holder not in left_seat:
            bad("seat", s, f"seat {s} is taken by {who[0]} while its holder {holder} keeps it")
    # statuses
    years = dict(zip(c["person_id"], c["years_in_post"], strict=True))
    for i, r in a.iterrows():
        s = st.loc[i]
        if s["status"] not in MOVABLE and r["action"] != "stay":
            bad("fixed", i, f"{s['status']} but planned to {r['action']}")
        if s["status"] == "refused":
            text = "" if _blank(r["refusal_consequence"]) else str(r["refusal_consequence"])
            if not text or (p["refusal_bars_leadership"] and "领导职务" not in text):
                bad("refusal", i, "refused rotation but the consequence is not recorded"
                    + (" (no leadership post again, filed: YL-SA1)" if p["refusal_bars_leadership"] else ""))
        if s["status"] != "due":
            continue
        moved = r["action"] in ("rotation", "exchange")
        away = moved and final_unit[i] != unit_of[i]
        if s["due_window"] and p["window_rotation_hard"] and not moved:
            bad("window_rotation", i, f"service-window cadre for {years[i]} years in post (≥ "
                                      f"{p['window_rotation_years']}) keeps the post")
        if p["due_hard"] and s["due_exchange"] and not away:
            bad("exchange_due", i, "due for exchange to another unit but not exchanged")
        elif p["due_hard"] and s["due_rotation"] and not moved:
            bad("rotation_due", i, "due for rotation but keeps the post")
    # pre-review filing (YL: 副科级单位副职轮岗交流按照管理权限实行预审备案制度)
    if p["pre_review_filing"]:
        u = roster.units
        filed = set(u.loc[u["deputy_section_level"].astype(bool), "unit_id"])
        for i, r in a.iterrows():
            if r["action"] != "stay" and grade_of[i] == "senior" and unit_of[i] in filed \
                    and "预审备案" not in ("" if _blank(r["filing"]) else str(r["filing"])):
                bad("filing", i, f"a leader of the deputy-section-level unit {unit_of[i]} moves without the "
                                 f"pre-review filing (预审备案) mark")
    # postings
    grades = set(p["posting_grades"] or [])
    ext = dict(zip(c["person_id"], c["extension_approved"], strict=True))
    for i, u in posted.items():
        r = a.loc[i]
        want = {"down_posting": ("upper", "grassroots"), "up_posting": ("grassroots", "upper")}[r["action"]]
        if grade_of[i] not in grades:
            bad("posting", i, f"a {grade_of[i]} cadre posted; the policy posts {sorted(grades) or 'nobody'}")
        if (level[unit_of[i]], level[u]) != want:
            bad("posting", i, f"{r['action']} from a {level[unit_of[i]]} unit to a {level[u]} unit")
        if st.at[i, "due_window"]:
            bad("posting", i, "a service-window cadre due for rotation is posted instead of rotated")
        term = r["term_years"]
        lo, hi = p["posting_term_min"], p["posting_term_max"]
        if _blank(term) or float(term) < lo or (float(term) > hi and not ext[i]):
            bad("posting", i, f"term {term} years outside {lo:g}–{hi:g} (不低于{lo:g}年,不超过{hi:g}年) "
                              f"without an approved extension")
    per_unit = Counter(posted.values())
    cap = dict(zip(roster.units["unit_id"], roster.units["posting_places"], strict=True))
    for u, n in per_unit.items():
        if n > cap[u]:
            bad("posting", u, f"{n} cadres posted to {u}, which has {cap[u]} places")
    # kinship avoidance: one unit, or a unit and the unit supervising it
    if p["kinship_avoidance"]:
        pairs = roster.supervising_pairs()
        for x, y in zip(roster.relatives["person_id"], roster.relatives["relative_id"], strict=True):
            ux, uy = final_unit[x], final_unit[y]
            if ux == uy:
                bad("kinship", x, f"relatives {x} and {y} both work in {ux} after the plan (回避)")
            elif frozenset((ux, uy)) in pairs:
                bad("kinship", x, f"relatives {x} in {ux} and {y} in {uy}: one unit supervises the other "
                                  f"(回避)")
    # grassroots priority: nobody else sent down to a unit while a priority candidate who may go there stays
    prio = [i for i in st.index[st["priority"]] if i not in posted]
    if prio:
        blocked = kin_blocked(roster, dict(zip(st.index, st["status"], strict=True))) \
            if p["kinship_avoidance"] else {}
        for i, u in posted.items():
            if a.at[i, "action"] != "down_posting" or st.at[i, "priority"]:
                continue
            for q in prio:
                if u not in blocked.get(q, ()):
                    bad("grassroots_priority", i, f"{i} is sent down to {u} while {q}, a reserve candidate "
                                                  f"without grassroots leadership experience, stays (YL-SE1)")
    return pd.DataFrame(out, columns=["rule", "person_id", "detail"])

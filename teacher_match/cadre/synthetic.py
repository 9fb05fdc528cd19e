"""Synthetic cadre systems: a bureau (or county) with its offices and grassroots units, deterministic by seed.

``make_system(n, seed)`` builds about ``n`` cadres in ``max(4, n // 12)`` units: a quarter are ``upper``
units (bureau offices 局机关科室 / county units 县直单位), the rest ``grassroots`` units each supervised by an
upper unit. Each unit has one or two senior cadres, two or three middle cadres and staff; a third of the
units have service-window posts. Years in post are 0–8, years in the unit at least that. About a third of the
upper units' middle cadres are reserve candidates, 40 % of cadres have grassroots leadership experience;
some applied, a few are deferred or refused. Relatives (a pair per 30 cadres) are partly placed in one unit or
a supervising pair, so kinship avoidance has conflicts to resolve; a relative pair is never both fixed. Every
other grassroots unit is a deputy-section-level unit (副科级单位). Grassroots units take 0–2 down-postings and
upper units 0–1 up-postings; a few vacancies exist.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .tables import CadreRoster, roster_from_frames

__all__ = ["make_system", "micro_roster", "MIN_CADRES", "MAX_CADRES"]

MIN_CADRES, MAX_CADRES = 20, 100_000
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
_SUFFIX = {"staff": "", "middle": "负责人", "senior": "领导"}
_OFFICES = ["办公室", "医政科", "财务科", "人事科", "政策法规科", "审批窗口", "综合窗口", "收费窗口"]


def make_system(n: int = 200, seed: int = 0) -> CadreRoster:
    """A synthetic cadre roster of about ``n`` cadres (see the module docstring).

    Examples
    --------
    >>> r = make_system(60, seed=1)
    >>> len(r.cadres) >= 60, set(r.units["level"]) == {"upper", "grassroots"}
    (True, True)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not MIN_CADRES <= n <= MAX_CADRES:
        raise InputError(f"the number of cadres must be a whole number from {MIN_CADRES} to {MAX_CADRES:,}, "
                         f"got {n!r}")
    rng = np.random.default_rng(seed)
    n_units = max(4, n // 12)
    n_upper = max(1, n_units // 4)
    unit_ids = [f"U{k + 1:03d}" for k in range(n_units)]
    upper = unit_ids[:n_upper]
    units = pd.DataFrame({
        "unit_id": unit_ids,
        "name": [f"局机关{k + 1}" if k < n_upper else f"基层单位{k + 1}" for k in range(n_units)],
        "level": ["upper"] * n_upper + ["grassroots"] * (n_units - n_upper),
        "parent_unit_id": [None] * n_upper + [upper[k % n_upper] for k in range(n_units - n_upper)],
        "posting_places": [int(rng.integers(0, 2)) for _ in range(n_upper)]
        + [int(rng.integers(0, 3)) for _ in range(n_units - n_upper)],
        "deputy_section_level": [False] * n_upper + [k % 2 == 0 for k in range(n_units - n_upper)],
    })
    rows = []
    per_unit = n / n_units
    window_units = set(rng.choice(unit_ids, size=max(1, n_units // 3), replace=False))
    k = 0
    for idx, u in enumerate(unit_ids):
        size = max(4, int(round(per_unit + rng.normal(0, 1.5))))
        grades = ["senior"] * int(rng.integers(1, 3)) + ["middle"] * int(rng.integers(2, 4))
        grades += ["staff"] * max(1, size - len(grades))
        for j, g in enumerate(grades):
            k += 1
            yp = int(rng.integers(0, 9))
            window = u in window_units and g != "senior" and rng.random() < 0.5
            rows.append({
                "person_id": f"C{k:05d}",
                "name": _SURNAMES[rng.integers(len(_SURNAMES))] + _GIVEN[rng.integers(len(_GIVEN))],
                "unit_id": u,
                "post": (_OFFICES[5 + j % 3] if window else _OFFICES[j % 5]) + _SUFFIX[g],
                "grade": g, "years_in_post": yp, "years_in_unit": yp + int(rng.integers(0, 8)),
                "service_window": window,
                "grassroots_leader_experience": bool(rng.random() < 0.4),
                "reserve_candidate": bool(idx < n_upper and g == "middle" and rng.random() < 0.35),
                "sex": "M" if rng.random() < 0.55 else "F", "age": int(rng.integers(26, 58)),
                "applied": bool(rng.random() < 0.1), "deferred": False, "defer_reason": "",
                "refused": False, "extension_approved": False,
            })
    cadres = pd.DataFrame(rows)
    # a few deferred (with a private reason) and refused cadres
    order = rng.permutation(len(cadres))
    n_def = max(1, len(cadres) // 25)
    n_ref = max(1, len(cadres) // 50)
    deferred = order[:n_def]
    refused = order[n_def:n_def + n_ref]
    cadres.loc[deferred, "deferred"] = True
    cadres.loc[deferred, "defer_reason"] = "本人患病"
    cadres.loc[refused, "refused"] = True
    fixed = set(cadres.loc[cadres["deferred"] | cadres["refused"], "person_id"])
    # relatives: half in one unit or a supervising pair, half anywhere; never two fixed cadres
    rel = []
    by_unit = {u: list(d["person_id"]) for u, d in cadres.groupby("unit_id")}
    unit_of = dict(zip(cadres["person_id"], cadres["unit_id"], strict=True))
    parent = dict(zip(units["unit_id"], units["parent_unit_id"], strict=True))
    used: set[str] = set()
    staff_set = set(cadres.loc[cadres["grade"] == "staff", "person_id"])
    # (staff: the grade with the most seats, so a conflict can be resolved)
    staff = [i for i, g in zip(cadres["person_id"], cadres["grade"], strict=True) if g == "staff"]
    for t in range(max(2, len(cadres) // 30)):
        a = staff[int(rng.integers(len(staff)))]
        if a in used:
            continue
        if t % 2 == 0:
            pool = by_unit[unit_of[a]] + (by_unit.get(parent[unit_of[a]], []) if parent[unit_of[a]] else [])
            pool = [i for i in pool if i in staff_set]
        else:
            pool = staff
        b = pool[int(rng.integers(len(pool)))]
        if b == a or b in used or (a in fixed and b in fixed):
            continue
        used.update((a, b))
        rel.append({"person_id": a, "relative_id": b, "relation": ["配偶", "兄弟", "姐妹", "父子"][t % 4]})
    relatives = pd.DataFrame(rel, columns=["person_id", "relative_id", "relation"])
    vac = []
    for t in range(max(1, n_units // 4)):
        u = unit_ids[int(rng.integers(n_units))]
        vac.append({"vacancy_id": f"V{t + 1:03d}", "unit_id": u, "post": _OFFICES[t % 5],
                    "grade": "staff", "service_window": False})
    vacancies = pd.DataFrame(vac)
    return roster_from_frames(cadres, units, relatives, vacancies)


def micro_roster() -> CadreRoster:
    """A six-cadre system for examples: a bureau office B over a grassroots unit G with one posting place.

    W1 holds a service window for 3 years (due under a 2-year rotation), S1 another staff post of B; M1 is a
    reserve candidate without grassroots experience, M2 a middle cadre with it; K1 and K2 are relatives, both
    in G (kinship avoidance: one must leave G, and not for B, which supervises G), with a staff vacancy V1 in
    a second grassroots unit G2.
    """
    units = pd.DataFrame({"unit_id": ["B", "G", "G2"], "level": ["upper", "grassroots", "grassroots"],
                          "parent_unit_id": [None, "B", None], "posting_places": [0, 1, 0]})
    cadres = pd.DataFrame({
        "person_id": ["W1", "S1", "M1", "M2", "K1", "K2"],
        "unit_id": ["B", "B", "B", "B", "G", "G"],
        "post": ["审批窗口", "办公室", "医政科科长", "财务科科长", "医务科", "护理部"],
        "grade": ["staff", "staff", "middle", "middle", "senior", "senior"],
        "years_in_post": [3, 1, 4, 4, 1, 1],
        "service_window": [True, False, False, False, False, False],
        "reserve_candidate": [False, False, True, False, False, False],
        "grassroots_leader_experience": [False, False, False, True, False, False],
        "deferred": [False, False, False, False, False, True],
    })
    relatives = pd.DataFrame({"person_id": ["K1"], "relative_id": ["K2"], "relation": ["配偶"]})
    vacancies = pd.DataFrame({"vacancy_id": ["V1"], "unit_id": ["G2"], "post": ["院长"], "grade": ["senior"]})
    return roster_from_frames(cadres, units, relatives, vacancies)

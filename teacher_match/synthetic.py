"""Synthetic counties: the one seeded generator used by the demo, tests, benchmarks and examples.

A county has a county town (县城) of large urban schools, townships (乡镇) each with a central school, rural
schools and village teaching points (村小/教学点). Teachers get subjects, ages, tenure, titles, backbone status,
leadership roles and a few exemption flags; rural and village schools declare needs concentrated in the
shortage subjects (music, PE, art, English, IT, science). Same arguments → identical tables.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .problem import Problem

__all__ = ["make_county", "PRESETS"]

PRESETS = {"town": 500, "county": 10_000, "city": 30_000, "metro": 100_000}

SUBJECTS = ["chinese", "math", "english", "science", "pe", "music", "art", "it", "morality", "history",
            "geography", "physics", "chemistry", "biology"]
#: share of each subject among teachers (urban schools); rural schools have fewer specialists
SUBJECT_MIX = np.array([0.24, 0.21, 0.10, 0.06, 0.06, 0.045, 0.04, 0.03, 0.06, 0.035, 0.03, 0.03, 0.02, 0.02])
SUBJECT_MIX = SUBJECT_MIX / SUBJECT_MIX.sum()
SHORTAGE = {"music": 3.0, "pe": 3.0, "art": 2.5, "english": 2.0, "it": 2.0, "science": 1.5}

# category: (share of teachers, staff range, strength probabilities strong/normal/weak)
CATEGORY_PLAN = {
    "urban": (0.36, (50, 160), (0.35, 0.55, 0.10)),
    "town": (0.32, (20, 70), (0.12, 0.63, 0.25)),
    "rural": (0.22, (8, 24), (0.03, 0.47, 0.50)),
    "village": (0.10, (2, 7), (0.0, 0.3, 0.7)),
}


def make_county(n_teachers: int = 3000, seed: int = 0, preset: str | None = None,
                reference_date: dt.date | str = "2025-08-31") -> Problem:
    """A synthetic county roster of about ``n_teachers`` teachers (exactly that many).

    Parameters
    ----------
    n_teachers : int
        Teachers on the roster (ignored when ``preset`` is given).
    seed : int
        Random seed; the same seed gives identical tables.
    preset : {"town", "county", "city", "metro"}, optional
        Size presets of ~500, ~10,000, ~30,000 and ~100,000 teachers.

    Examples
    --------
    >>> p = make_county(400, seed=3)
    >>> len(p.teachers), p.teachers["teacher_id"].is_unique
    (400, True)
    """
    if preset is not None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
        n_teachers = PRESETS[preset]
    if n_teachers < 20:
        raise ValueError("a synthetic county needs at least 20 teachers")
    rng = np.random.default_rng(seed)
    schools = _schools(n_teachers, rng)
    teachers = _teachers(schools, n_teachers, rng)
    needs = _needs(schools, teachers, rng)
    schools = schools.drop(columns=["_staff"])
    return Problem.from_frames(teachers, schools, needs, reference_date=reference_date)


def _schools(n: int, rng: np.random.Generator) -> pd.DataFrame:
    n_townships = max(3, int(round(n / 700)))
    radius = 12 + 6 * np.sqrt(n / 1000)  # county extent grows with its size
    angles = rng.uniform(0, 2 * np.pi, n_townships)
    dists = rng.uniform(0.3, 1.0, n_townships) * radius
    centers = np.c_[np.cos(angles) * dists, np.sin(angles) * dists]
    rows = []
    counter = 0
    for cat, (share, (lo, hi), probs) in CATEGORY_PLAN.items():
        target = share * n
        total = 0
        while total < target:
            size = int(rng.integers(lo, hi + 1))
            size = min(size, max(lo, int(target - total))) if target - total < lo else size
            counter += 1
            if cat == "urban":
                xy = rng.normal(0, 2.5 + radius * 0.05, 2)
                township = "城关镇"
            else:
                k = int(rng.integers(n_townships))
                spread = {"town": 1.5, "rural": 5.0, "village": 8.0}[cat]
                xy = centers[k] + rng.normal(0, spread, 2)
                township = f"乡镇{k + 1:02d}"
            strength = rng.choice(["strong", "normal", "weak"], p=probs)
            stage = rng.choice(["primary", "junior", "nine_year"], p=[0.6, 0.3, 0.1]) if cat != "village" \
                else "primary"
            rows.append((f"S{counter:04d}", f"{cat}-{counter}", cat, strength, stage, round(float(xy[0]), 2),
                         round(float(xy[1]), 2), township, size))
            total += size
    s = pd.DataFrame(rows, columns=["school_id", "name", "category", "strength", "stage", "x", "y", "township",
                                    "_staff"])
    # scale staff so the roster has exactly n teachers
    staff = s["_staff"].to_numpy(dtype=float)
    staff = np.maximum(2, np.floor(staff * n / staff.sum())).astype(int)
    diff = n - staff.sum()
    order = np.argsort(-staff, kind="stable")
    i = 0
    while diff != 0:
        j = order[i % len(order)]
        step = 1 if diff > 0 else -1
        if staff[j] + step >= 2:
            staff[j] += step
            diff -= step
        i += 1
    s["_staff"] = staff
    urban = np.flatnonzero(s["category"].to_numpy() == "urban")
    prot = np.array([""] * len(s), dtype=object)
    for j in urban:
        if rng.random() < 0.15:
            prot[j] = str(rng.choice(["pe", "music", "art"]))
    s["protected_subjects"] = prot
    # pairs: each urban school with one rural/village school (结对)
    rural = np.flatnonzero(s["category"].isin(["rural", "village"]).to_numpy())
    pair = np.array([None] * len(s), dtype=object)
    if len(rural):
        for j, r in zip(urban, rng.permutation(rural)):
            pair[j], pair[r] = s["school_id"].iat[r], s["school_id"].iat[j]
    s["pair_id"] = pair
    s["students"] = (s["_staff"] * rng.uniform(10, 17, len(s))).astype(int)
    return s


def _teachers(s: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    staff = s["_staff"].to_numpy()
    school_pos = np.repeat(np.arange(len(s)), staff)
    cat = s["category"].to_numpy()[school_pos]
    strength = s["strength"].to_numpy()[school_pos]
    rural = np.isin(cat, ["rural", "village"])
    # rural schools have fewer specialists: shrink the shortage subjects' share there
    mix_rural = SUBJECT_MIX * np.array([1.3 if x in ("chinese", "math") else
                                        0.4 if x in SHORTAGE else 1.0 for x in SUBJECTS])
    mix_rural /= mix_rural.sum()
    subj = np.where(rural, rng.choice(SUBJECTS, n, p=mix_rural), rng.choice(SUBJECTS, n, p=SUBJECT_MIX))
    gender = np.where(rng.random(n) < 0.66, "F", "M")
    age = np.clip(rng.normal(40, 9, n), 22, 60).astype(int)
    age = np.where(gender == "F", np.minimum(age, 55), age)
    teaching_years = np.clip(age - 22 - rng.integers(0, 3, n), 0, None)
    # tenure at the current school: geometric-like, longer in urban schools (people stay)
    mean_tenure = np.where(cat == "urban", 6.5, np.where(cat == "town", 5.5, 4.0))
    years = np.minimum(np.floor(rng.exponential(mean_tenure)), teaching_years).astype(int)
    p_backbone = np.where(strength == "strong", 0.22, np.where(strength == "normal", 0.12, 0.05))
    backbone = rng.random(n) < p_backbone
    title = np.where(teaching_years >= 18, rng.choice(["senior", "intermediate"], n, p=[0.45, 0.55]),
                     np.where(teaching_years >= 7, rng.choice(["intermediate", "junior"], n, p=[0.7, 0.3]),
                              np.where(teaching_years >= 2, "junior", "none")))
    role = np.full(n, "teacher", dtype=object)
    starts = np.r_[0, np.cumsum(staff)[:-1]]
    for j, (st, k) in enumerate(zip(starts, staff)):
        members = st + rng.permutation(k)
        senior = members[np.argsort(-age[members], kind="stable")]
        role[senior[0]] = "principal"
        n_vice = 0 if k < 8 else (1 if k < 40 else 2)
        role[senior[1:1 + n_vice]] = "vice_principal"
        n_mid = k // 12
        role[senior[1 + n_vice:1 + n_vice + n_mid]] = "middle_leader"
    young_f = (gender == "F") & (age < 40)
    t = pd.DataFrame({
        "teacher_id": [f"T{i:06d}" for i in range(1, n + 1)],
        "school_id": s["school_id"].to_numpy()[school_pos],
        "subject": subj,
        "gender": gender,
        "age": age,
        "years_at_school": years,
        "teaching_years": teaching_years,
        "title": title,
        "backbone": backbone,
        "role": role,
        "years_in_post": np.where(role != "teacher", np.minimum(years, rng.integers(0, 12, n)), 0),
        "pregnant_or_nursing": young_f & (rng.random(n) < 0.06),
        "serious_illness": rng.random(n) < 0.01,
        "under_investigation": rng.random(n) < 0.002,
        "child_exam_this_year": (age > 38) & (age < 52) & (rng.random(n) < 0.08),
        "family_care_months": np.where(rng.random(n) < 0.02, rng.integers(1, 13, n), 0),
        "volunteer": rng.random(n) < 0.03,
    })
    # some teachers give their home location (commute then runs from home)
    xy = s[["x", "y"]].to_numpy()[school_pos]
    has_home = rng.random(n) < 0.4
    home = xy + rng.normal(0, 3.0, (n, 2))
    t["home_x"] = np.where(has_home, np.round(home[:, 0], 2), np.nan)
    t["home_y"] = np.where(has_home, np.round(home[:, 1], 2), np.nan)
    return t


def _needs(s: pd.DataFrame, t: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    weights = np.array([SHORTAGE.get(x, 0.35) for x in SUBJECTS])
    weights = weights / weights.sum()
    for sid, cat, strength, staff in s[["school_id", "category", "strength", "_staff"]].itertuples(index=False):
        if cat not in ("rural", "village") and strength != "weak":
            continue
        base = {"rural": 0.12, "village": 0.35, "town": 0.05, "urban": 0.03}[cat]
        total = max(1, int(rng.poisson(base * staff + 0.5)))
        picks = rng.choice(SUBJECTS, total, p=weights)
        for subj, cnt in zip(*np.unique(picks, return_counts=True)):
            rows.append((sid, str(subj), int(cnt), int(rng.choice([1, 1, 1, 2]))))
    return pd.DataFrame(rows, columns=["school_id", "subject", "count", "priority"])

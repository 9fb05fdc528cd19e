"""Synthetic counties: the one seeded generator used by the demo, tests, benchmarks and examples.

A county (县) has a county town (县城) of large urban schools and townships (乡镇); each township has a
central primary school (中心小学) and a junior middle school at its seat, village primary schools (村小) and
village teaching points (教学点) around it. Larger rosters are several counties side by side (a city of
~30,000 teachers is three counties; teachers rotate within reach of their school, so distance keeps most
pairs inside one county). A road graph joins schools to their town's hub, township seats to the county town
and to each other, and county towns to their neighbours; every road is longer than the straight line.

Calibration (RULEBOOK §4, §6.8; numbers not in the seeds are marked as background choices):

* about 30 % of teachers are movable (mandatory or eligible) under ``models/default.toml``, as in the city
  of seed 004 (9,515 eligible of ~31,000 full-time teachers, S1/S5; measured 29 % / 32 % / 33 % for the
  town / county / city presets); the knobs are the tenure distribution and the age structure (young
  special-post teachers and older teachers in villages);
* declared needs total about 6 % of teachers (seed 004 exchanged 9.2 % of teachers in a year, S2, counting
  both directions and cadres), three quarters of them in the shortage subjects music, PE, art, English, IT
  and science (RULEBOOK §3.1, 走教);
* Tongyu-style stipend tiers (S13): the most remote fifth of a county's townships is tier 1, the next fifth
  tier 2, the rest tier 3 (``township_tier``; county-town schools have none);
* school sizes, shares of teachers per school type, gender, titles and backbone rates are background
  choices typical of a central/western Chinese county and are documented where they are set.

Same arguments → identical tables.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from .errors import InputError, InputWarning
from .problem import Problem

__all__ = ["make_county", "PRESETS", "SHORTAGE_SUBJECTS", "MIN_TEACHERS"]

PRESETS = {"town": 500, "county": 10_000, "city": 30_000, "metro": 100_000}
#: the smallest roster make_county draws. The smallest county it lays out has 9 schools (a county-town school
#: and two townships, each with a central primary, a junior middle school, a village school and a teaching
#: point), each with at least one teacher; from 20 teachers the county-town school has at least 3, so it can
#: send a teacher and keep others, and there is a rotation to plan. Below 9 no county can be laid out at all.
MIN_TEACHERS = 20

#: teachers per county: rosters larger than ~1.5 counties are split into several counties
TEACHERS_PER_COUNTY = 10_000
#: county area per teacher, km² (background: a 10,000-teacher county covers ~2,500 km²)
KM2_PER_TEACHER = 0.25
#: teachers per township (background: ~25 townships in a 10,000-teacher county)
TEACHERS_PER_TOWNSHIP = 400

#: share of a county's teachers by school type (background; village teaching points are many but tiny)
CATEGORY_SHARE = {"urban": 0.42, "town": 0.34, "rural": 0.20, "village": 0.04}
#: strong / normal / weak probabilities per school type
STRENGTH_P = {"urban": (0.40, 0.50, 0.10), "town": (0.15, 0.60, 0.25), "rural": (0.03, 0.42, 0.55),
              "village": (0.0, 0.25, 0.75)}
#: share of women among teachers per school type (background: ~70 % overall, fewer in villages)
FEMALE_P = {"urban": 0.78, "town": 0.66, "rural": 0.55, "village": 0.45}
#: mean continuous years at the current school — the main knob of the ~30 % eligible share
TENURE_MEAN = {"urban": 3.8, "town": 3.5, "rural": 3.2, "village": 4.9}

#: subject mix of the teaching staff per school stage (background, from typical timetables)
STAGE_MIX = {
    "primary": {"chinese": .30, "math": .24, "english": .08, "science": .05, "pe": .07, "music": .05,
                "art": .04, "it": .02, "morality": .05},
    "junior": {"chinese": .15, "math": .15, "english": .13, "physics": .06, "chemistry": .04,
               "biology": .04, "history": .05, "geography": .04, "morality": .06, "pe": .07, "music": .03,
               "art": .03, "it": .03},
}
SUBJECTS = sorted(set(STAGE_MIX["primary"]) | set(STAGE_MIX["junior"]))
#: shortage subjects (紧缺学科, RULEBOOK §3.1 Gangkou 走教) and their relative weight in declared needs
SHORTAGE_SUBJECTS = {"music": 3.0, "pe": 3.0, "art": 2.5, "english": 2.2, "it": 1.5, "science": 1.5}
#: share of declared posts that are in a shortage subject
SHORTAGE_NEED_SHARE = 0.78

_SYLLABLES = list("东西南北新安平永兴和长清石河桥山庄湖龙凤马杨李白柳沙")


def make_county(n_teachers: int = 3000, seed: int = 0, preset: str | None = None,
                reference_date: dt.date | str = "2025-08-31", history: bool = False, wishes: bool = False,
                diversion: int = 0, rotation_posts: float = 0.0, itinerant: bool = False) -> Problem:
    """A synthetic county roster of exactly ``n_teachers`` teachers, with needs and a road graph.

    Parameters
    ----------
    n_teachers : int
        Teachers on the roster (ignored when ``preset`` is given); at least :data:`MIN_TEACHERS`.
    seed : int
        Random seed; the same seed gives identical tables.
    preset : {"town", "county", "city", "metro"}, optional
        Size presets of 500, 10,000, 30,000 and 100,000 teachers.
    reference_date : date or str
        Statistics cut-off of the roster.
    history : bool
        Add an exchange history (``exchanges``, see :func:`_exchanges`): about 10 % of teachers away on a
        1–3 year term now (a third to a half of them returning this year), some past exchanges, and the
        support teaching behind ``years_since_support`` (the column is then left out: the table replaces it).
        Off by default, so the tables of every seed stay as they were.
    wishes : bool
        Add ranked wishes (``preferences``, 志愿, see :func:`_wishes`). Off by default (tables unchanged).
    diversion : int
        Flag this many teachers of the largest town school as a diversion pool (分流人员, see
        :func:`_diversion`) with their origin schools and an ``options`` table (分流岗位). 0 (default): none,
        and the tables stay as they were.
    rotation_posts : float
        Share of teachers for whom the bureau declares a rotation post (交流岗位, see :func:`_rotation_posts`)
        beside the shortage needs, so that a rotation cycle has somewhere to send every mandatory teacher;
        0 (the default) keeps the tables of every seed as they were.
    itinerant : bool
        Add itinerant teaching (走教, see :func:`_itinerant`): ``spare_lessons`` of the teachers and a
        ``lesson_needs`` table of shortage-subject lessons at rural and village schools. Off by default (the
        tables of every seed stay as they were).

    Returns
    -------
    Problem
        ``teachers``, ``schools`` (with ``county``, ``township_tier``, ``central_school_id``), ``needs`` and
        ``roads`` (``u, v, km``; school ids and road-junction ids ``J…`` are the nodes).

    Raises
    ------
    InputError
        Fewer than :data:`MIN_TEACHERS` teachers, or an unknown preset.

    Examples
    --------
    >>> p = make_county(400, seed=3)
    >>> len(p.teachers), p.teachers["teacher_id"].is_unique
    (400, True)
    """
    if preset is not None:
        if preset not in PRESETS:
            raise InputError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
        n_teachers = PRESETS[preset]
    if isinstance(n_teachers, bool) or not isinstance(n_teachers, (int, np.integer)):
        raise InputError(f"the number of teachers must be a whole number, got {n_teachers!r}")
    if n_teachers < MIN_TEACHERS:
        raise InputError(f"a synthetic county needs at least {MIN_TEACHERS} teachers, got {n_teachers} — its "
                         f"smallest layout has 9 schools, and the county-town school must be able to send "
                         f"a teacher and keep others")
    rng = np.random.default_rng(seed)
    counties = _counties(n_teachers, rng)
    schools, hubs = _schools(counties, rng)
    teachers = _teachers(schools, rng)
    needs = _needs(schools, rng)
    roads = _roads(schools, hubs, rng)
    if rotation_posts:
        if not 0 < rotation_posts <= 1:
            raise InputError(f"rotation_posts is a share of teachers from 0 to 1, got {rotation_posts!r}")
        teachers = _backbone_volunteers(teachers, schools)
        # a stream of its own, so the roster drawn above is the same with and without the posts
        needs = _rotation_posts(teachers, schools, needs, float(rotation_posts),
                                np.random.default_rng([seed, 2]))
    schools = schools.drop(columns=["_staff", "_tw"])
    exchanges = None
    if history:
        ref = (reference_date if isinstance(reference_date, dt.date)
               else dt.date.fromisoformat(str(reference_date)))
        # a stream of its own, so the roster drawn above is the same with and without a history
        exchanges = _exchanges(teachers, schools, ref, np.random.default_rng([seed, 1]))
        teachers = teachers.drop(columns=["years_since_support"])
    options = None
    if wishes:
        # streams of their own, so the roster drawn above is the same with and without them
        teachers = _wishes(teachers, schools, needs, np.random.default_rng([seed, 3]))
    if diversion:
        teachers, options = _diversion(teachers, schools, int(diversion), np.random.default_rng([seed, 2]))
    lesson_needs = None
    if itinerant:
        # a stream of its own, so the roster drawn above is the same with and without 走教
        teachers, lesson_needs = _itinerant(teachers, schools, np.random.default_rng([seed, 5]))
    with warnings.catch_warnings():
        # a small county may declare a shortage no teacher of it can fill (the point of 紧缺学科): drawn on
        # purpose, so not warned about; problem.warnings still lists it
        warnings.simplefilter("ignore", InputWarning)
        return Problem.from_frames(teachers, schools, needs, roads=roads, reference_date=reference_date,
                                   exchanges=exchanges, options=options, lesson_needs=lesson_needs)


#: share of teachers who list wishes (志愿) when ``wishes=True``, and the most schools one lists
WISH_SHARE, WISH_MAX = 0.4, 3


def _wishes(t: pd.DataFrame, s: pd.DataFrame, needs: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Ranked wishes (background choices, not from the seeds).

    :data:`WISH_SHARE` of the teachers list 1 to :data:`WISH_MAX` schools (equally likely) of their county,
    other than their own, that declared a need in their subject, in a random order; the others list nothing
    (so are indifferent).
    """
    county = s.set_index("school_id")["county"] if "county" in s.columns else pd.Series("c", s["school_id"])
    by = {k: g["school_id"].to_numpy() for k, g in
          needs[needs["count"] > 0].assign(c=needs["school_id"].map(county)).groupby(["c", "subject"])}
    home = t["school_id"].to_numpy()
    subj = t["subject"].to_numpy()
    home_c = county.reindex(home).to_numpy()
    draw = rng.random(len(t))
    k = rng.integers(1, WISH_MAX + 1, len(t))
    out = np.array([None] * len(t), dtype=object)
    for i in np.flatnonzero(draw < WISH_SHARE):
        cand = by.get((home_c[i], subj[i]))
        if cand is None:
            continue
        cand = cand[cand != home[i]]
        if len(cand):
            out[i] = ";".join(rng.permutation(cand)[: k[i]])
    return t.assign(preferences=out)


#: the options of a synthetic diversion: non-school institutions (id; seats drawn from 2–6)
INSTITUTIONS = ("INST01", "INST02", "INST03")


def _diversion(t: pd.DataFrame, s: pd.DataFrame, size: int,
               rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A diversion pool (分流, background choices shaped on RULEBOOK §2.2 (C)).

    ``size`` teachers drawn at random from the largest town school (the overstaffed central school; the
    largest schools after it when it is too small) are flagged ``diversion``; each came from one
    of two rural or village schools of the county (the Mudanfeng and Datuan of the source:
    ``origin_school_id``).
    The options (``options`` table): :data:`INSTITUTIONS` with 2–6 seats each and the urban primary schools
    with 1–3 seats each; the two origin schools offer their needs. Each pool teacher lists 1–4 options in a
    random order (10 % list none, 10 % list their origin school among them).
    """
    staff = t["school_id"].value_counts()
    cat = s.set_index("school_id")["category"]
    town = [x for x in staff.index if cat[x] == "town"] + [x for x in staff.index if cat[x] != "town"]
    picked: list[int] = []
    for sch in town:
        rows = np.flatnonzero((t["school_id"] == sch).to_numpy())
        picked += rng.permutation(rows)[: size - len(picked)].tolist()
        if len(picked) >= size:
            break
    if len(picked) < size:
        raise InputError(f"a diversion pool of {size} teachers needs a roster of more than {len(t)}")
    county = s.set_index("school_id")["county"] if "county" in s.columns else pd.Series("c", s["school_id"])
    c0 = county[t["school_id"].iat[picked[0]]]
    rural = s[s["category"].isin(["rural", "village"]) & (s["school_id"].map(county) == c0).to_numpy()]
    if rural.empty:
        rural = s[s["category"].isin(["rural", "village"])]
    origins = rural["school_id"].to_numpy()[:2]
    urban = s[(s["category"] == "urban") & (s["stage"] == "primary")]["school_id"].to_numpy()
    opts = pd.DataFrame({"option_id": [*INSTITUTIONS, *urban],
                         "capacity": np.r_[rng.integers(2, 7, len(INSTITUTIONS)),
                                           rng.integers(1, 4, len(urban))].astype(int)})
    menu = np.r_[opts["option_id"].to_numpy(), origins]
    flag = np.zeros(len(t), dtype=bool)
    flag[picked] = True
    origin = np.array([None] * len(t), dtype=object)
    prefs = t["preferences"].to_numpy(dtype=object).copy() if "preferences" in t.columns else \
        np.array([None] * len(t), dtype=object)
    for i in picked:
        origin[i] = origins[rng.integers(0, len(origins))]
        r = rng.random()
        if r < 0.1:
            prefs[i] = None
            continue
        listed = list(rng.permutation(menu)[: rng.integers(1, 5)])
        if r < 0.2 and origin[i] not in listed:
            listed.insert(int(rng.integers(0, len(listed) + 1)), origin[i])
        prefs[i] = ";".join(listed)
    return t.assign(diversion=flag, origin_school_id=origin, preferences=prefs), opts
def _itinerant(t: pd.DataFrame, s: pd.DataFrame,
               rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spare lessons and lesson needs for itinerant teaching (走教).

    About a third of the shortage-subject teachers (:data:`SHORTAGE_SUBJECTS`) at urban and town schools
    have 4–12 spare lessons a week; everyone else none. About a quarter of the rural and village schools
    need 6–12 lessons a week of one shortage subject (6 a week is the least an assignment gives in Fenliu,
    RULEBOOK FL-IT1); a need of 12 may be shared by two teachers.
    """
    t = t.copy()
    cat = t["school_id"].map(s.set_index("school_id")["category"]).to_numpy()
    short = t["subject"].isin(list(SHORTAGE_SUBJECTS)).to_numpy()
    lucky = rng.random(len(t)) < 1 / 3
    spare = np.where(short & np.isin(cat, ["urban", "town"]) & lucky, rng.integers(4, 13, len(t)), 0)
    t["spare_lessons"] = spare
    rows = []
    subjects = sorted(SHORTAGE_SUBJECTS)
    for sid in s.loc[s["category"].isin(["rural", "village"]), "school_id"]:
        if rng.random() >= 0.25:
            continue
        subj = subjects[int(rng.integers(len(subjects)))]
        lessons = int(rng.integers(6, 13))
        rows.append((sid, subj, lessons, 2 if lessons >= 12 else 1))
    ln = pd.DataFrame(rows, columns=["school_id", "subject", "lessons_per_week", "max_teachers"])
    return t, ln


def _exchanges(t: pd.DataFrame, s: pd.DataFrame, ref: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """An exchange history for the roster (background choices, not from the seeds).

    * **current**: 16 % of the county-town and town teachers who are not leaders and did no support
      teaching (about 10 % of all teachers), away on a rotation term of 1, 2 or 3 years (equally likely) to a
      rural or village school of their county, started on 1 September of a year that leaves the term under
      way at ``ref`` — so about 1/term of them return this year; 5 % of these moved their personnel relation
      (人事关系随转) and stay;
    * **past**: 8 % of the other teachers did one rotation term of 1–2 years that ended 1–6 years ago;
    * **support** (支教): every teacher with ``years_since_support`` did a 1-year support term that ended that
      many years before ``ref`` + 1 day, at a rural or village school of the county.

    A teacher has at most one of these, so no two exchanges of a teacher overlap.
    """
    n = len(t)
    now = pd.Timestamp(ref) + pd.Timedelta(days=1)
    county = (s.set_index("school_id")["county"] if "county" in s.columns
              else pd.Series("c", index=s["school_id"]))
    rural = s[s["category"].isin(["rural", "village"])]
    rural_county = county.reindex(rural["school_id"]).to_numpy()
    by_county = {c: g["school_id"].to_numpy() for c, g in rural.groupby(rural_county)}
    home = t["school_id"].to_numpy()
    home_county = county.reindex(home).to_numpy()
    cat = s.set_index("school_id")["category"].reindex(home).to_numpy()
    support_done = t["years_since_support"].notna().to_numpy()
    draw = rng.random(n)
    teacher = t["role"].to_numpy() == "teacher"
    current = np.isin(cat, ["urban", "town"]) & teacher & ~support_done & (draw < 0.16)
    past = ~current & ~support_done & (rng.random(n) < 0.08)
    rows = []

    def dest(i: int) -> str | None:
        options = by_county.get(home_county[i], np.array([]))
        options = options[options != home[i]]
        return str(rng.choice(options)) if len(options) else None

    # the school year under way at ref began on the last 1 September on or before it
    last_sept = ref.year if (ref.month, ref.day) >= (9, 1) else ref.year - 1

    def sept(years_ago: int) -> pd.Timestamp:
        return pd.Timestamp(last_sept - years_ago, 9, 1)

    for i in np.flatnonzero(current | past | support_done):
        to = dest(int(i))
        if to is None:
            continue
        if current[i]:
            term = int(rng.integers(1, 4))
            start, mode, moved = sept(int(rng.integers(0, term))), "rotation", bool(rng.random() < 0.05)
        elif past[i]:
            term = int(rng.integers(1, 3))
            start, mode, moved = sept(term - 1 + int(rng.integers(1, 7))), "rotation", False
        else:
            term = 1
            end = now - pd.DateOffset(years=int(t["years_since_support"].iloc[i]))
            start, mode, moved = end - pd.DateOffset(years=1), "support", False
        rows.append((t["teacher_id"].iloc[i], home[i], to, mode, start, float(term), moved))
    return pd.DataFrame(rows, columns=["teacher_id", "from_school_id", "to_school_id", "mode", "start_date",
                                       "term_years", "relation_moved"])


def _backbone_volunteers(t: pd.DataFrame, s: pd.DataFrame) -> pd.DataFrame:
    """A county that rotates asks its backbone teachers to go first: one volunteers at each sending school.

    The sources send backbone teachers first (Gangkou: 推动优秀校长和骨干教师到农村学校, a backbone share of
    those sent; Dongcheng: 先骨干后普通; the county draft: 骨干教师应占有一定的比例), and a volunteer
    (自愿申请) goes whatever their age and years at the school. Backbone status is drawn apart from the years
    at the school, so a sending school's few long-serving teachers are often none of them backbone, and a
    per-school backbone share could then never hold. At each county-town or town school that is not weak, and
    each strong school — the sending side of a rotation — the longest-serving backbone teacher (ties by
    teacher_id) with no exemption (pregnant or nursing, serious illness, under investigation, a sanction)
    volunteers. Only in a county with rotation posts: the tables of every seed without them stay as they were.
    """
    pos = pd.Series(np.arange(len(s)), index=s["school_id"]).reindex(t["school_id"]).to_numpy()
    sending = ((s["category"].isin(["urban", "town"]) & (s["strength"] != "weak"))
               | (s["strength"] == "strong")).to_numpy()
    free = ~(t["pregnant_or_nursing"] | t["serious_illness"] | t["under_investigation"]
             | t["sanction_ended_years_ago"].notna()).to_numpy()
    cand = t[sending[pos] & t["backbone"].to_numpy() & free]
    first = cand.sort_values(["school_id", "years_at_school", "teacher_id"], ascending=[True, False, True],
                             kind="stable").groupby("school_id", sort=True).head(1)
    out = t.copy()
    out.loc[first.index, "volunteer"] = True
    return out


def _rotation_posts(t: pd.DataFrame, s: pd.DataFrame, needs: pd.DataFrame, share: float,
                    rng: np.random.Generator) -> pd.DataFrame:
    """Declared needs plus the rotation posts (交流岗位) a county reserves for its rotation (background).

    A rotation cycle sends every mandatory teacher once, and the shortage needs alone (about 6 % of teachers,
    mostly in music, PE and art) cannot take the Chinese and mathematics teachers who are most of them. A
    county that rotates declares posts for them: for the ``share`` of teachers longest at their school (ties
    drawn), and for every volunteer, a post of the
    teacher's subject at a school of the same township (else of the county) on the other side of the
    rotation: a rural, village or weak school for a county-town or town school's teacher, a county-town or
    town school that is not weak for a rural or village school's teacher; a post is at the school's
    counterpart (结对) too when it has one — a policy that sends only to the counterpart has a post there for
    each of these teachers — instead of the other school with probability 0.7 when the counterpart is on
    the other side, beside it otherwise (and always beside it when not: a weak town school paired with a
    county-town school). Every subject taught at a
    county-town or town school of a county has at least one post at a receiving school of it. A
    post taken for a 1-year term re-opens the next year, so a post serves several teachers of a cycle.
    """
    townside = s["category"].isin(["urban", "town"]).to_numpy()
    receiving = ~townside | (s["strength"] == "weak").to_numpy()
    pos = pd.Series(np.arange(len(s)), index=s["school_id"])
    county = s["county"].to_numpy()
    township = s["township"].to_numpy()
    pair = s["pair_id"].to_numpy()
    home = pos.reindex(t["school_id"]).to_numpy()
    tie = rng.random(len(t))
    side = rng.random(len(t))
    # the longest-serving teachers first: they are the ones a cycle makes mandatory
    order = np.lexsort((tie, -t["years_at_school"].to_numpy(dtype=float)))
    rows: dict[tuple[str, str], int] = {}
    volunteers = np.flatnonzero(t["volunteer"].to_numpy(dtype=bool))
    chosen = np.union1d(order[: int(round(share * len(t)))], volunteers)
    for i in chosen:
        a = int(home[i])
        # a county-town or town school's teacher goes down, a village school's teacher up
        other = (receiving if townside[a] else ~receiving) & (county == county[a]) & (np.arange(len(s)) != a)
        near = other & (township == township[a])
        options = np.flatnonzero(near if near.any() else other)
        dest = [int(rng.choice(options))] if len(options) else []
        if isinstance(pair[a], str):
            b = int(pos[pair[a]])
            # a paired school rotates through its counterpart first: a policy that sends only to the
            # counterpart (对口) has a post there for each of these teachers; instead of the other school
            # (probability 0.7) when the counterpart is on the other side, else beside it
            dest = [b] if other[b] and side[i] < 0.7 else [*dest, b]
        for b in dest:
            k = (str(s["school_id"].iat[b]), str(t["subject"].iat[i]))
            rows[k] = rows.get(k, 0) + 1
    # every subject taught in a county's town schools has a post on the receiving side of the county
    subj = t["subject"].to_numpy()
    for c in sorted(set(county)):
        down = np.flatnonzero(receiving & (county == c))
        if not len(down):
            continue
        have = {j for (sid, j) in rows if pos[sid] in set(down)}
        for j in sorted(set(subj[townside[home] & (county[home] == c)]) - have):
            rows[(str(s["school_id"].iat[int(rng.choice(down))]), str(j))] = 1
    n = needs.set_index(["school_id", "subject"])
    for (sid, subj), c in rows.items():
        if (sid, subj) in n.index:
            n.loc[(sid, subj), "count"] = int(n.loc[(sid, subj), "count"]) + c
        else:
            n.loc[(sid, subj), ["count", "priority"]] = [c, 1]
    out = n.reset_index()
    out["count"] = out["count"].astype(int)
    out["priority"] = out["priority"].astype(int)
    return out.sort_values(["school_id", "subject"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- geography
def _counties(n: int, rng: np.random.Generator) -> list[dict]:
    """Counties with their teachers, centre, radius and township seats."""
    k = max(1, int(round(n / TEACHERS_PER_COUNTY)))
    # the first county holds the prefecture seat and is larger than the others
    w = np.r_[1.4, rng.uniform(0.8, 1.2, k - 1)] if k > 1 else np.ones(1)
    sizes = np.floor(w / w.sum() * n).astype(int)
    sizes[0] += n - sizes.sum()
    radius = np.maximum(10.0, np.sqrt(KM2_PER_TEACHER * sizes / np.pi))
    cols = int(np.ceil(np.sqrt(k)))
    step = 2.05 * radius.max()
    out = []
    for c in range(k):
        centre = np.array([(c % cols) * step, (c // cols) * step]) + rng.normal(0, 0.05 * step, 2) * (k > 1)
        nt = max(2, int(round(sizes[c] / TEACHERS_PER_TOWNSHIP)))
        seats = _spread_points(centre, radius[c], nt, rng)
        far = np.linalg.norm(seats - centre, axis=1)
        rank = np.argsort(np.argsort(-far, kind="stable"), kind="stable")
        # Tongyu tiers: remoteness decides the stipend cap (15000 / 10000 / 5000 yuan)
        tier = np.where(rank < max(1, round(0.2 * nt)), 1, np.where(rank < max(2, round(0.4 * nt)), 2, 3))
        names = _township_names(nt, rng)
        out.append({"id": c, "n": int(sizes[c]), "centre": centre, "radius": float(radius[c]), "seats": seats,
                    "tier": tier, "names": names, "county": f"C{c + 1:02d}"})
    return out


def _spread_points(centre: np.ndarray, radius: float, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` township seats in a disc around the county town, kept apart from each other and the town."""
    min_sep = 0.8 * radius / np.sqrt(k)
    pts: list[np.ndarray] = []
    for _ in range(k):
        best: np.ndarray | None = None
        best_d: float | np.floating = -1.0
        for _ in range(30):
            r = radius * np.sqrt(rng.uniform(0.08, 1.0))
            a = rng.uniform(0, 2 * np.pi)
            p = centre + r * np.array([np.cos(a), np.sin(a)])
            d = min([np.linalg.norm(p - q) for q in pts] + [np.linalg.norm(p - centre)])
            if d >= min_sep:
                best = p
                break
            if d > best_d:
                best, best_d = p, d
        assert best is not None  # the first try beats best_d = -1 (a distance is ≥ 0)
        pts.append(best)
    return np.array(pts)


def _township_names(k: int, rng: np.random.Generator) -> list[str]:
    names: list[str] = []
    while len(names) < k:
        a, b = rng.choice(_SYLLABLES, 2, replace=False)
        name = f"{a}{b}{'镇' if rng.random() < 0.6 else '乡'}"
        if name not in names:
            names.append(name)
    return names


# ---------------------------------------------------------------------------------------------- schools
def _lognormal_size(rng, median: float, sigma: float, lo: int, hi: int) -> int:
    return int(np.clip(round(median * np.exp(rng.normal(0, sigma))), lo, hi))


def _schools(counties: list[dict], rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Schools of every county (target staff in ``_staff``) and the road hubs (county towns, seats)."""
    rows: list[dict] = []
    hubs: dict[str, np.ndarray] = {}
    for c in counties:
        cid = c["county"]
        town_hub = f"J{cid}"
        hubs[town_hub] = c["centre"]
        nt = len(c["seats"])
        # urban schools in the county town (城区): large primaries, junior middles and nine-year schools
        target, total = CATEGORY_SHARE["urban"] * c["n"], 0
        while total < target:
            stage = str(rng.choice(["primary", "junior", "nine_year"], p=[0.55, 0.30, 0.15]))
            median = {"primary": 90, "junior": 110, "nine_year": 130}[stage]
            size = _lognormal_size(rng, median, 0.35, 40, 260)
            xy = c["centre"] + rng.normal(0, 1.2 + 0.03 * c["radius"], 2)
            rows.append(_row(cid, "urban", stage, xy, "城关镇", pd.NA, town_hub, size, rng))
            total += size
        # townships: each gets a share of the county's non-urban teachers
        tw = rng.lognormal(0, 0.35, nt)
        tw = tw / tw.sum()
        spacing = c["radius"] / np.sqrt(nt)
        for k in range(nt):
            seat, name, tier = c["seats"][k], c["names"][k], int(c["tier"][k])
            hub = f"J{cid}T{k + 1:02d}"
            hubs[hub] = seat
            n_tw = (1 - CATEGORY_SHARE["urban"]) * c["n"] * tw[k]
            first = len(rows)
            # seat: central primary school (中心小学), then a junior middle school, then extra primaries
            target, total, j = CATEGORY_SHARE["town"] / (1 - CATEGORY_SHARE["urban"]) * n_tw, 0, 0
            while total < target or j < 2:
                stage = "primary" if j != 1 else str(rng.choice(["junior", "nine_year"], p=[0.8, 0.2]))
                median = 45 if j == 0 else (55 if j == 1 else 30)
                size = _lognormal_size(rng, median, 0.3, 12, 120)
                xy = seat + rng.normal(0, 0.5, 2)
                rows.append(_row(cid, "town", stage, xy, name, tier, hub, size, rng))
                total += size
                j += 1
            rows[first]["_central"] = True
            # village primary schools (村小) and teaching points (教学点) around the seat
            for cat, share, r_lo, r_hi in (("rural", CATEGORY_SHARE["rural"], 1.5, 0.6),
                                           ("village", CATEGORY_SHARE["village"], 2.5, 0.85)):
                target, total = share / (1 - CATEGORY_SHARE["urban"]) * n_tw, 0
                while total < target:
                    if cat == "rural":
                        size = _lognormal_size(rng, 12, 0.4, 4, 30)
                    else:
                        size = int(rng.choice([1, 2, 3, 4, 5], p=[0.2, 0.35, 0.25, 0.12, 0.08]))
                    r = rng.uniform(r_lo, max(r_lo + 1.0, r_hi * spacing * 1.2))
                    a = rng.uniform(0, 2 * np.pi)
                    xy = seat + r * np.array([np.cos(a), np.sin(a)])
                    rows.append(_row(cid, cat, "primary", xy, name, tier, hub, size, rng))
                    total += size
            for r in rows[first + 1:]:
                r["central_school_id"] = first  # row position, turned into the school id below
    s = pd.DataFrame(rows)
    s["school_id"] = [f"S{i:05d}" for i in range(1, len(s) + 1)]
    ids = s["school_id"].to_numpy()
    s["central_school_id"] = [None if pd.isna(r) else ids[int(r)] for r in s["central_school_id"]]
    s["name"] = _school_names(s)
    s = _fit_staff(s, sum(c["n"] for c in counties))
    s["protected_subjects"] = _protected(s, rng)
    s["pair_id"] = _pairs(s, rng)
    # pupils per teacher: large classes in town, small ones in villages (Fujian: ≥ 1 teacher per 10 pupils)
    ratio = s["category"].map({"urban": (15, 19), "town": (12, 16), "rural": (9, 13), "village": (5, 10)})
    s["students"] = [int(k * rng.uniform(lo, hi)) for k, (lo, hi) in zip(s["_staff"], ratio, strict=True)]
    s["township_tier"] = s["township_tier"].astype("Int64")
    cols = ["school_id", "name", "category", "strength", "stage", "x", "y", "county", "township",
            "township_tier", "central_school_id", "pair_id", "protected_subjects", "students", "_staff",
            "_tw"]
    return s[cols], hubs


def _row(county, cat, stage, xy, township, tier, hub, size, rng) -> dict:
    strength = str(rng.choice(["strong", "normal", "weak"], p=STRENGTH_P[cat]))
    return {"county": county, "category": cat, "stage": stage, "strength": strength,
            "x": round(float(xy[0]), 2), "y": round(float(xy[1]), 2), "township": township,
            "township_tier": tier, "_tw": hub, "_staff": size, "central_school_id": None, "_central": False}


def _school_names(s: pd.DataFrame) -> list[str]:
    kind = {"primary": "小学", "junior": "初级中学", "nine_year": "九年一贯制学校"}
    seq: dict[tuple, int] = {}
    names = []
    cols = ["county", "category", "stage", "township", "_central"]
    for county, cat, stage, township, central in s[cols].itertuples(index=False):
        key = (county, township, cat, stage)
        seq[key] = seq.get(key, 0) + 1
        i = seq[key]
        if cat == "urban":
            names.append(f"{county}县城关第{i}{kind[stage]}")
        elif central:
            names.append(f"{township}中心小学")
        elif cat == "town":
            names.append(f"{township}{'第' + str(i) if i > 1 else ''}{kind[stage]}")
        elif cat == "rural":
            names.append(f"{township}{i}村小学")
        else:
            names.append(f"{township}{i}村教学点")
    return names


def _fit_staff(s: pd.DataFrame, n: int) -> pd.DataFrame:
    """Scale target staff so the roster has exactly ``n`` teachers (every school keeps at least one)."""
    # every school keeps one teacher, so n must cover the schools (make_county's minimum guarantees it)
    assert n >= len(s), (n, len(s))
    staff = s["_staff"].to_numpy(dtype=float)
    staff = np.maximum(1, np.floor(staff * n / staff.sum())).astype(int)
    diff = n - int(staff.sum())
    order = np.argsort(-staff, kind="stable")
    i = 0
    while diff != 0:
        j = order[i % len(order)]
        step = 1 if diff > 0 else -1
        if staff[j] + step >= 1:
            staff[j] += step
            diff -= step
        i += 1
    return s.assign(_staff=staff)


def _protected(s: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """Special programmes (特色学科, RULEBOOK S16): some large schools must not be drained of a subject."""
    out = []
    for cat, staff in s[["category", "_staff"]].itertuples(index=False):
        p = {"urban": 0.18, "town": 0.06}.get(cat, 0.0) if staff >= 20 else 0.0
        out.append(str(rng.choice(["pe", "music", "art"], p=[0.45, 0.3, 0.25])) if rng.random() < p else "")
    return out


def _pairs(s: pd.DataFrame, rng: np.random.Generator) -> list:
    """结对: each county-town school paired with a weak or rural school of the same county."""
    pair = [None] * len(s)
    for _, g in s.groupby("county", sort=True):
        urban = g.index[g["category"] == "urban"].to_numpy()
        weak = g.index[(g["category"].isin(["rural", "town"])) & (g["strength"] == "weak")
                       & (g["_staff"] >= 8)].to_numpy()
        # shuffle positions, not the index's own (read-only) array: the same draws as permuting it
        for a, b in zip(urban, weak[rng.permutation(len(weak))], strict=False):
            pair[a], pair[b] = s.at[b, "school_id"], s.at[a, "school_id"]
    return pair


# ---------------------------------------------------------------------------------------------- teachers
def _teachers(s: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    staff = s["_staff"].to_numpy()
    n = int(staff.sum())
    pos = np.repeat(np.arange(len(s)), staff)
    cat = s["category"].to_numpy()[pos]
    strength = s["strength"].to_numpy()[pos]
    stage = s["stage"].to_numpy()[pos]
    subject = _subjects(cat, stage, rng)
    gender = np.where(rng.random(n) < np.vectorize(FEMALE_P.get)(cat), "F", "M")
    age = _ages(cat, rng)
    age = np.where(gender == "F", np.minimum(age, 55), age)  # women teachers retire at 55
    teaching_years = np.maximum(0, age - 22 - rng.integers(0, 3, n))
    tenure = np.floor(rng.exponential(np.vectorize(TENURE_MEAN.get)(cat)))
    years = np.minimum(tenure, teaching_years).astype(int)
    # backbone (骨干): strong schools and mid-career teachers hold the county-level titles
    base = np.select([strength == "strong", strength == "normal"], [0.20, 0.11], 0.05)
    base = base * np.where(np.isin(cat, ["rural", "village"]), 0.8, 1.0)
    base = base * np.where((age >= 32) & (age <= 52), 1.5, np.where(age < 28, 0.3, 1.0))
    backbone = rng.random(n) < base
    title = np.where(teaching_years >= 18, rng.choice(["senior", "intermediate"], n, p=[0.4, 0.6]),
                     np.where(teaching_years >= 7, rng.choice(["intermediate", "junior"], n, p=[0.7, 0.3]),
                              np.where(teaching_years >= 2, "junior", "none")))
    role = _roles(staff, age, rng)
    leader = role != "teacher"
    young_f = (gender == "F") & (age >= 24) & (age <= 40)
    prior_rural = np.where(rng.random(n) < 0.4, rng.integers(1, 11, n), 0)
    rural_years = np.where(np.isin(cat, ["rural", "village"]), teaching_years,
                           np.minimum(prior_rural, teaching_years - years))
    sanctioned = rng.random(n) < 0.006
    supported = np.isin(cat, ["urban", "town"]) & (rng.random(n) < 0.10)
    return pd.DataFrame({
        "teacher_id": [f"T{i:06d}" for i in range(1, n + 1)],
        "school_id": s["school_id"].to_numpy()[pos],
        "subject": subject,
        "gender": gender,
        "age": age,
        "years_at_school": years,
        "teaching_years": teaching_years,
        "title": title,
        "backbone": backbone,
        "role": role,
        "years_in_post": np.where(leader, np.minimum(years, rng.integers(0, 12, n)), 0),
        "rural_years": rural_years,
        "years_since_support": np.where(supported, rng.integers(1, 9, n).astype(float), np.nan),
        "pregnant_or_nursing": young_f & (rng.random(n) < 0.08),
        "serious_illness": rng.random(n) < 0.012,
        "under_investigation": rng.random(n) < 0.003,
        "child_exam_this_year": (age >= 38) & (age <= 52) & (rng.random(n) < 0.09),
        "family_care_months": np.where(rng.random(n) < 0.025, rng.integers(1, 25, n), 0),
        "sanction_ended_years_ago": np.where(sanctioned, rng.integers(0, 7, n).astype(float), np.nan),
        "volunteer": rng.random(n) < np.where(age < 35, 0.05, 0.02),
    })


def _subjects(cat: np.ndarray, stage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Subjects by stage; villages have fewer specialists (which is why they declare shortage needs)."""
    out = np.empty(len(cat), dtype=object)
    for st in ("primary", "junior", "nine_year"):
        mixes = [STAGE_MIX["primary"], STAGE_MIX["junior"]] if st == "nine_year" else [STAGE_MIX[st]]
        base = np.array([sum(m.get(x, 0.0) for m in mixes) for x in SUBJECTS])
        for c in ("urban", "town", "rural", "village"):
            mask = (stage == st) & (cat == c)
            if not mask.any():
                continue
            shrink = {"urban": 1.0, "town": 0.85, "rural": 0.4, "village": 0.15}[c]
            core = {"urban": 1.0, "town": 1.05, "rural": 1.3, "village": 2.0}[c]
            w = base * np.array([shrink if x in SHORTAGE_SUBJECTS or x in ("physics", "chemistry", "biology")
                                 else core if x in ("chinese", "math") else 1.0 for x in SUBJECTS])
            out[mask] = rng.choice(SUBJECTS, int(mask.sum()), p=w / w.sum())
    return out


def _ages(cat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ages: town schools middle-aged; village schools older, with young special-post (特岗) teachers."""
    n = len(cat)
    mid = np.select([cat == "urban", cat == "town"], [rng.normal(40, 8.5, n), rng.normal(42, 9, n)],
                    rng.normal(np.where(cat == "rural", 48, 51), np.where(cat == "rural", 6, 5), n))
    young_p = np.select([cat == "rural", cat == "village"], [0.35, 0.25], 0.0)
    young = rng.random(n) < young_p
    age = np.where(young, rng.normal(29, 3.5, n), mid)
    return np.clip(age, 22, 60).astype(int)


def _roles(staff: np.ndarray, age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Leadership team (领导班子): principal, vice-principals and middle leaders, chosen among older staff."""
    role = np.full(len(age), "teacher", dtype=object)
    starts = np.r_[0, np.cumsum(staff)[:-1]]
    for st, k in zip(starts, staff, strict=True):
        if k < 6:  # teaching points and tiny village schools are run by their central school
            continue
        members = st + np.arange(k)
        w = np.clip(age[members] - 28, 0.5, None).astype(float)
        order = members[rng.choice(k, k, replace=False, p=w / w.sum())]
        n_vice = 1 if k >= 15 else 0
        n_vice += (k >= 50) + (k >= 120)
        n_mid = min(8, k // 15) if k >= 12 else 0
        role[order[0]] = "principal"
        role[order[1:1 + n_vice]] = "vice_principal"
        role[order[1 + n_vice:1 + n_vice + n_mid]] = "middle_leader"
    return role


# ---------------------------------------------------------------------------------------------- needs
def _needs(s: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Declared shortages of receiving schools (rural, village, or weak), mostly in the shortage subjects."""
    rows = []
    cols = ["school_id", "category", "strength", "stage", "_staff"]
    for sid, cat, strength, stage, staff in s[cols].itertuples(index=False):
        if cat == "rural":
            lam = 0.16 * staff + 0.3
        elif cat == "village":
            lam = min(3.0, 0.35 * staff + 0.4)
        elif strength == "weak":
            lam = (0.05 if cat == "town" else 0.03) * staff
        else:
            continue
        if strength == "strong":
            lam *= 0.5
        total = int(rng.poisson(lam))
        if total == 0:
            continue
        mixes = [STAGE_MIX["primary"], STAGE_MIX["junior"]] if stage == "nine_year" else [STAGE_MIX[stage]]
        offered = sorted(set().union(*mixes))
        short = [x for x in offered if x in SHORTAGE_SUBJECTS]
        core = [x for x in offered if x not in SHORTAGE_SUBJECTS]
        ws = np.array([SHORTAGE_SUBJECTS[x] for x in short])
        wc = np.array([sum(m.get(x, 0.0) for m in mixes) for x in core])
        picks = [str(rng.choice(short, p=ws / ws.sum())) if rng.random() < SHORTAGE_NEED_SHARE
                 else str(rng.choice(core, p=wc / wc.sum())) for _ in range(total)]
        for subj, cnt in zip(*np.unique(picks, return_counts=True), strict=True):
            rows.append((sid, str(subj), int(cnt), 2 if rng.random() < 0.25 else 1))
    return pd.DataFrame(rows, columns=["school_id", "subject", "count", "priority"])


# ---------------------------------------------------------------------------------------------- roads
def _roads(s: pd.DataFrame, hubs: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Road graph ``u, v, km``: every edge is its straight line times a detour factor ≥ 1.1.

    Trunk roads join each township seat to its county town and to its two nearest seats, and county towns
    to their nearest neighbours; every school has a road to its town's hub; village schools and teaching
    points are also linked to their nearest village neighbour, so villages are not dead ends.
    """
    edges: list[tuple[str, str, float]] = []

    def add(u: str, v: str, a: np.ndarray, b: np.ndarray, lo: float, hi: float) -> None:
        straight = float(np.hypot(*(np.asarray(a) - np.asarray(b))))
        edges.append((u, v, round(max(0.3, straight) * rng.uniform(lo, hi), 2)))

    names = list(hubs)
    towns = [h for h in names if "T" not in h[1:]]
    # a pair joined from both ends gets two parallel roads; the graph keeps the shorter one
    for h in towns:
        others = sorted((float(np.hypot(*(hubs[h] - hubs[o]))), o) for o in towns if o != h)
        for _, o in others[:2]:
            add(h, o, hubs[h], hubs[o], 1.10, 1.25)
    for h in names:
        if h in towns:
            continue
        town = h[:h.index("T", 1)]
        add(h, town, hubs[h], hubs[town], 1.15, 1.35)
        seats = [o for o in names if o.startswith(town + "T") and o != h]
        near = sorted((float(np.hypot(*(hubs[h] - hubs[o]))), o) for o in seats)[:2]
        for _, o in near:
            add(h, o, hubs[h], hubs[o], 1.2, 1.45)
    xy = s[["x", "y"]].to_numpy()
    sid = s["school_id"].to_numpy()
    for i, (cat, hub) in enumerate(s[["category", "_tw"]].itertuples(index=False)):
        lo, hi = (1.2, 1.4) if cat in ("urban", "town") else (1.25, 1.6)
        add(sid[i], hub, xy[i], hubs[hub], lo, hi)
    for _, g in s[s["category"].isin(["rural", "village"])].groupby("_tw", sort=True):
        idx = g.index.to_numpy()
        if len(idx) < 2:
            continue
        pts = xy[idx]
        d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        for a, b in enumerate(d.argmin(axis=1)):
            if a < b or d[b].argmin() != a:
                add(sid[idx[a]], sid[idx[b]], pts[a], pts[b], 1.25, 1.6)
    return pd.DataFrame(edges, columns=["u", "v", "km"])

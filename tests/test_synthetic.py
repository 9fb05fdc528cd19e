"""The synthetic county generator: deterministic, realistic shape, calibrated to RULEBOOK §4."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import teacher_match as tm
from teacher_match.synthetic import PRESETS, SHORTAGE_SUBJECTS, make_county


@pytest.fixture(scope="module")
def policy():
    return tm.load_policy("default")


@pytest.fixture(scope="module")
def county():
    return make_county(3000, seed=11)


def _frames(p):
    return p.teachers, p.schools, p.needs, p.roads


def test_same_seed_same_tables():
    a, b = make_county(800, seed=5), make_county(800, seed=5)
    for x, y in zip(_frames(a), _frames(b), strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_different_seed_different_tables():
    a, b = make_county(800, seed=5), make_county(800, seed=6)
    assert not a.teachers.equals(b.teachers)
    assert not a.schools[["x", "y"]].equals(b.schools[["x", "y"]])


@pytest.mark.parametrize(("n", "seed"), [(500, 0), (500, 3), (3000, 1)])
def test_about_30_percent_eligible(policy, n, seed):
    """Seed 004: 9,515 eligible of ~31,000 teachers (30.7 %) — the default policy lands near it."""
    status = tm.eligibility(make_county(n, seed=seed), policy)["status"]
    share = status.isin(["mandatory", "eligible"]).mean()
    assert 0.22 <= share <= 0.38


@pytest.mark.slow
def test_about_30_percent_eligible_county_preset(policy):
    status = tm.eligibility(make_county(preset="county", seed=2), policy)["status"]
    assert 0.22 <= status.isin(["mandatory", "eligible"]).mean() <= 0.38


def test_presets_sizes():
    assert PRESETS == {"town": 500, "county": 10_000, "city": 30_000, "metro": 100_000}
    assert make_county(preset="town").n_teachers == 500
    with pytest.raises(tm.InputError, match="unknown preset"):
        make_county(preset="village")


def test_school_types_and_sizes(county):
    """County town of large schools; townships with a central school; village schools and teaching points."""
    s = county.schools
    staff = county.teachers.groupby("school_id").size().reindex(s["school_id"]).to_numpy()
    by_cat = pd.Series(staff).groupby(s["category"].to_numpy()).median()
    assert by_cat["urban"] > by_cat["town"] > by_cat["rural"] > by_cat["village"]
    assert staff[(s["category"] == "village").to_numpy()].max() <= 8
    towns = s.loc[s["category"] != "urban", "township"].unique()
    centrals = s.loc[s["central_school_id"].notna(), "central_school_id"].unique()
    assert len(centrals) == len(towns)  # one central school per township, managing its villages
    assert set(centrals) <= set(s["school_id"])
    assert set(s.loc[s["category"] != "urban", "township_tier"].dropna().unique()) == {1, 2, 3}
    assert s.loc[s["category"] == "urban", "township_tier"].isna().all()


def test_needs_concentrated_in_shortage_subjects(county):
    n = county.needs
    share = n.loc[n["subject"].isin(list(SHORTAGE_SUBJECTS)), "count"].sum() / n["count"].sum()
    assert share > 0.6
    recv = county.schools.set_index("school_id").loc[n["school_id"]]
    assert (recv["category"].isin(["rural", "village"]) | (recv["strength"] == "weak")).all()
    assert 0.03 <= n["count"].sum() / county.n_teachers <= 0.10


def test_every_teacher_school_exists(county):
    assert county.teachers["school_id"].isin(county.schools["school_id"]).all()
    assert county.needs["school_id"].isin(county.schools["school_id"]).all()
    pairs = county.schools["pair_id"].dropna()
    assert pairs.isin(county.schools["school_id"]).all()


def test_leadership_backbone_and_protected(county):
    t = county.teachers
    assert 0.05 <= t["backbone"].mean() <= 0.20
    principals = t[t["role"] == "principal"].groupby("school_id").size()
    assert (principals == 1).all()
    assert (county.schools["protected_subjects"] != "").any()


def test_road_distances_at_least_straight_line(county):
    s = county.schools
    xy = s[["x", "y"]].to_numpy()
    straight = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    road = county.school_km
    assert np.isfinite(road).all()  # the road graph is connected
    assert (road >= straight - 1e-6).all()
    assert np.median(road[road > 0] / straight[road > 0]) > 1.1


def test_road_graph_is_connected_networkx(county):
    g = nx.from_pandas_edgelist(county.roads, "u", "v", "km")
    assert nx.is_connected(g)
    assert set(county.schools["school_id"]) <= set(g.nodes)


@pytest.mark.slow
def test_several_counties_for_city_sized_rosters():
    p = make_county(22_000, seed=0)
    assert p.schools["county"].nunique() == 2
    assert p.n_teachers == 22_000


def test_rotation_posts_add_posts_on_the_other_side_and_change_nothing_else():
    plain, posts = make_county(400, seed=4), make_county(400, seed=4, rotation_posts=0.5)
    pd.testing.assert_frame_equal(plain.schools, posts.schools)
    pd.testing.assert_frame_equal(plain.roads, posts.roads)
    # the roster is the same but for one backbone volunteer at each school of the sending side
    same = [c for c in plain.teachers.columns if c != "volunteer"]
    pd.testing.assert_frame_equal(plain.teachers[same], posts.teachers[same])
    t, s = posts.teachers, posts.schools.set_index("school_id")
    became = t[t["volunteer"] & ~plain.teachers["volunteer"]]
    assert len(became)
    assert became["backbone"].all()
    cat, strength = t["school_id"].map(s["category"]), t["school_id"].map(s["strength"])
    sending = (cat.isin(["urban", "town"]) & (strength != "weak")) | (strength == "strong")
    assert sending[became.index].all()
    exempt = t["pregnant_or_nursing"] | t["serious_illness"] | t["under_investigation"]
    exempt |= t["sanction_ended_years_ago"].notna()
    can = t[sending & t["backbone"] & ~exempt]
    offered = t.loc[sending & t["backbone"] & t["volunteer"] & ~exempt, "school_id"]
    assert set(offered) == set(can["school_id"])
    # the one who volunteers is the longest-serving backbone teacher of the school (unless one already did)
    longest = can.groupby("school_id")["years_at_school"].max()
    assert (became["years_at_school"].to_numpy() == longest[became["school_id"]].to_numpy()).all()
    # a paired school's teacher with a post has one at the counterpart too: its posts cover them
    pair = s["pair_id"].dropna()
    for a, b in pair.items():
        long = t[(t["school_id"] == a)].nlargest(3, "years_at_school")
        need = posts.needs[(posts.needs["school_id"] == b) & (posts.needs["count"] > 0)]
        assert set(long["subject"]) <= set(need["subject"]), (a, b)
    pd.testing.assert_frame_equal(
        posts.needs, make_county(400, seed=4, rotation_posts=0.5).needs
    )
    before = plain.needs.set_index(["school_id", "subject"])["count"]
    after = posts.needs.set_index(["school_id", "subject"])["count"]
    # every declared need is still there, at least as large; the posts add about one per two teachers
    assert (after.reindex(before.index) >= before).all()
    added = int(after.sum() - before.sum())
    assert 0.45 * 400 <= added <= 0.75 * 400
    # every subject taught at a county-town or town school has a post at a rural, village or weak school
    s = posts.schools.set_index("school_id")
    down = set(s.index[s["category"].isin(["rural", "village"]) | (s["strength"] == "weak")])
    town = posts.teachers["school_id"].map(s["category"]).isin(["urban", "town"])
    need = posts.needs[posts.needs["count"] > 0]
    assert set(posts.teachers.loc[town, "subject"]) <= set(need.loc[need["school_id"].isin(down), "subject"])
    with pytest.raises(tm.InputError, match="rotation_posts"):
        make_county(400, seed=4, rotation_posts=1.5)

"""Distances up to the commute cap: exact where they matter, the same candidate pairs as the full matrix."""

from __future__ import annotations

from functools import partial

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import teacher_match as tm
from teacher_match.eligibility import eligibility
from teacher_match.model.build import candidate_pairs, prune_data
from teacher_match.rules import RULES
from teacher_match.synthetic import make_county


@pytest.fixture(scope="module")
def county():
    return make_county(3000, seed=11)


@pytest.mark.parametrize("limit", [5.0, 18.5, 40.0])
def test_within_is_exact_up_to_the_limit_and_inf_beyond(county, limit):
    fresh = make_county(3000, seed=11)  # nothing cached yet: the shortest paths really stop at the limit
    within = fresh.school_km_within(limit)
    full = county.school_km
    near = full <= limit
    assert near.sum() > len(full)  # more than the diagonal: the limit keeps some pairs
    np.testing.assert_array_equal(within[near], full[near])
    assert np.isinf(within[~near]).all()
    assert not within.flags.writeable
    assert fresh.school_km_within(limit) is within  # cached per limit


def test_within_agrees_with_networkx_cutoff(county):
    g = nx.Graph()
    for u, v, km in county.roads[["u", "v", "km"]].itertuples(index=False):
        if u != v and (not g.has_edge(u, v) or km < g[u][v]["km"]):  # of parallel roads the shortest counts
            g.add_edge(u, v, km=km)
    fresh = make_county(3000, seed=11)
    within = fresh.school_km_within(25.0)
    ids = county.schools["school_id"].tolist()
    for i in (0, 7, len(ids) - 1):
        paths = nx.single_source_dijkstra_path_length(g, ids[i], cutoff=25.0, weight="km")
        reach = {k: v for k, v in paths.items() if k in set(ids)}  # junctions are on the graph too
        got = {ids[j]: within[i, j] for j in np.flatnonzero(np.isfinite(within[i]))}
        assert got.keys() == reach.keys()
        for k, v in reach.items():
            assert got[k] == pytest.approx(v)


TEACHERS = pd.DataFrame({"教师编号": ["T1"], "学校编号": ["A"], "学科": ["数学"], "性别": ["女"],
                         "年龄": [40], "本校连续任教年限": [8]})
NEEDS = pd.DataFrame({"学校编号": ["B"], "学科": ["数学"], "需求人数": [1]})


def _small(**kw):
    schools = pd.DataFrame({"学校编号": ["A", "B", "C", "D"], "类别": ["城区", "乡镇", "乡镇", "村小教学点"]})
    return tm.Problem.from_frames(TEACHERS, schools, NEEDS, **kw)


def test_within_with_a_distance_table_and_a_school_off_the_graph():
    roads = pd.DataFrame({"u": ["A", "J", "B"], "v": ["J", "B", "C"], "km": [4.0, 5.0, 30.0]})
    # the table's entries win over the roads: one shorter than the limit, one longer
    dist = pd.DataFrame({"from_school_id": ["A", "B"], "to_school_id": ["C", "D"], "km": [12.0, 50.0]})
    p = _small(roads=roads, distances=dist)
    within, full = p.school_km_within(20.0), _small(roads=roads, distances=dist).school_km
    a, b, c, d = range(4)
    assert within[a, b] == within[b, a] == pytest.approx(9.0)
    assert within[a, c] == within[c, a] == 12.0
    assert np.isinf(within[b, c])  # beyond the limit
    assert full[b, c] == pytest.approx(30.0)
    assert np.isinf(within[b, d])  # a table entry beyond the limit
    assert full[b, d] == 50.0
    assert np.isinf(within[a, d])  # D is on no road and in no table row with A
    assert np.isinf(full[a, d])
    assert (np.diag(within) == 0).all()


def test_without_roads_within_is_the_full_matrix():
    s = pd.DataFrame({"学校编号": ["A", "B", "C", "D"], "类别": ["城区", "乡镇", "乡镇", "村小教学点"],
                      "x": [0.0, 3.0, 40.0, 90.0], "y": [0.0, 4.0, 0.0, 0.0]})
    p = tm.Problem.from_frames(TEACHERS, s, NEEDS)
    assert p.school_km_within(10.0) is p.school_km
    assert p.school_km_within(None) is p.school_km


def test_a_new_reference_date_keeps_the_distances():
    fresh = make_county(3000, seed=11)
    within = fresh.school_km_within(40.0)
    later = fresh.at("2030-08-31")
    assert later is not fresh
    assert later.school_km_within(40.0) is within


@pytest.mark.parametrize("cap", [8.0, 40.0])
def test_candidate_pairs_within_the_cap_equal_those_of_the_full_matrix(cap):
    policy = tm.load_policy("default").with_(max_commute_km=cap)
    problem = make_county(3000, seed=11)
    elig = eligibility(problem, policy)
    data = prune_data(problem, policy)
    prunes = [partial(m.prune, rule=policy.rule(m.RULE_ID), data=data) for m in RULES if m.prune is not None]
    full = candidate_pairs(problem, elig, prunes)  # the whole matrix, the cap applied by the commute rule
    assert "school_km" in problem.__dict__
    capped = candidate_pairs(make_county(3000, seed=11), elig, prunes, within=cap)
    assert len(full) > 0
    assert (full["km"] <= cap).all()
    pd.testing.assert_frame_equal(capped, full)

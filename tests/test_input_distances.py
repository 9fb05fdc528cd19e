"""Distances that are missing are a data error naming the schools, not "no school within 40 km"."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match.cli import main

SCHOOLS = ("school_id,name,category,strength\nS1,一小,urban,strong\nS2,二小,urban,strong\n"
           "S3,河口,rural,weak\nS4,石门,village,weak\n")


def _dir(tmp_path: Path, **files: str) -> Path:
    d = tmp_path / "roster"
    d.mkdir()
    texts = {"teachers.csv": build_corpus.TEACHERS, "schools.csv": SCHOOLS, "needs.csv": build_corpus.NEEDS,
             **{f"{k}.csv": v for k, v in files.items()}}
    for name, text in texts.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


FULL = "from_school_id,to_school_id,km\nS1,S3,10\nS1,S4,15\nS2,S3,7\nS2,S4,12\n"


def test_complete_distance_table_solves(tmp_path, policy):
    problem = tm.load_problem(_dir(tmp_path, distances=FULL))
    plan = tm.solve(problem, policy, time_limit=10)
    assert tm.check(problem, policy, plan).empty


def test_missing_pairs_name_the_schools(tmp_path, capsys):
    d = _dir(tmp_path, distances="from_school_id,to_school_id,km\nS1,S3,10\nS4,S2,12\n")
    msg = ("distances.csv, column 'km': no distance for 2 pairs of a school with teachers and a school "
           "with a need: S1–S4, S2–S3 — add a row from_school_id, to_school_id, km for each (either "
           "direction), or give every school coordinates (x, y or lat, lon)")
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(d)
    assert msg in str(err.value)
    assert main(["solve", str(d), "--quiet"]) == 2
    assert msg in capsys.readouterr().err


def test_coordinates_fill_what_the_table_leaves_out(tmp_path, policy):
    d = _dir(tmp_path, distances="from_school_id,to_school_id,km\nS1,S3,10\n")
    (d / "schools.csv").write_text(build_corpus.SCHOOLS, encoding="utf-8")
    problem = tm.load_problem(d)
    assert problem.school_km[0, 2] == 10.0
    assert problem.school_km[0, 3] == 15.0


ROADS = "u,v,km\nS1,J1,2\nS2,J1,3\nJ1,S3,9\nS3,S4,6\n"


def test_school_missing_from_the_road_graph(tmp_path, capsys):
    d = _dir(tmp_path, roads="u,v,km\nS1,J1,2\nS2,J1,3\nJ1,S3,9\n")
    msg = ("roads.csv, column 'u': school S4 is on no road of the road graph (never a u or v) — add the "
           "roads that reach it, or a distances table row for each")
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(d)
    assert msg in str(err.value)
    assert main(["solve", str(d), "--quiet"]) == 2
    assert msg in capsys.readouterr().err


def test_school_cut_off_in_the_road_graph(tmp_path, capsys):
    d = _dir(tmp_path, roads="u,v,km\nS1,J1,2\nS2,J1,3\nJ1,S3,9\nS4,J9,6\n")
    msg = ("roads.csv, column 'u': school S4 is cut off: no road joins it to any other school — add the "
           "missing road(s), or a distances table row for each")
    with pytest.raises(tm.SchemaError) as err:
        tm.load_problem(d)
    assert msg in str(err.value)
    assert main(["solve", str(d), "--quiet"]) == 2
    assert msg in capsys.readouterr().err


def test_connected_road_graph_and_separate_counties_load(tmp_path, policy):
    problem = tm.load_problem(_dir(tmp_path, roads=ROADS))
    plan = tm.solve(problem, policy, time_limit=10)
    assert tm.check(problem, policy, plan).empty
    # two counties side by side: two parts of the graph, each with several schools — not an error
    county = tm.make_county(60, seed=1)
    other = tm.make_county(60, seed=2)
    rename = {sid: f"B{sid}" for sid in other.schools["school_id"]}
    junctions = (set(other.roads["u"]) | set(other.roads["v"])) - set(rename)
    nodes = {**rename, **{j: f"B{j}" for j in junctions}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.InputWarning)  # the small counties' shortage needs
        two = _concat(county, other, rename, nodes)
    assert two.n_teachers == 120


def _concat(county, other, rename, nodes):
    return tm.Problem.from_frames(
        pd.concat([county.teachers, other.teachers.assign(teacher_id="B" + other.teachers["teacher_id"],
                                                          school_id=other.teachers["school_id"].map(rename))]),
        pd.concat([county.schools, other.schools.assign(
            school_id=other.schools["school_id"].map(rename))]).drop(columns=["x", "y"]),
        pd.concat([county.needs, other.needs.assign(school_id=other.needs["school_id"].map(rename))]),
        roads=pd.concat([county.roads, other.roads.assign(u=other.roads["u"].map(nodes),
                                                          v=other.roads["v"].map(nodes))]),
        reference_date=county.reference_date)

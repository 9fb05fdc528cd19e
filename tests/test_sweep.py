"""Sweeps on a real dask.distributed LocalCluster: the table, determinism, failures, bad grids, the CLI."""

from __future__ import annotations

import sys
import time

import pandas as pd
import pytest
from helpers import CLUSTER

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.sweeps import RESULT_COLUMNS

distributed = pytest.importorskip("distributed")

GRID = {"max_commute_km": [5, 15], "backbone_min_share": [0.1, 0.5]}
LIMIT = 10.0


@pytest.fixture(scope="module")
def county():
    return tm.make_county(150, seed=1), tm.load_policy("default")


@pytest.fixture(scope="module")
def swept(client, county):
    problem, policy = county
    return tm.sweep(problem, policy, GRID, time_limit=LIMIT, client=client, progress=False)


def test_table_equals_the_same_solves_one_by_one(swept, county):
    problem, policy = county
    t = swept.table
    assert list(t.columns) == [*GRID, *RESULT_COLUMNS]
    assert list(zip(t["max_commute_km"], t["backbone_min_share"], strict=True)) == [
        (5, 0.1), (5, 0.5), (15, 0.1), (15, 0.5)]  # grid order: the last key varies fastest
    for row in t.itertuples(index=False):
        p = policy.with_(max_commute_km=row.max_commute_km, backbone_min_share=row.backbone_min_share)
        plan = tm.solve(problem, p, time_limit=LIMIT, workers=1, seed=0)
        totals = plan.totals()
        assert (row.status, row.objective, row.bound, row.gap) == (
            plan.status, plan.objective, plan.bound, plan.gap)
        assert (row.rotated, row.needs_filled, row.needs_unfilled) == (
            totals["rotated"], totals["needs_filled"], totals["needs_unfilled"])
        assert row.commute_km_total == pytest.approx(totals["commute_km_total"])
        assert row.shortfalls == len(tm.shortfalls(problem, p, plan))
        assert row.violations == 0 == len(tm.check(problem, p, plan))
        assert row.error is None
        assert row.seconds > 0
    # the grid changes the plans: a 5 km cap fills fewer needs than 15 km
    assert t["needs_filled"].iloc[0] < t["needs_filled"].iloc[2]


def test_an_objective_and_a_weight_in_the_grid(client, county):
    problem, policy = county
    objective = tm.Objective(unmet_need=1000, commute_km=1)
    s = tm.sweep(problem, policy, {"max_commute_km": [15]}, objective, time_limit=LIMIT, client=client,
                 progress=False)
    plan = tm.solve(problem, policy.with_(max_commute_km=15), objective, time_limit=LIMIT)
    assert s.table["objective"].tolist() == [plan.objective]
    # a weight of the policy's [objective] is a grid key like any parameter
    w = tm.sweep(problem, policy, {"commute_km": [1, 50]}, time_limit=LIMIT, client=client, progress=False)
    assert w.table["objective"].iloc[0] < w.table["objective"].iloc[1]
def test_same_table_on_one_worker_and_on_two(swept, county):
    problem, policy = county
    with distributed.LocalCluster(n_workers=1, **CLUSTER) as cluster, distributed.Client(cluster) as one:
        alone = tm.sweep(problem, policy, GRID, time_limit=LIMIT, client=one, progress=False)
    pd.testing.assert_frame_equal(alone.table.drop(columns="seconds"), swept.table.drop(columns="seconds"))


def test_a_failing_scenario_is_a_row_with_its_error_and_the_others_finish(client, county):
    problem, policy = county
    t = problem.teachers.copy()
    t["shadow_study_done"] = "no"
    t.loc[3, "shadow_study_done"] = "maybe"  # read only when the policy forbids a second shadow study
    broken = tm.Problem.from_frames(t, problem.schools, problem.needs, distances=problem.distances,
                                    roads=problem.roads, reference_date=problem.reference_date)
    s = tm.sweep(broken, policy, {"no_repeat_shadow_study": [False, True], "max_commute_km": [15]},
                 time_limit=LIMIT, client=client, progress=False)
    ok, failed = s.table.iloc[0], s.table.iloc[1]
    assert ok["status"] == "OPTIMAL"
    assert ok["error"] is None
    assert ok["violations"] == 0
    assert failed["status"] == "ERROR"
    assert pd.isna(failed["rotated"])
    assert "shadow_study_done" in failed["error"]
    assert "maybe" in failed["error"]
    assert len(s.failed) == 1
    assert "1 failed" in repr(s)


@pytest.mark.parametrize(("grid", "message"), [
    ({"max_comute_km": [20]}, "did you mean 'max_commute_km'"),
    ({"backbone_min_share": [0.2, "lots"]}, "backbone_min_share"),
    ({"backbone_min_share": [0.2, 1.5]}, "backbone_min_share"),
    ({}, "empty"),
    ({"max_commute_km": []}, "no values"),
    ({"max_commute_km": 20}, "give a list of values"),
])
def test_bad_grid_is_refused_before_any_solve(county, grid, message):
    problem, policy = county
    # an unreachable scheduler: a grid error must come first, with no cluster at all
    with pytest.raises(tm.PolicyError, match=message):
        tm.sweep(problem, policy, grid, client="tcp://127.0.0.1:1", connect_timeout=0.5)


@pytest.mark.parametrize(("address", "message"), [
    ("tcp://127.0.0.1:1", "cannot reach the scheduler at tcp://127.0.0.1:1 within 1 s"),
    ("http://127.0.0.1:1", "is not a scheduler address"),
    ("localhost", "is not a scheduler address"),
])
def test_unreachable_scheduler_fails_fast(county, address, message):
    problem, policy = county
    t0 = time.perf_counter()
    with pytest.raises(tm.ClusterError, match=message):
        tm.sweep(problem, policy, {"max_commute_km": [20]}, client=address, connect_timeout=1)
    assert time.perf_counter() - t0 < 10


def _dies_once(shared, marker):
    """Kill this worker's process the first time (a lost machine); answer the second time."""
    import os
    from pathlib import Path

    if not Path(marker).exists():
        Path(marker).write_text("died once")
        os._exit(1)
    return {"shared": shared, "pid": os.getpid()}


def test_a_task_whose_worker_is_lost_is_run_again(client, tmp_path):
    import cloudpickle

    from teacher_match.cluster import run_tasks

    # the workers cannot import this test file: send the function itself
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        out = run_tasks(client, _dies_once, "roster", [(str(tmp_path / "marker"),)], progress=False)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert out[0]["shared"] == "roster"
    assert (tmp_path / "marker").read_text() == "died once"


def test_plot_has_a_panel_per_parameter_and_is_written(swept, tmp_path):
    fig = swept.plot(tmp_path / "sweep.png")
    assert len(fig.axes) == len(GRID) + 1
    assert (tmp_path / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(tm.OutputError, match=r"\.png"):
        swept.plot(tmp_path / "sweep.jpg")


def test_cli_sweep_writes_the_table_and_the_plot(client, tmp_path, capsys):
    roster = tmp_path / "county"
    tm.write_problem(tm.make_county(150, seed=1), roster)
    out, png = tmp_path / "sweep.xlsx", tmp_path / "sweep.png"
    code = main(["sweep", str(roster), "--grid", "max_commute_km=5,15", "--grid", "backbone_min_share=0.1",
                 "--out", str(out), "--plot", str(png), "--scheduler", client.scheduler.address,
                 "--time-limit", str(LIMIT)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "sweep:" not in captured.err  # no progress bar when stderr is not a terminal
    table = pd.read_excel(out, sheet_name="sweep")
    assert table["max_commute_km"].tolist() == [5, 15]
    assert table["violations"].tolist() == [0, 0]
    assert table["error"].isna().all()
    assert png.stat().st_size > 0
    assert "sweep of 2 scenarios written to" in captured.out


@pytest.mark.parametrize(("args", "message"), [
    (["--grid", "max_comute_km=5,15"], "did you mean 'max_commute_km'"),
    (["--grid", "backbone_min_share=0.1,lots"], "backbone_min_share"),
    (["--grid", "max_commute_km"], "--grid expects KEY=V1,V2"),
    (["--grid", "max_commute_km=5", "--grid", "max_commute_km=15"], "given twice"),
    (["--grid", "max_commute_km=5", "--scheduler", "tcp://127.0.0.1:1", "--connect-timeout", "1"],
     "cannot reach the scheduler"),
    (["--grid", "max_commute_km=5", "--plot", "sweep.jpg"], "not .jpg"),
])
def test_cli_bad_sweep_exits_2_with_one_message(tmp_path, capsys, args, message):
    roster = tmp_path / "county"
    tm.write_problem(tm.make_county(150, seed=1), roster)
    code = main(["sweep", str(roster), "--out", str(tmp_path / "sweep.xlsx"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "sweep.xlsx").exists()



def test_sweep_workbook_stores_text_as_text_and_never_over_an_input(swept, tmp_path):
    from openpyxl import load_workbook

    from teacher_match.output_files import forget_inputs, remember_input
    from teacher_match.sweeps import Sweep

    table = swept.table.copy()
    table.loc[0, "error"] = '=HYPERLINK("http://x","y")'  # an error message quoting a roster cell
    book = Sweep(table, swept.params, "default").to_excel(tmp_path / "s.xlsx")
    cell = load_workbook(book)["sweep"].cell(row=2, column=len(table.columns))
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'
    roster = tmp_path / "teachers.xlsx"
    roster.write_bytes(book.read_bytes())
    remember_input(roster)
    try:
        with pytest.raises(tm.OutputError):
            swept.to_excel(roster)
    finally:
        forget_inputs()


def test_cli_sweep_checks_its_outputs_before_reading_the_roster(tmp_path, capsys):
    # the roster does not exist: an output refused first proves the order
    missing = str(tmp_path / "no-such-county")
    for args in (["--out", str(tmp_path / "sweep.csv")],
                 ["--out", str(tmp_path / "s.xlsx"), "--plot", str(tmp_path)]):
        code = main(["sweep", missing, "--grid", "max_commute_km=5", *args])
        err = capsys.readouterr().err
        assert code == 2
        assert "no-such-county" not in err

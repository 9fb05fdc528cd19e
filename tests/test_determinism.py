"""Determinism and limits: byte-identical exports across processes, row order, Ctrl-C, the memory guard.

Determinism holds for a solve that finishes (OPTIMAL): a time limit stops the search at a moment that
depends on the machine's load, so a timed-out plan is the best found *so far* and may differ between runs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import teacher_match as tm
from teacher_match import limits

REPO = Path(__file__).resolve().parents[1]

EXPORT = textwrap.dedent("""
    import sys
    import teacher_match as tm
    workers, out = int(sys.argv[1]), sys.argv[2]
    county, policy = tm.make_county(300, seed=7), tm.load_policy("default")
    plan = tm.solve(county, policy, time_limit=120, workers=workers, seed=5)
    assert plan.status == "OPTIMAL", plan.status
    plan.to_csv(out + ".csv")
    plan.to_excel(out + ".xlsx")
""")


@pytest.mark.parametrize("workers", [1, 2])
def test_exports_are_byte_identical_across_processes(tmp_path, workers):
    outs = []
    for run, hashseed in enumerate(["1", "2"]):
        out = tmp_path / f"run{run}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        res = subprocess.run([sys.executable, "-c", EXPORT, str(workers), str(out)], capture_output=True,
                             text=True, timeout=300, cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr
        outs.append(out)
        if run == 0:
            time.sleep(1.1)  # a different second on the clock: timestamps must not leak into the files
    for ext in (".csv", ".xlsx"):
        a, b = (Path(str(o) + ext).read_bytes() for o in outs)
        assert a == b, f"{ext} exports differ between processes (workers={workers})"


def test_row_order_does_not_change_the_objective():
    county = tm.make_county(300, seed=11)
    policy = tm.load_policy("default")

    def public(df):
        return df[[c for c in df.columns if not str(c).startswith("_")]]

    shuffled = tm.Problem.from_frames(
        public(county.teachers).sample(frac=1, random_state=3).reset_index(drop=True),
        public(county.schools).sample(frac=1, random_state=4).reset_index(drop=True),
        public(county.needs).sample(frac=1, random_state=5).reset_index(drop=True),
        roads=county.roads.sample(frac=1, random_state=6).reset_index(drop=True),
        reference_date=county.reference_date)
    a = tm.solve(county, policy, time_limit=60)
    b = tm.solve(shuffled, policy, time_limit=60)
    assert a.status == b.status == "OPTIMAL"
    assert a.objective == pytest.approx(b.objective, abs=1e-9)
    ta, tb = a.totals(), b.totals()
    for key in ("rotated", "needs_filled", "needs_unfilled"):
        assert ta[key] == tb[key], key
    assert ta["commute_km_total"] == pytest.approx(tb["commute_km_total"])
    assert tm.check(shuffled, policy, b).empty
    # the plan still follows the input's row order, one row per teacher
    assert list(b.assignments["teacher_id"]) == list(shuffled.teachers["teacher_id"])


# ---------------------------------------------------------------- Ctrl-C
CTRL_C = textwrap.dedent("""
    import os, signal, time
    import teacher_match as tm
    # as at a terminal: Ctrl-C raises KeyboardInterrupt (a job started in the background inherits "ignore")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    county, policy = tm.make_county(3000, seed=7), tm.load_policy("default")
    sent = []

    def on_progress(info):
        # the first improving solution found: press Ctrl-C (as a user would, from the terminal)
        if not sent and info["objective"] == info["objective"]:
            sent.append(info["objective"])
            os.kill(os.getpid(), signal.SIGINT)

    plan = tm.solve(county, policy, time_limit=120, progress=on_progress)
    assert sent, "no solution was found to interrupt"
    assert plan.solver_info["interrupted"] is True
    assert plan.status in ("FEASIBLE", "OPTIMAL"), plan.status
    assert len(plan.assignments) == county.n_teachers
    assert tm.check(county, policy, plan).empty
    assert plan.wall_time_s < 100  # stopped, not run to the time limit
    # Python's own Ctrl-C handling is intact afterwards
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        print("KeyboardInterrupt after the solve")
""")


def test_ctrl_c_during_solve_returns_the_best_plan_so_far():
    # in a process of its own, so the Ctrl-C handling it starts from is known
    done = subprocess.run([sys.executable, "-c", CTRL_C], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "KeyboardInterrupt after the solve" in done.stdout, done.stdout + done.stderr


def test_ctrl_c_in_the_cli_writes_the_best_plan(tmp_path):
    county = tmp_path / "county"
    # a county whose proof takes long enough (10,000 teachers: ~30 s with one worker) to be interrupted
    # mid-search
    tm.write_problem(tm.make_county(10_000, seed=2), county)
    out = tmp_path / "plan.csv"
    # two workers search in deterministic interleaved batches: slow enough to be interrupted mid-search
    argv = [sys.executable, "-m", "teacher_match.cli", "solve", str(county), "--out", str(out),
            "--time-limit", "300", "--workers", "2"]
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # wait for a progress line with a solution ("best" followed by a number), then press Ctrl-C
        lines = []
        for line in proc.stderr:
            lines.append(line)
            fields = line.split()
            if "best" in fields and fields[fields.index("best") + 1][0].isdigit():
                proc.send_signal(signal.SIGINT)
                break
        else:
            proc.wait(timeout=60)
            pytest.skip("the solve finished before a progress line could be seen: nothing to interrupt")
        stdout, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            pipe.close()
    assert proc.returncode == 130, rest
    assert "Traceback" not in rest
    # FEASIBLE with its gap, or OPTIMAL when the proof completed in the moment the signal took to arrive
    assert "interrupted by Ctrl-C — the best plan found so far (status " in rest
    assert "gap " in rest
    assert str(out) in rest
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert len(written) == 10_000
    assert written["teacher_id"].is_unique


# ---------------------------------------------------------------- memory guard
def test_memory_guard_refuses_early_with_estimate_and_advice():
    county = tm.make_county(300, seed=11)
    policy = tm.load_policy("default")
    # any model needs more than the fixed overhead: refused before it is built, with the estimate and advice
    with pytest.raises(tm.ModelTooLargeError) as err:
        tm.solve(county, policy, max_memory_mb=limits.FIXED_MB)
    msg = str(err.value)
    m = re.search(r"([\d,]+) candidate pairs need about ([\d,]+) MB", msg)
    assert m, msg
    pairs = int(m.group(1).replace(",", ""))
    assert pairs > 0
    assert f"{limits.estimate_model_mb(pairs):,.0f} MB" in msg
    assert "max_commute_km" in msg
    assert "township" in msg
    assert "more memory" in msg
    # more workers hold more copies of the model
    assert limits.estimate_model_mb(pairs, workers=4) > limits.estimate_model_mb(pairs)
    # a limit above the estimate solves
    ok = tm.solve(county, policy, max_memory_mb=limits.estimate_model_mb(pairs) + 1, time_limit=30)
    assert ok.status == "OPTIMAL"


def test_memory_guard_checks_the_raw_pairs_before_listing_them():
    county = tm.make_county(300, seed=11)
    policy = tm.load_policy("default")
    with pytest.raises(tm.ModelTooLargeError, match="pairs before pruning"):
        tm.build_model(county, policy, max_memory_mb=0.01)


def test_available_memory_is_read():
    mb = limits.available_memory_mb()
    assert mb is None or mb > 0

"""explain_all(): every teacher's answer equals explain's, and plain re-solves of the whole model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.explanation import Explainer, _TermsOn
from teacher_match.model.assumptions import OK, one_worker_solver
from teacher_match.model.objective import weighted_expr


@pytest.fixture(scope="module")
def county():
    problem, policy = tm.make_county(300, seed=0), tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=30)
    assert plan.status == "OPTIMAL"
    assert tm.check(problem, policy, plan).empty
    return problem, policy, plan


@pytest.fixture(scope="module")
def every(county):
    return tm.explain_all(*county, time_limit=30)


def _plain_counterfactual(ex: Explainer, i: int) -> tuple[int, float | None]:
    """The counterfactual by the book: the whole teacher-level model searched with the question's constraint.

    One Boolean per teacher and school; no neighbourhood, no classes, no reduced costs, no optimum.
    """
    ctx = ex.ctx
    m = ctx.model.clone()
    x = [m.get_bool_var_from_proto_index(v.index) for v in ctx.x]
    m.minimize(weighted_expr(_TermsOn(ctx, m), ex.weights))
    rows = ex.rows_of[i]
    if ex.dest[i] >= 0:
        m.add(x[ex._row(i, int(ex.dest[i]))] == 0)
    else:
        m.add(cp_model.LinearExpr.sum([x[r] for r in rows]) == 1)
    solver = one_worker_solver(30)
    status = solver.solve(m)
    if status not in OK:
        return status, None
    assert status == cp_model.OPTIMAL
    base = ex.base()
    assert base is not None
    return status, ex.objective(np.asarray(solver.response_proto.solution)) - ex.objective(base)


def test_every_teacher_once_in_plan_order(county, every):
    _, _, plan = county
    assert every.table["teacher_id"].tolist() == plan.assignments["teacher_id"].astype(str).tolist()
    movable = plan.assignments["status"].isin(["mandatory", "eligible"]).to_numpy()
    assert (every.table.loc[~movable, "decision"] == "not movable").all()
    assert set(every.table.loc[movable, "decision"]) <= {"rotates", "stays"}
    assert (every.table["decision"].eq("rotates").to_numpy() == plan.assignments["moves"].to_numpy()).all()


def test_equal_to_one_at_a_time_and_to_plain_re_solves(county, every):
    problem, policy, plan = county
    ex = Explainer(problem, policy, plan, time_limit=30)
    checked = 0
    for e in every.explanations:
        if e.status not in ("mandatory", "eligible"):
            continue
        one = tm.explain(problem, policy, plan, e.teacher_id, time_limit=30)
        # the same answer: decision, reason, binding rule instances, counterfactual status and price
        assert (one.decision, one.reason, one.reason_zh) == (e.decision, e.reason, e.reason_zh)
        assert one.binding.to_dict("records") == e.binding.to_dict("records")
        assert one.alternative == e.alternative
        i = ex.index(e.teacher_id)
        if not len(ex.rows_of[i]):
            assert e.alternative is None
            assert "stays" in e.reason
            continue
        status, delta = _plain_counterfactual(ex, i)
        if status == cp_model.INFEASIBLE:
            assert e.alternative["status"] == "INFEASIBLE"
        else:
            assert e.alternative["status"] == "OPTIMAL"
            assert e.alternative["objective_delta"] == pytest.approx(delta, abs=1e-6)
        checked += 1
    assert checked >= 40


def test_a_stated_counterfactual_is_a_valid_plan_of_its_price(county, every):
    problem, policy, plan = county
    ex = Explainer(problem, policy, plan, time_limit=30)
    base = ex.base()
    assert base is not None
    for e in every.explanations[:150]:
        i = ex.index(e.teacher_id)
        if e.status not in ("mandatory", "eligible") or not len(ex.rows_of[i]):
            continue
        kind, s = ("forbid", int(ex.dest[i])) if ex.dest[i] >= 0 else ("force", None)
        status, vals = ex.counterfactual(i, kind, s)
        if vals is None:
            continue
        dest = ex._dest_of(vals)
        # the teacher asked about is the one the counterfactual changes
        assert (dest[i] >= 0) if kind == "force" else (dest[i] != s)
        a = plan.assignments.copy()
        a["to_school_id"] = [ex.f.sid[d] if d >= 0 else None for d in dest[[ex.index(t) for t in
                                                                              a["teacher_id"].astype(str)]]]
        a["moves"] = a["to_school_id"].notna()
        a = a.drop(columns=["commute_km"], errors="ignore")
        assert tm.check(problem, policy, a).empty
        assert ex.objective(vals) - ex.objective(base) == pytest.approx(e.alternative["objective_delta"])


def test_deterministic(county, every):
    again = tm.explain_all(*county, time_limit=30, workers=1)
    pd.testing.assert_frame_equal(again.table, every.table)


def test_cli_writes_every_reason_and_the_publicity_list(tmp_path, capsys):
    county_dir = tmp_path / "county"
    assert main(["generate", "--teachers", "150", "--seed", "1", "--out", str(county_dir)]) == 0
    plan = tmp_path / "plan.xlsx"
    assert main(["solve", str(county_dir), "--out", str(plan), "--quiet", "--time-limit", "20",
                 "--allow-shortfall"]) == 0
    capsys.readouterr()
    out = tmp_path / "reasons.xlsx"
    assert main(["explain", str(county_dir), str(plan), "--all", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "150 teachers explained" in text
    book = pd.read_excel(out, sheet_name=None, dtype=str)
    assert set(book) == {"reasons", "公示名单", "交流说明"}
    assert len(book["reasons"]) == 150
    assert book["reasons"]["teacher_id"].is_unique
    assert len(book["交流说明"]) == 150
    # an exemption is published by its category only
    exempt = book["reasons"]["status"] == "exempt"
    said = book["交流说明"].set_index("教师编号").loc[book["reasons"].loc[exempt, "teacher_id"], "说明"]
    assert said.str.startswith("暂缓交流 — ").all()
    assert main(["explain", str(county_dir), str(plan), "--all"]) == 2
    assert "--all needs --out" in capsys.readouterr().err

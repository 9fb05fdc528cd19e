"""Every shipped policy model.

Each loads, names its source, keeps blanks "required", solves a synthetic county with an empty check, and
lists the rules it records but does not enforce.
"""

from __future__ import annotations

import pandas as pd
import pytest
from policy_helpers import SUPPLY, county, model_data

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.policy import policy_from_dict
from teacher_match.rules.quotas import overstaffed

MODELS = ["tongyu-2012", "devzone-fenliu-34", "zhalute-no5-2014", "fangchenggang-gangkou", "shuanggou-2021",
          "dongcheng-school-plan", "xx-district-pilot", "fujian-minhou", "xiamen-proposals",
          "county-draft-zqyj", "city-support-teaching", "lechang"]

#: blanks of the sources: each must stay "required" (never silently invented)
REQUIRED = {
    "fangchenggang-gangkou": ["backbone_min_share", "leadership_max_share", "min_share_of_eligible"],
    "fujian-minhou": ["leader_trigger_years", "staff_floor_max_students"],
    "xiamen-proposals": ["balance_max_share"],
    "zhalute-no5-2014": ["max_total_sent"],
}


def test_every_model_is_shipped():
    assert set(MODELS) <= set(tm.policy_ids())


@pytest.mark.parametrize("pid", MODELS)
def test_model_loads_and_names_its_source(pid):
    pol = tm.load_policy(pid)
    assert pol.id == pid
    assert pol.source.startswith("seeds/")
    assert pol.title
    assert pol.region
    assert pol.missing() == REQUIRED.get(pid, [])
    assert all(r["rule"] and r["text"] for r in pol.unenforced_rules())
    assert "/work" not in str(model_data(pid))


@pytest.mark.parametrize("pid", sorted(REQUIRED))
def test_solve_refuses_until_blanks_are_supplied(pid):
    with pytest.raises(tm.PolicyError, match=REQUIRED[pid][0]):
        tm.solve(county(200, seed=1), tm.load_policy(pid), time_limit=5)


def _county_for(pid: str) -> tm.Problem:
    p = county(600, seed=3)
    if pid == "shuanggou-2021":
        # SG-QU1 sends exactly 30 teachers and 2 principals down: a county whose rural and weak schools
        # declare enough posts for them (three times the generator's needs)
        needs = p.needs.assign(count=p.needs["count"] * 3)
        p = tm.Problem.from_frames(p.teachers, p.schools, needs, roads=p.roads,
                                   reference_date=p.reference_date)
    return p


#: models whose hard minimum (as their source states it) cannot hold on the tests' 600-teacher county: the
#: diagnosis names it and the switch that makes it soft. Each is solved again with that switch: a valid plan
#: that says first how far it is short.
NO_PLAN_ON_TEST_COUNTY = {"fangchenggang-gangkou": ("min_rotation", "min_rotation_hard"),
                          "zhalute-no5-2014": ("quotas", "quota_hard")}


@pytest.mark.parametrize("pid", MODELS)
def test_model_solves_a_synthetic_county(pid):
    p = _county_for(pid)
    pol = tm.load_policy(pid).with_(**SUPPLY.get(pid, {}))
    plan = tm.solve(p, pol, time_limit=10)
    if pid in NO_PLAN_ON_TEST_COUNTY:
        rule, switch = NO_PLAN_ON_TEST_COUNTY[pid]
        assert plan.status == "INFEASIBLE"
        assert rule in set(plan.diagnosis["rule"])
        relax = plan.relaxations.set_index("parameter")
        assert relax.loc[switch, "verified"]
        assert "why no plan exists" in plan.summary()
        pol = pol.with_(**{switch: False})
        plan = tm.solve(p, pol, time_limit=10)
        assert plan.summary().lstrip().startswith(f"SHORTFALL: {rule} — ")
        assert not tm.shortfalls(p, pol, plan).empty
    else:
        assert tm.shortfalls(p, pol, plan).empty  # a model that follows its source: every minimum is met
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    found = tm.check(p, pol, plan)
    assert found.empty, found.to_string()
    assert plan.totals()["rotated"] > 0
    assert len(plan.assignments) == len(p.teachers)
    # the rules it does not enforce are listed in the plan, and named in the summary
    listed = plan.solver_info["unenforced"]
    assert listed == pol.unenforced_rules()
    if pol.planned_end_to_end():  # every rule planned or checked (README's policy table)
        assert "not enforced by this plan" not in plan.summary()
        return
    assert len(listed) > 0
    assert "not enforced by this plan" in plan.summary()
    for rec in listed:
        assert rec["rule"].split(",")[0] in plan.summary()


def test_gangkou_backbone_share_holds_once_supplied():
    p = _county_for("fangchenggang-gangkou")
    # the per-school minimum made soft: on this county it cannot hold beside the backbone share
    pol = tm.load_policy("fangchenggang-gangkou").with_(**SUPPLY["fangchenggang-gangkou"],
                                                        min_rotation_hard=False)
    plan = tm.solve(p, pol, time_limit=10)
    sent = plan.schools[plan.schools["sent"] > 0]
    assert len(sent)
    assert (5 * sent["backbone_sent"] >= sent["sent"]).all()


def test_shuanggou_sends_exactly_30_and_2():
    p = _county_for("shuanggou-2021")
    pol = tm.load_policy("shuanggou-2021")
    plan = tm.solve(p, pol, time_limit=10)
    for mode in ("rotation", "upward_study"):  # down and up (上派) in one plan
        m = plan.moved[plan.moved["mode"] == mode]
        role = m["teacher_id"].map(p.teachers.set_index("teacher_id")["role"])
        assert (role == "teacher").sum() == 30
        assert (role != "teacher").sum() == 2
        # SG-MO2: the down-sent teachers' round trips are reimbursed; the up-sent earn none
        assert (m["transport_trips_per_month"] == 4).all() == (mode == "rotation")


def test_modes_and_unenforced_records_are_validated():
    data = model_data("tongyu-2012")
    data["modes"]["diversion"] = {"enforced": True}
    with pytest.raises(tm.PolicyError, match="diversion is recorded, not planned"):
        policy_from_dict(data)
    data = model_data("tongyu-2012")
    data["modes"]["upward_study"]["eligibility"]["max_agee"] = 35
    with pytest.raises(tm.PolicyError, match="did you mean 'max_age'"):
        policy_from_dict(data)
    data = model_data("tongyu-2012")
    data.setdefault("unenforced", []).append({"rule": "X"})
    with pytest.raises(tm.PolicyError, match="needs string 'rule' and 'text'"):
        policy_from_dict(data)
    data = model_data("tongyu-2012")
    data["mode"] = "itinerant"
    with pytest.raises(tm.PolicyError, match="record other modes"):
        policy_from_dict(data)


def test_off_switches_a_rule_off():
    pol = tm.load_policy("tongyu-2012")
    assert pol.eligibility.min_years_at_school is None
    assert tm.load_policy("default").with_(min_years_at_school="off").eligibility.min_years_at_school is None


def test_default_policy_lists_nothing_unenforced():
    p = county(300, seed=1)
    plan = tm.solve(p, tm.load_policy("default"), time_limit=10)
    assert plan.solver_info["unenforced"] == []
    assert "not enforced" not in plan.summary()


#: CLI overrides for a 400-teacher county: the blanks, and Shuanggou's 30 + 2 scaled to the county's needs
CLI_SET = {**{k: [f"{a}={b}" for a, b in v.items()] for k, v in SUPPLY.items()},
           "shuanggou-2021": ["fixed_teachers_sent=5", "fixed_leaders_sent=1",
                              "modes.upward_study.teachers=5", "modes.upward_study.leaders=1"]}


#: models whose hard minimum cannot hold on the command-line test's 400-teacher county (exit 1, diagnosis)
NO_PLAN_ON_CLI_COUNTY = {"fangchenggang-gangkou": "min_rotation[school=",
                         "city-support-teaching": "quotas[quota=per_school,",
                         "zhalute-no5-2014": "quotas[quota=max_total_sent,"}


def test_cli_solves_every_model(tmp_path, capsys):
    county_dir = tmp_path / "county"
    assert main(["generate", "--teachers", "400", "--seed", "5", "--out", str(county_dir)]) == 0
    for pid in MODELS:
        out = tmp_path / f"{pid}.csv"
        args = ["solve", str(county_dir), "--policy", pid, "--out", str(out), "--time-limit", "10", "--quiet"]
        for s in CLI_SET.get(pid, []):
            args += ["--set", s]
        code = main(args)
        text = capsys.readouterr().out
        if pid in NO_PLAN_ON_CLI_COUNTY:
            assert code == 1, pid
            assert "no plan (INFEASIBLE)" in text, pid
            assert NO_PLAN_ON_CLI_COUNTY[pid] in text, pid
            continue
        assert code == 0, pid
        assert "checker: no violations" in text
        assert "SHORTFALL" not in text
        assert ("not enforced by this plan" in text) != tm.load_policy(pid).planned_end_to_end()
        assert len(pd.read_csv(out, encoding="utf-8-sig")) == 400


@pytest.mark.parametrize(("pid", "expected"), [
    ("fangchenggang-gangkou", "INFEASIBLE"), ("city-support-teaching", "OPTIMAL"),
    ("zhalute-no5-2014", "OPTIMAL")])
def test_models_made_hard_on_the_demo_county(pid, expected):
    """The demo's county (3,000 teachers, seed 7) under the three models whose minimum became hard."""
    p = tm.make_county(3000, seed=7)
    pol = tm.load_policy(pid).with_(**SUPPLY.get(pid, {}))
    plan = tm.solve(p, pol, time_limit=20)
    assert plan.status == expected
    if expected == "INFEASIBLE":
        # GK-QU2 as written: some strong urban schools cannot send 10 % of their mandatory teachers
        assert "min_rotation" in set(plan.diagnosis["rule"])
        assert plan.relaxations.set_index("parameter").loc["min_rotation_hard", "verified"]
        return
    found = tm.check(p, pol, plan)
    assert found.empty, found.to_string()
    assert tm.shortfalls(p, pol, plan).empty
    if pid == "zhalute-no5-2014":
        assert plan.totals()["rotated"] == SUPPLY[pid]["max_total_sent"]  # the quota filled
    else:
        # CS-QU1: exactly one from each overstaffed school
        sends = plan.schools[plan.schools["sends"]]
        over = set(plan.schools["school_id"][overstaffed(p) & plan.schools["sends"].to_numpy()])
        assert over
        assert (sends.set_index("school_id").loc[sorted(over), "sent"] == 1).all()

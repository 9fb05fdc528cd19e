"""The cadre systems (yunlong-health-cadre, county-cadre-rotation) on the cadre engine.

Each mechanism has a micro-roster with the exact plan expected and a tampered plan the checker rejects;
both models plan every mechanism on a synthetic system with the checker empty.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import teacher_match as tm
from teacher_match.errors import InputError, PolicyError, SchemaError

YL = "yunlong-health-cadre"
CC = "county-cadre-rotation"
#: the county's triggers are in the regulation its text cites, not in the text: supplied for the tests
CC_YEARS = {"exchange_min_years_in_unit": 10, "rotation_min_years_in_post": 5}


def _policy(pid: str, **kw) -> tm.cadre.CadrePolicy:
    pol = tm.cadre.load_policy(pid)
    return pol.with_(**(CC_YEARS if pid == CC else {}), **kw)


def _roster(cadres: dict, units: dict, relatives: dict | None = None, vacancies: dict | None = None):
    return tm.cadre.roster_from_frames(pd.DataFrame(cadres), pd.DataFrame(units),
                                       None if relatives is None else pd.DataFrame(relatives),
                                       None if vacancies is None else pd.DataFrame(vacancies))


def _solve(roster, policy):
    plan = tm.cadre.solve(roster, policy, time_limit=20)
    assert plan.status == "OPTIMAL", plan.summary()
    assert tm.cadre.check(roster, policy, plan).empty
    a = plan.assignments
    assert sorted(a["person_id"]) == sorted(roster.cadres["person_id"])  # every cadre once
    assert a["reason"].str.len().gt(0).all()
    return plan


def _actions(plan) -> dict:
    a = plan.assignments
    return {r.person_id: (r.action, r.seat if isinstance(r.seat, str) else r.to_unit_id)
            for r in a.itertuples() if r.action != "stay"}


def _tamper(plan, person: str, **changes) -> pd.DataFrame:
    a = plan.assignments.copy()
    for col, v in changes.items():
        a.loc[a["person_id"] == person, col] = v
    return a


def _rules(roster, policy, a) -> set:
    return set(tm.cadre.check(roster, policy, a)["rule"])


# ------------------------------------------------------------------ service-window rotation (YL-FL2)
def _window_roster():
    units = {"unit_id": ["B", "G"], "level": ["upper", "grassroots"], "parent_unit_id": [None, "B"]}
    cadres = {"person_id": ["W1", "S1", "W2"], "unit_id": ["B", "B", "G"],
              "post": ["审批窗口", "办公室", "收费窗口"], "grade": ["staff", "staff", "middle"],
              "years_in_post": [2, 0, 1], "service_window": [True, False, True]}
    return _roster(cadres, units)


def test_window_rotation_exact_plan_and_tampered():
    r, pol = _window_roster(), _policy(YL)
    plan = _solve(r, pol)
    # W1: 2 years (满2年, inclusive) in a window post -> must leave; the only seat of its grade is S1's:
    # a swap; W2 (1 year) stays
    assert _actions(plan) == {"W1": ("rotation", "S1"), "S1": ("rotation", "W1")}
    assert "window rotation" in plan.assignments.set_index("person_id").at["W1", "reason"]
    stay = _tamper(plan, "W1", action="stay", to_unit_id=None, to_post=None, seat=None)
    stay = stay.assign(**{c: stay[c].where(stay["person_id"] != "S1", v) for c, v in
                          (("action", "stay"), ("to_unit_id", None), ("to_post", None), ("seat", None))})
    assert _rules(r, pol, stay) == {"window_rotation"}
    # S1 keeps its seat while W1 takes it: one seat, two holders
    assert "seat" in _rules(r, pol, _tamper(plan, "S1", action="stay", to_unit_id=None, to_post=None,
                                            seat=None))


def test_window_rotation_is_a_change_of_post():
    # W3 holds the same window post in the same unit: swapping with W3 would change nothing
    units = {"unit_id": ["B"], "level": ["upper"]}
    cadres = {"person_id": ["W1", "W3", "S1"], "unit_id": ["B", "B", "B"],
              "post": ["审批窗口", "审批窗口", "办公室"], "grade": ["staff"] * 3, "years_in_post": [3, 0, 0],
              "service_window": [True, True, False]}
    r, pol = _roster(cadres, units), _policy(YL)
    plan = _solve(r, pol)
    assert _actions(plan) == {"W1": ("rotation", "S1"), "S1": ("rotation", "W1")}
    a = plan.assignments.set_index("person_id")
    a.loc["W1", ["to_post", "seat"]] = ["审批窗口", "W3"]
    a.loc["W3", ["action", "to_unit_id", "to_post", "seat"]] = ["rotation", "B", "审批窗口", "W1"]
    a.loc["S1", ["action", "to_unit_id", "to_post", "seat"]] = ["stay", None, None, None]
    assert _rules(r, pol, a.reset_index()) == {"action"}


def test_window_rotation_deferred_is_the_logged_override():
    r = _window_roster()
    r.cadres.loc[r.cadres["person_id"] == "W1", "deferred"] = True
    plan = _solve(r, _policy(YL))
    assert _actions(plan) == {}
    assert plan.assignments.set_index("person_id").at["W1", "status"] == "deferred"
    assert list(plan.publicity()["表四 暂缓交流"]["干部编号"]) == ["W1"]


# ------------------------------------------------------------------ up/down postings (YL-FL1)
def _posting_roster():
    units = {"unit_id": ["B", "G"], "level": ["upper", "grassroots"], "parent_unit_id": [None, "B"],
             "posting_places": [1, 1]}
    cadres = {"person_id": ["M1", "M2", "S1"], "unit_id": ["B", "G", "B"],
              "post": ["医政科科长", "副院长", "办公室"], "grade": ["middle", "senior", "staff"],
              "years_in_post": [3, 3, 3], "grassroots_leader_experience": [True, False, False]}
    return _roster(cadres, units)


def test_up_down_posting_exact_plan_and_tampered():
    r, pol = _posting_roster(), _policy(YL)
    plan = _solve(r, pol)
    assert _actions(plan) == {"M1": ("down_posting", "G"), "M2": ("up_posting", "B")}
    a = plan.assignments.set_index("person_id")
    assert a.at["M1", "term_years"] == 1.0
    assert "编制性质" in a.at["M1", "relation"]
    # TC89: a 2.5-year posting without an approved extension is invalid (≤ 2 years)
    assert _rules(r, pol, _tamper(plan, "M1", term_years=2.5)) == {"posting"}
    r.cadres.loc[r.cadres["person_id"] == "M1", "extension_approved"] = True
    assert _rules(r, pol, _tamper(plan, "M1", term_years=2.5)) == set()
    # a staff cadre (below mid-level) posted down: wrong grade
    assert "posting" in _rules(r, pol, _tamper(plan, "S1", action="down_posting", to_unit_id="G",
                                               term_years=1.0))
    # two cadres on one place
    two = _tamper(plan, "M2", action="down_posting", to_unit_id="G")
    assert "posting" in _rules(r, pol, two)


def test_county_model_posts_nobody():
    r = _posting_roster()
    plan = _solve(r, _policy(CC))
    assert plan.assignments["action"].isin(["stay", "rotation", "exchange"]).all()


# ------------------------------------------------------------------ kinship avoidance (回避)
def _kin_roster():
    # C supervises T1; T2 is beside it. A and B are relatives in T1; B is deferred, so A must leave T1 —
    # not for C (C supervises T1: a supervising pair), but for the staff vacancy in T2
    units = {"unit_id": ["C", "T1", "T2"], "level": ["upper", "grassroots", "grassroots"],
             "parent_unit_id": [None, "C", "C"]}
    cadres = {"person_id": ["A", "B"], "unit_id": ["T1", "T1"], "post": ["办事员", "会计"],
              "grade": ["staff", "staff"], "years_in_post": [1, 1], "deferred": [False, True]}
    relatives = {"person_id": ["A"], "relative_id": ["B"], "relation": ["配偶"]}
    vacancies = {"vacancy_id": ["VC", "VT"], "unit_id": ["C", "T2"], "post": ["科员", "科员"],
                 "grade": ["staff", "staff"]}
    return _roster(cadres, units, relatives, vacancies)


@pytest.mark.parametrize("pid", [YL, CC])
def test_kinship_avoidance_exact_plan_and_tampered(pid):
    r, pol = _kin_roster(), _policy(pid)
    plan = _solve(r, pol)
    assert _actions(plan) == {"A": ("exchange", "VT")}
    assert "kinship avoidance" in plan.assignments.set_index("person_id").at["A", "reason"]
    to_c = _tamper(plan, "A", to_unit_id="C", to_post="科员", seat="VC")
    assert _rules(r, pol, to_c) == {"kinship"}  # a unit and the unit supervising it
    stays = _tamper(plan, "A", action="stay", to_unit_id=None, to_post=None, seat=None)
    assert _rules(r, pol, stays) == {"kinship"}  # one unit
    # without the rule, nobody needs to move
    assert _actions(_solve(r, pol.with_(kinship_avoidance=False))) == {}


def test_kinship_between_two_fixed_relatives_is_diagnosed():
    r = _kin_roster()
    r.cadres["deferred"] = True
    plan = tm.cadre.solve(r, _policy(YL), time_limit=10)
    assert plan.status == "INFEASIBLE"
    assert plan.diagnosis == [
        "relatives A (deferred, T1) and B (deferred, T1) work in one unit or a supervising pair, and neither "
        "can move to a unit clear of the other (no free seat of their grade elsewhere): kinship avoidance "
        "cannot hold — add a vacancy, or let one of them be posted"]
    with pytest.raises(tm.InfeasibleError, match=r"relatives A \(deferred, T1\) and B"):
        tm.cadre.solve(r, _policy(YL), time_limit=10, strict=True)


# ------------------------------------------------------------------ grassroots priority (YL-SE1)
def _priority_roster():
    units = {"unit_id": ["B", "G"], "level": ["upper", "grassroots"], "parent_unit_id": [None, "B"],
             "posting_places": [0, 1]}
    cadres = {"person_id": ["M1", "M2"], "unit_id": ["B", "B"], "post": ["医政科科长", "财务科科长"],
              "grade": ["middle", "middle"], "years_in_post": [4, 4],
              "reserve_candidate": [False, True], "grassroots_leader_experience": [False, False]}
    return _roster(cadres, units)


def test_grassroots_priority_exact_plan_and_tampered():
    r, pol = _priority_roster(), _policy(YL)
    plan = _solve(r, pol)
    # M2, the reserve candidate without grassroots leadership experience, takes the one down-posting place
    assert _actions(plan) == {"M2": ("down_posting", "G")}
    assert "YL-SE1" in plan.assignments.set_index("person_id").at["M2", "reason"]
    a = plan.assignments.copy().set_index("person_id")
    a.loc["M1", ["action", "to_unit_id", "term_years"]] = ["down_posting", "G", 1.0]
    a.loc["M2", ["action", "to_unit_id", "term_years"]] = ["stay", None, float("nan")]
    assert _rules(r, pol, a.reset_index()) == {"grassroots_priority"}
    # with grassroots experience, M2 has no priority: either may go (the checker accepts the swap)
    r.cadres.loc[r.cadres["person_id"] == "M2", "grassroots_leader_experience"] = True
    assert _rules(r, pol, a.reset_index()) == set()


# ------------------------------------------------------------------ refusal (YL-SA1)
def test_refusal_recorded_with_its_consequence():
    r = _window_roster()
    r.cadres.loc[r.cadres["person_id"] == "W1", "refused"] = True
    pol = _policy(YL)
    plan = _solve(r, pol)
    a = plan.assignments.set_index("person_id")
    assert _actions(plan) == {}
    assert a.at["W1", "status"] == "refused"
    assert "不再做领导职务" in a.at["W1", "refusal_consequence"]
    assert list(plan.publicity()["表五 不交流"]["类别"]) == ["不服从交流"]
    assert _rules(r, pol, _tamper(plan, "W1", refusal_consequence="")) == {"refusal"}
    moved = _tamper(plan, "W1", action="rotation", to_unit_id="B", to_post="办公室", seat="S1")
    moved = moved.assign(**{c: moved[c].where(moved["person_id"] != "S1", v) for c, v in
                            (("action", "rotation"), ("to_unit_id", "B"), ("to_post", "审批窗口"),
                             ("seat", "W1"))})
    assert _rules(r, pol, moved) == {"fixed"}
    # the county states no consequence: recorded as such
    plan_c = _solve(r, _policy(CC))
    assert "no consequence" in plan_c.assignments.set_index("person_id").at["W1", "refusal_consequence"]


def test_pre_review_filing_marked_and_checked():
    r = _posting_roster()
    r.units["deputy_section_level"] = [False, True]
    pol = _policy(YL)
    plan = _solve(r, pol)
    a = plan.assignments.set_index("person_id")
    assert "预审备案" in a.at["M2", "filing"]  # the senior cadre of deputy-section-level G, posted up
    assert a.at["M1", "filing"] == ""
    assert _rules(r, pol, _tamper(plan, "M2", filing="")) == {"filing"}


# ------------------------------------------------------------------ county triggers and publicity (CC-PR2)
def test_county_exchange_rotation_and_publicity_lists():
    units = {"unit_id": ["X", "Y"], "level": ["upper", "grassroots"], "parent_unit_id": [None, None]}
    cadres = {"person_id": ["E1", "E2", "R1", "R2", "D1", "N1"], "unit_id": ["X", "Y", "X", "X", "Y", "Y"],
              "post": ["科员", "科员", "股长", "副股长", "科员", "科员"],
              "grade": ["staff", "staff", "middle", "middle", "staff", "staff"],
              "years_in_post": [3, 3, 6, 1, 3, 1], "years_in_unit": [12, 11, 6, 1, 12, 2],
              "deferred": [False, False, False, False, True, False],
              "defer_reason": ["", "", "", "", "本人患病", ""]}
    r = _roster(cadres, units)
    pol = _policy(CC)
    plan = _solve(r, pol)
    # E1, E2: ≥ 10 years in the unit -> exchanged (a swap between X and Y); R1: ≥ 5 years in post -> rotated
    # within X (with R2, the only other middle seat); D1 deferred; N1 stays
    assert _actions(plan) == {"E1": ("exchange", "E2"), "E2": ("exchange", "E1"), "R1": ("rotation", "R2"),
                              "R2": ("rotation", "R1")}
    pub = plan.publicity(start="2025-07-03")
    assert list(pub["表三 交流"]["干部编号"]) == ["E1", "E2"]
    assert list(pub["表二 轮岗"]["干部编号"]) == ["R1", "R2"]
    assert list(pub["表四 暂缓交流"]["干部编号"]) == ["D1"]
    assert "本人患病" not in pub["表四 暂缓交流"].to_string()  # the private reason is not published
    # TC90: 7 days from 3 July end on 9 July
    assert list(pub["公示期"]["内容"]) == ["7", "2025-07-03", "2025-07-09"]
    # a due cadre left in place is the eligible-but-not-exchanged list (表五), said first in the summary
    # (E2 and N1, the staff of Y, deferred: no seat in another unit is left for E1)
    r.cadres.loc[r.cadres["person_id"].isin(["E2", "N1"]), "deferred"] = True
    plan2 = _solve(r, pol)
    assert "E1" in list(plan2.publicity()["表五 不交流"]["干部编号"])
    assert plan2.summary().startswith("SHORT: 1 of 2 due cadres left in place")
    # the trigger made hard: the tampered plan (E1 not exchanged) is rejected
    hard = pol.with_(due_hard=True)
    assert _rules(r, hard, plan2.assignments) == {"exchange_due"}


def test_county_policy_requires_its_years():
    pol = tm.cadre.load_policy(CC)
    assert pol.missing() == ["exchange_min_years_in_unit", "rotation_min_years_in_post"]
    with pytest.raises(PolicyError, match="exchange_min_years_in_unit"):
        tm.cadre.solve(_window_roster(), pol)
    with pytest.raises(PolicyError, match="did you mean 'posting_term_max'"):
        pol.with_(posting_term_mx=3)


# ------------------------------------------------------------------ both models, every mechanism, synthetic
@pytest.mark.parametrize("pid", [YL, CC])
def test_synthetic_system_plans_every_mechanism(pid):
    r = tm.cadre.make_system(120, seed=1)
    pol = _policy(pid)
    plan = _solve(r, pol)
    a = plan.assignments
    st = tm.cadre.status(r, pol).set_index("person_id")
    unit_of = r.cadres.set_index("person_id")["unit_id"]
    parent = r.parent_of()
    conflicted = [(x, y) for x, y in zip(r.relatives["person_id"], r.relatives["relative_id"], strict=True)
                  if unit_of[x] == unit_of[y] or parent.get(unit_of[x]) == unit_of[y]
                  or parent.get(unit_of[y]) == unit_of[x]]
    assert conflicted  # the synthetic system has kinship conflicts to resolve, and the plan resolves them
    moved = set(a.loc[a["action"] != "stay", "person_id"])
    assert all(x in moved or y in moved for x, y in conflicted)
    assert (a["status"] == "deferred").any()
    assert (a["status"] == "refused").any()
    pub = plan.publicity()
    assert len(pub["表四 暂缓交流"]) > 0
    assert len(pub["表五 不交流"]) > 0
    if pid == YL:
        due_window = st.index[st["due_window"] & (st["status"] == "due")]
        assert len(due_window) > 0
        assert a.set_index("person_id").loc[due_window, "action"].isin(["rotation", "exchange"]).all()
        assert (a["action"] == "down_posting").any()
        assert (a["action"] == "up_posting").any()
        prio = st.index[st["priority"]]
        assert len(prio) > 0
        assert (a.set_index("person_id").loc[prio, "action"] == "down_posting").any()
        assert a["refusal_consequence"].str.contains("领导职务").any()
        # filing (checked): marked on exactly the moved leaders of deputy-section-level units
        deputy = set(r.units.loc[r.units["deputy_section_level"], "unit_id"])
        due_filing = (a["action"] != "stay") & (a["grade"] == "senior") & a["unit_id"].isin(deputy)
        assert (a["filing"].str.contains("预审备案") == due_filing).all()
    else:
        assert (a["action"] == "exchange").sum() > 0
        assert (a["action"] == "rotation").sum() > 0
        applied = set(r.cadres.loc[r.cadres["applied"], "person_id"])
        assert applied & moved


# ------------------------------------------------------------------ input
def test_relatives_row_naming_an_unknown_person(tmp_path):
    r = _kin_roster()
    r.cadres.to_csv(tmp_path / "cadres.csv", index=False)
    r.units.to_csv(tmp_path / "units.csv", index=False)
    relatives = pd.DataFrame({"干部编号": ["A", "B"], "亲属编号": ["B", "Z9"]})
    relatives.to_csv(tmp_path / "亲属关系.csv", index=False)
    with pytest.raises(SchemaError) as exc:
        tm.cadre.load_roster(tmp_path)
    msg = str(exc.value)
    assert msg.splitlines() == [
        "1 problem in the input:",
        "  亲属关系.csv, row 3, column 'relative_id': unknown person Z9: not a cadre of the roster "
        "(cadres.csv) — correct the id or delete the row"]


def test_roster_round_trip_and_unknown_unit(tmp_path):
    r = tm.cadre.make_system(40, seed=2)
    for name, df in (("干部花名册", r.cadres), ("units", r.units), ("relatives", r.relatives),
                     ("vacancies", r.vacancies)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    again = tm.cadre.load_roster(tmp_path)
    assert len(again.cadres) == len(r.cadres)
    assert len(again.relatives) == len(r.relatives)
    bad = r.cadres.copy()
    bad.loc[3, "unit_id"] = "NOPE"
    with pytest.raises(SchemaError, match=r"row 5, column 'unit_id': unknown unit NOPE"):
        tm.cadre.roster_from_frames(bad, r.units, first_rows={"cadres": 2},
                                    sources={"cadres": "cadres.csv"})
    with pytest.raises(InputError, match="missing table"):
        tm.cadre.load_roster(_only_cadres(tmp_path, r))


def _only_cadres(tmp_path, r):
    d = tmp_path / "only"
    d.mkdir()
    r.cadres.to_csv(d / "cadres.csv", index=False)
    return d


def test_plan_files_and_cli(tmp_path):
    from teacher_match.cli import main

    folder = tmp_path / "sys"
    assert main(["cadre", "generate", "--cadres", "60", "--seed", "3", "--out", str(folder)]) == 0
    out = tmp_path / "plan.xlsx"
    assert main(["cadre", "solve", str(folder), "--policy", YL, "--out", str(out), "--time-limit", "20",
                 "--quiet"]) == 0
    assert main(["cadre", "check", str(folder), str(out), "--policy", YL]) == 0
    with pd.ExcelFile(out) as book:
        sheets = book.sheet_names
    want = {"assignments", "表二 轮岗", "表三 交流", "上派下派", "表四 暂缓交流", "表五 不交流", "公示期"}
    assert want <= set(sheets)
    a = tm.cadre.CadrePlan.read_assignments(out)
    a.loc[a.index[0], "action"] = "exchange"
    bad = tmp_path / "bad.csv"
    a.to_csv(bad, index=False)
    assert main(["cadre", "check", str(folder), str(bad), "--policy", YL]) == 1
    assert main(["cadre", "solve", str(folder), "--policy", CC, "--out", str(tmp_path / "c.csv")]) == 2


def test_checker_loads_no_solver():
    code = ("import sys; sys.modules['ortools'] = None\n"
            "import teacher_match as tm\n"
            "r = tm.cadre.micro_roster(); p = tm.cadre.load_policy('yunlong-health-cadre')\n"
            "a = tm.cadre.status(r, p).assign(action='stay', to_unit_id=None, seat=None)\n"
            "print(sorted(set(tm.cadre.check(r, p, a)['rule'])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['kinship', 'window_rotation']"


def test_readme_says_which_cadre_models_are_planned_end_to_end():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for pid in tm.cadre.policy_ids():
        pol = tm.cadre.load_policy(pid)
        rows = [line for line in readme.splitlines() if line.startswith(f"| `{pid}` | ")]
        assert len(rows) == 1, pid
        assert rows[0].endswith(f"| {str(pol.planned_end_to_end).lower()} |")
        assert all(m["status"] in ("planned", "checked") for m in pol.mechanisms)


def test_same_plan_in_every_process():
    """Deterministic for fixed inputs, seed and workers: whatever the process's hash seed."""
    import os

    code = ("import teacher_match as tm\n"
            "r = tm.cadre.make_system(80, seed=4); p = tm.cadre.load_policy('yunlong-health-cadre')\n"
            "a = tm.cadre.solve(r, p, time_limit=30).assignments\n"
            "print(a[['person_id', 'action', 'seat', 'to_unit_id']].to_csv(index=False))")
    outs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                             env=env)
        assert out.returncode == 0, out.stderr
        outs.append(out.stdout)
    assert outs[0] == outs[1]
    assert "exchange" in outs[0] or "rotation" in outs[0]


@pytest.fixture(scope="module")
def cadre_ws(tmp_path_factory):
    d = tmp_path_factory.mktemp("cadre_fuzz")
    r = tm.cadre.make_system(40, seed=5)
    (d / "sys").mkdir()
    for name, df in (("cadres", r.cadres), ("units", r.units), ("relatives", r.relatives)):
        df.to_csv(d / "sys" / f"{name}.csv", index=False)
    bad = d / "bad"
    bad.mkdir()
    r.cadres.to_csv(bad / "cadres.csv", index=False)
    r.units.assign(level="moon").to_csv(bad / "units.csv", index=False)
    (d / "notes.txt").write_text("会议通知\n", encoding="utf-8")
    return d


def test_fuzz_cadre_commands(cadre_ws):
    """The ``cadre`` commands with odd arguments: a documented exit, one message, never a traceback."""
    import contextlib
    import io

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from teacher_match import cli, output_files

    d = cadre_ws
    inputs = st.sampled_from([str(d / "sys")] * 4 + [str(d / "bad"), str(d / "notes.txt"), str(d / "none")])
    outs = st.sampled_from([str(d / "o" / "p.xlsx"), str(d / "o" / "p.csv"), str(d / "o" / "p.docx"),
                            str(d / "sys" / "cadres.csv"), str(d / "sys"), ""])
    sets = st.sampled_from(["window_rotation_years=3", "window_rotation_years=0", "posting_grades=staff",
                            "posting_grades=boss", "nonsense=1", "posting_term_years=3",
                            "kinship_avoidance=x", "exchange_min_years_in_unit=10",
                            "rotation_min_years_in_post=5", "=", "move=-1"])

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(cmd=st.sampled_from(["solve", "solve", "check", "generate", "demo"]), inp=inputs, out=outs,
           policy=st.sampled_from([YL, YL, CC, "yunlong", str(d / "notes.txt")]),
           changes=st.lists(sets, max_size=2), limit=st.sampled_from(["2", "0", "abc"]))
    def run(cmd, inp, out, policy, changes, limit):
        argv = ["cadre", cmd]
        if cmd == "solve":
            argv += [inp, "--time-limit", limit, "--quiet"] + (["--out", out] if out else [])
        elif cmd == "check":
            argv += [inp, out or str(d / "o" / "p.xlsx")]
        elif cmd == "generate":
            argv += ["--out", out or str(d / "gen"), "--cadres", "30", "--force"]
        else:
            argv += ["--cadres", "30", "--time-limit", limit, "--quiet"]
        if cmd != "generate":
            argv += ["--policy", policy] + [x for c in changes for x in ("--set", c)]
        so, se = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
                code = cli.main(argv)
        finally:
            output_files.forget_inputs()
        assert code in (0, 1, 2, 3), f"{argv}: exit {code}\n{se.getvalue()}"
        assert "Traceback" not in so.getvalue() + se.getvalue()
        if code == 2:
            assert "teacher-match" in se.getvalue(), argv

    run()

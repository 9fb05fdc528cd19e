"""Policy values that cannot mislead.

Nan and ±inf refused for every number, none/empty only where a rule can be switched off, objective weights
bounded, and a policy with "required" values refused by check as by solve.
"""

from __future__ import annotations

import math

import pytest
from data.bad import build_corpus

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.objective import TERMS
from teacher_match.params import parse_cli_value
from teacher_match.policy import PARAMETERS
from teacher_match.scaling import MAX_WEIGHT

NUMERIC_KINDS = ("share", "number", "int", "by_gender")
NUMERIC_KEYS = sorted(k for k, s in PARAMETERS.items() if s.meta["kind"] in NUMERIC_KINDS)


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    d = tmp_path_factory.mktemp("policy_values") / "county"
    d.mkdir()
    for name, text in build_corpus.VALID.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def problem(roster):
    return tm.load_problem(roster)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_refused_for_every_numeric_parameter(value):
    base = tm.load_policy("default")
    assert len(NUMERIC_KEYS) > 20
    for key in NUMERIC_KEYS:
        with pytest.raises(tm.PolicyError, match=f"'{key}' must be a finite number"):
            base.with_(**{key: value})


@pytest.mark.parametrize("key", ["backbone_min_share", "max_commute_km", "stipend_cap_by_township",
                                 "stipend_score_bands", "max_age"])
def test_nan_inside_tables_and_bands_refused(key):
    value = {"max_age": {"M": math.nan, "F": 50}, "stipend_cap_by_township": {"东山镇": math.inf},
             "stipend_score_bands": [[90, math.nan]]}.get(key, math.nan)
    with pytest.raises(tm.PolicyError, match="must be a finite number"):
        tm.load_policy("default").with_(**{key: value})


@pytest.mark.parametrize("text", ["max_commute_km = nan", "max_commute_km = inf", "max_age = -inf",
                                  "max_age = { M = nan, F = 50 }"])
def test_nan_in_a_policy_file(tmp_path, text):
    section = "flows" if "commute" in text else "eligibility"
    path = tmp_path / "p.toml"
    path.write_text(f'id = "mine"\n[{section}]\n{text}\n', encoding="utf-8")
    pattern = r"p\.toml: '(max_commute_km|max_age(\.M)?)' must be a finite number"
    with pytest.raises(tm.PolicyError, match=pattern):
        tm.load_policy(path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e13", "-1e13", str(MAX_WEIGHT * 1.5)])
def test_objective_weights_bounded(value):
    base = tm.load_policy("default")
    for term in TERMS:
        with pytest.raises(tm.PolicyError, match=f"objective weight '{term}' must be a finite number between "
                                                 f"-1,000,000 and 1,000,000"):
            base.with_(**{term: parse_cli_value(value)})
        with pytest.raises(tm.PolicyError, match=f"objective weight '{term}'"):
            tm.Objective(**{term: float(value)})
    assert base.with_(commute_km=MAX_WEIGHT).objective["commute_km"] == MAX_WEIGHT


def test_largest_weight_solves_and_checks(problem):
    policy = tm.load_policy("default")
    for term in ("unmet_need", "commute_km", "moved"):
        pol = policy.with_(**{term: MAX_WEIGHT})
        plan = tm.solve(problem, pol, time_limit=10)
        assert plan.status == "OPTIMAL", term
        assert tm.check(problem, pol, plan).empty


def test_none_and_empty_only_for_parameters_that_switch_off(problem):
    """Every key with none / empty / off: refused, or a rule switched off.

    Refused with a message naming it, or a rule switched off that still solves and checks.
    """
    base = tm.load_policy("default")
    accepted = []
    for key, spec in sorted(PARAMETERS.items()):
        for text in ("none", "", "off"):
            value = parse_cli_value(text)
            refused: str | None = None
            try:
                pol = base.with_(**{key: value})
            except tm.PolicyError as exc:
                refused = str(exc)
            if refused is not None:
                assert f"'{key}'" in refused, (key, text, refused)
                assert spec.meta["kind"] in ("str", "choice", "strlist") or not spec.meta["nullable"], key
                continue
            accepted.append((key, text))
            plan = tm.solve(problem, pol, time_limit=5)
            assert tm.check(problem, pol, plan).empty, (key, text)
    assert ("max_commute_km", "none") in accepted
    assert ("min_years_at_school", "off") in accepted
    assert ("exempt", "none") not in accepted
    assert ("retirement_age", "") not in accepted


@pytest.mark.parametrize(("setting", "message"), [
    ("max_commute_km=nan", "'max_commute_km' must be a finite number, got nan"),
    ("max_age=nan", "'max_age' must be a finite number, got nan"),
    ("commute_km=inf", "objective weight 'commute_km' must be a finite number between"),
    ("unmet_need=1e13", "objective weight 'unmet_need' must be a finite number between"),
    ("exempt=none", "'exempt' cannot be empty or switched off"),
    ("retirement_age=", "'retirement_age' cannot be empty or switched off"),
    ("min_years_at_school_inclusive=none", "'min_years_at_school_inclusive' cannot be empty"),
    ("backbone_scope=", "'backbone_scope' cannot be empty"),
])
def test_cli_set_refuses_with_one_message(roster, capsys, setting, message):
    assert main(["solve", str(roster), "--set", setting, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("teacher-match: ")
    assert message in err
    assert "internal error" not in err


def test_cli_set_off_switches_a_rule_off(roster, capsys):
    assert main(["solve", str(roster), "--set", "max_commute_km=off", "--set", "leadership_min_one=off",
                 "--quiet", "--allow-shortfall"]) == 0
    assert "checker: no violations" in capsys.readouterr().out


@pytest.mark.parametrize("pid", ["zhalute-no5-2014", "fangchenggang-gangkou", "fujian-minhou",
                                 "xiamen-proposals"])
def test_check_refuses_required_values_like_solve(roster, problem, tmp_path, capsys, pid):
    plan = tm.solve(problem, tm.load_policy("default"), time_limit=5)
    path = plan.to_csv(tmp_path / "plan.csv")
    policy = tm.load_policy(pid)
    with pytest.raises(tm.PolicyError, match=f"policy '{pid}' leaves .* to be supplied"):
        tm.check(problem, policy, plan.assignments)
    assert main(["check", str(roster), str(path), "--policy", pid]) == 2
    err = capsys.readouterr().err
    assert f"policy '{pid}' leaves" in err
    assert "Fraction" not in err
    assert "internal error" not in err
    assert main(["solve", str(roster), "--policy", pid, "--quiet"]) == 2
    assert f"policy '{pid}' leaves" in capsys.readouterr().err

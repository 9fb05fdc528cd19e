"""Policies: loading, validation with suggestions, "required" values, with_() and --set parsing."""

from __future__ import annotations

import pytest

import teacher_match as tm
from teacher_match.params import REQUIRED, parse_cli_value
from teacher_match.policy import PARAMETERS, policy_from_dict


def test_default_policy_loads_and_is_complete():
    pol = tm.load_policy("default")
    assert "default" in tm.policy_ids()
    assert pol.missing() == []
    assert pol.eligibility.min_years_at_school == 6
    assert pol.eligibility.max_age == {"M": 55, "F": 50}
    assert pol.rule("outflow_limit").outflow_max_share == 0.15
    assert pol.rule("flows").from_ == {"category": ["urban", "town"], "strength": ["strong"]}
    assert pol.objective["unmet_need"] == 1000


def test_every_parameter_is_documented_and_unique():
    for key, spec in PARAMETERS.items():
        assert spec.meta["doc"], key
        assert spec.section in ("eligibility", "flows", "rules", "money", "cycle")


def test_unknown_key_suggests_the_closest(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('id = "x"\n[rules]\nbackbone_min_shares = 0.2\n', encoding="utf-8")
    with pytest.raises(tm.PolicyError, match="did you mean 'backbone_min_share'"):
        tm.load_policy(f)


def test_key_in_the_wrong_section():
    with pytest.raises(tm.PolicyError, match=r"belongs under \[flows\]"):
        policy_from_dict({"id": "x", "rules": {"max_commute_km": 30}})


def test_unknown_policy_id_lists_shipped_ids():
    with pytest.raises(tm.PolicyError, match="did you mean 'default'"):
        tm.load_policy("defualt")


def test_bad_values_all_reported_at_once():
    with pytest.raises(tm.PolicyError) as err:
        policy_from_dict({"id": "x", "rules": {"outflow_max_share": 1.5, "backbone_scope": "city"},
                          "eligibility": {"max_age": {"M": 55}}})
    msg = str(err.value)
    assert "outflow_max_share" in msg
    assert "between 0 and 1" in msg
    assert "backbone_scope" in msg
    assert "sending_school" in msg
    assert "needs both M and F" in msg


def test_contradictory_thresholds():
    with pytest.raises(tm.PolicyError, match="above the trigger"):
        policy_from_dict({"id": "x", "eligibility": {"min_years_at_school": 6, "min_years_eligible": 9}})


def test_required_values_load_but_block_solving(tmp_path):
    f = tmp_path / "gangkou-like.toml"
    f.write_text('id = "g"\n[rules]\nbackbone_min_share = "required"\nleadership_max_share = "required"\n',
                 encoding="utf-8")
    pol = tm.load_policy(f)
    assert pol.rule("backbone_ratio").backbone_min_share is REQUIRED
    assert pol.missing() == ["backbone_min_share", "leadership_max_share"]
    with pytest.raises(tm.PolicyError, match="--set backbone_min_share=… --set leadership_max_share=…"):
        pol.require_complete()
    done = pol.with_(backbone_min_share=0.2, leadership_max_share=0.25)
    assert done.missing() == []
    assert pol.missing() == ["backbone_min_share", "leadership_max_share"]  # with_ returns a copy


def test_with_objective_weight_and_unknown_term():
    pol = tm.load_policy("default").with_(commute_km=2)
    assert pol.objective["commute_km"] == 2.0
    with pytest.raises(tm.PolicyError, match="unknown key 'comute_km'; did you mean 'commute_km'"):
        pol.with_(comute_km=1)
    with pytest.raises(tm.PolicyError, match="unknown objective term"):
        tm.Objective(unmett_need=1)


def test_policy_files_are_data_only(tmp_path):
    f = tmp_path / "evil.toml"
    f.write_text('id = "x"\n__import__ = "os"\n', encoding="utf-8")
    with pytest.raises(tm.PolicyError, match="unknown key '__import__'"):
        tm.load_policy(f)
    g = tmp_path / "broken.toml"
    g.write_text("id = \n", encoding="utf-8")
    with pytest.raises(tm.PolicyError, match="not valid TOML"):
        tm.load_policy(g)


@pytest.mark.parametrize(("text", "value"), [
    ("0.2", 0.2), ("3", 3), ("true", True), ("none", None), ("M=55,F=50", {"M": 55, "F": 50}),
    ("urban;town", ["urban", "town"]), ("sending_school", "sending_school"),
])
def test_cli_value_parsing(text, value):
    assert parse_cli_value(text) == value

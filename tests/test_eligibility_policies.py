"""RULEBOOK §5 eligibility cases, one test per case id, against the shipped policy models (+ boundary twins).

Each case names the model, the teacher (roster fields) and the expected status; the reason must name the
deciding rule. Boundary twins run the same teacher with the alternative ``inclusive`` setting.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "policies"))

from policy_helpers import status_of, variant  # noqa: E402

import teacher_match as tm  # noqa: E402

M, F = "M", "F"

# (case id, policy id, mode, teacher, expected status, a word the reason must contain)
CASES = [
    # 5.3 Tongyu down-support (T-EL1) and upward study (T-EL3, T-EL4)
    ("TC12", "tongyu-2012", None, {"title": "junior"}, "ineligible", "min_title"),
    ("TC13", "tongyu-2012", None, {"title": "intermediate"}, "eligible", ""),
    ("TC14", "tongyu-2012", None, {"title": "junior", "backbone": True}, "eligible", ""),
    ("TC15", "tongyu-2012", None, {"title": "junior", "honour_level": "校级"},
     "ineligible", "honour_min_level"),
    ("TC16", "tongyu-2012", "upward_study", {"age": 34, "years_at_school": 7, "teaching_years": 7,
                                             "volunteer": True}, "eligible", ""),
    ("TC17", "tongyu-2012", "upward_study", {"age": 36, "years_at_school": 5, "teaching_years": 5,
                                             "volunteer": True}, "ineligible",
     "max_age"),
    ("TC18", "tongyu-2012", "upward_study", {"age": 30, "teaching_years": 9, "volunteer": True}, "ineligible",
     "max_teaching_years"),
    ("TC19", "tongyu-2012", "upward_study", {"age": 35, "teaching_years": 8, "volunteer": True},
     "eligible", ""),
    ("TC20", "tongyu-2012", "upward_study", {"age": 28, "years_at_school": 4, "teaching_years": 4},
     "ineligible", "requires_application"),
    # 5.4 Gangkou
    ("TC21", "fangchenggang-gangkou", None, {"gender": M, "age": 54, "years_at_school": 12}, "mandatory",
     "min_years_at_school"),
    ("TC22", "fangchenggang-gangkou", None, {"gender": M, "age": 56, "years_at_school": 20},
     "ineligible", "max_age"),
    ("TC22v", "fangchenggang-gangkou", None, {"gender": M, "age": 56, "years_at_school": 20,
                                              "volunteer": True},
     "eligible", "volunteer"),
    ("TC25", "fangchenggang-gangkou", None, {"gender": M, "age": 40, "years_at_school": 11}, "ineligible",
     "min_years_at_school"),
    ("TC27", "fangchenggang-gangkou", None, {"age": 24, "years_at_school": 1, "teaching_years": 1,
                                             "new_recruit": "是"}, "mandatory", "new_recruit_after_years"),
    ("TC28", "fangchenggang-gangkou", None, {"age": 23, "years_at_school": 0, "teaching_years": 0,
                                             "new_recruit": True}, "ineligible", "new_recruit_after_years"),
    ("TC29", "fangchenggang-gangkou", None, {"gender": F, "age": 35, "years_at_school": 13,
                                             "pregnant_or_nursing": True}, "exempt", "pregnant_or_nursing"),
    ("TC30", "fangchenggang-gangkou", None, {"age": 40, "years_at_school": 14, "sanction_ended_years_ago": 2},
     "ineligible", "sanction_cooldown_years"),
    ("TC32", "fangchenggang-gangkou", None, {"role": "vice_principal", "years_in_post": 6,
                                             "years_at_school": 6},
     "mandatory", "leader_trigger_years"),
    # 5.5 xx-district pilot
    ("TC35", "xx-district-pilot", None, {"gender": F, "age": 45, "years_at_school": 9}, "mandatory",
     "min_years_at_school"),
    ("TC38", "xx-district-pilot", None, {"gender": M, "age": 45, "years_at_school": 8}, "ineligible",
     "min_years_at_school"),
    ("TC39", "xx-district-pilot", None, {"gender": F, "age": 40, "years_at_school": 10,
                                         "exchange_years_recent": 1.5 + 1.5}, "exempt", "recent_exchange"),
    ("TC41", "xx-district-pilot", None, {"gender": M, "age": 44, "years_at_school": 12,
                                         "family_hospital_months": 4}, "exempt", "family_hospital"),
    ("TC43", "xx-district-pilot", None, {"gender": M, "age": 44, "years_at_school": 12,
                                         "child_exam_this_year": True},
     "exempt", "child_exam_this_year"),
    ("TC43n", "xx-district-pilot", None, {"gender": M, "age": 45, "years_at_school": 13,
                                          "child_exam_this_year": False}, "mandatory", ""),
    # 5.6 county draft
    ("TC44", "county-draft-zqyj", None, {"gender": M, "age": 48, "years_at_school": 7}, "mandatory", ""),
    ("TC44s", "county-draft-zqyj", None, {"gender": M, "age": 48, "years_at_school": 7,
                                          "years_since_support": 2},
     "exempt", "support_lookback_years"),
    ("TC46", "county-draft-zqyj", None, {"gender": F, "age": 46, "years_at_school": 8},
     "ineligible", "max_age"),
    ("TC49", "county-draft-zqyj", "shadow_study", {"age": 28, "shadow_study_done": "是"}, "ineligible",
     "no_repeat_shadow_study"),
    ("TC49n", "county-draft-zqyj", "shadow_study", {"age": 28}, "eligible", ""),
    # 5.7 Dongcheng
    ("TC52", "dongcheng-school-plan", None, {"years_at_school": 6, "years_to_retirement": 5.5},
     "mandatory", ""),
    ("TC54", "dongcheng-school-plan", None, {"years_at_school": 5, "years_to_retirement": 20}, "ineligible",
     "min_years_at_school"),
    # 5.8 Lechang
    ("TC56", "lechang", None, {"years_at_school": 9, "years_to_retirement": 7}, "mandatory", ""),
    ("TC59", "lechang", None, {"years_at_school": 8, "years_to_retirement": 7},
     "ineligible", "min_years_at_school"),
    # 5.9 Fenliu district
    ("TC67", "devzone-fenliu-34", None, {"age": 46}, "ineligible", "max_age"),
    ("TC67n", "devzone-fenliu-34", None, {"age": 45}, "mandatory", ""),
    # 5.10 Shuanggou
    ("TC70", "shuanggou-2021", None, {"age": 51}, "ineligible", "max_age"),
    ("TC72", "shuanggou-2021", None, {"age": 40, "rural_years": 2}, "ineligible", "max_rural_years"),
    ("TC72n", "shuanggou-2021", None, {"age": 40, "rural_years": 0}, "eligible", ""),
    ("SG-EL4", "shuanggou-2021", None, {"age": 45, "role": "principal", "years_in_post": 1}, "ineligible",
     "leader_min_years_in_post"),
    # 5.11 other systems
    ("TC75", "zhalute-no5-2014", None, {"years_at_school": 6}, "mandatory", ""),
    ("TC78", "fujian-minhou", None, {"years_at_school": 6}, "mandatory", ""),
    ("TC80", "xiamen-proposals", None, {"years_at_school": 2, "teaching_years": 2}, "ineligible",
     "min_teaching_years"),
    ("TC81", "xiamen-proposals", None, {"gender": F, "years_at_school": 6, "pregnant_or_nursing": True},
     "exempt",
     "pregnant_or_nursing"),
]


@pytest.mark.parametrize(("case", "pid", "mode", "teacher", "expected", "word"), CASES,
                         ids=[c[0] for c in CASES])
def test_worked_case(case, pid, mode, teacher, expected, word):
    pol = tm.load_policy(pid)
    status, reason = status_of(pol, teacher, mode)
    assert status == expected, reason
    assert reason.startswith(expected)
    assert word in reason


# Boundary twins (RULEBOOK §5: "(boundary)" cases run with the alternative inclusive setting)
# (case id, policy id, mode, teacher, changes, status with the source's setting, status with the alternative)
TWINS = [
    ("TC19", "tongyu-2012", "upward_study", {"age": 35, "teaching_years": 8, "volunteer": True},
     {"max_age_inclusive": False}, "eligible", "ineligible"),
    ("TC19", "tongyu-2012", "upward_study", {"age": 35, "teaching_years": 8, "volunteer": True},
     {"max_teaching_years_inclusive": False}, "eligible", "ineligible"),
    ("TC21", "fangchenggang-gangkou", None, {"gender": M, "age": 55, "years_at_school": 12},
     {"max_age_inclusive": False}, "mandatory", "ineligible"),
    ("TC21", "fangchenggang-gangkou", None, {"gender": M, "age": 54, "years_at_school": 12},
     {"min_years_at_school_inclusive": False}, "mandatory", "ineligible"),
    ("TC30", "fangchenggang-gangkou", None, {"age": 40, "years_at_school": 14, "sanction_ended_years_ago": 3},
     {"sanction_cooldown_inclusive": False}, "mandatory", "ineligible"),
    ("TC32", "fangchenggang-gangkou", None, {"role": "vice_principal", "years_in_post": 6,
                                             "years_at_school": 6},
     {"leader_trigger_inclusive": False}, "mandatory", "ineligible"),
    ("TC35", "xx-district-pilot", None, {"gender": F, "age": 45, "years_at_school": 9},
     {"max_age_inclusive": False}, "mandatory", "ineligible"),
    ("TC35", "xx-district-pilot", None, {"gender": F, "age": 45, "years_at_school": 9},
     {"min_years_at_school_inclusive": False}, "mandatory", "ineligible"),
    ("TC39", "xx-district-pilot", None, {"gender": F, "age": 40, "years_at_school": 10,
                                         "exchange_years_recent": 3},
     {"recent_exchange_inclusive": False}, "exempt", "mandatory"),
    ("TC41", "xx-district-pilot", None, {"gender": M, "age": 44, "years_at_school": 12,
                                         "family_hospital_months": 3},
     {"family_hospital_inclusive": False}, "exempt", "mandatory"),
    ("XD-EX3", "xx-district-pilot", None, {"gender": M, "age": 44, "years_at_school": 12,
                                           "family_care_months": 6},
     {"family_care_inclusive": False}, "exempt", "mandatory"),
    ("TC44", "county-draft-zqyj", None, {"gender": M, "age": 48, "years_at_school": 7,
                                         "years_since_support": 3},
     {"support_lookback_inclusive": True}, "mandatory", "exempt"),
    ("TC52", "dongcheng-school-plan", None, {"years_at_school": 6, "years_to_retirement": 5},
     {"min_years_to_retirement_inclusive": True}, "ineligible", "mandatory"),
    ("TC56", "lechang", None, {"years_at_school": 9, "years_to_retirement": 7},
     {"min_years_at_school_inclusive": False}, "mandatory", "ineligible"),
    ("TC56", "lechang", None, {"years_at_school": 9, "years_to_retirement": 5},
     {"min_years_to_retirement_inclusive": False}, "mandatory", "ineligible"),
    ("TC70", "shuanggou-2021", None, {"age": 50}, {"max_age_inclusive": False}, "eligible", "ineligible"),
    ("TC80", "xiamen-proposals", None, {"years_at_school": 3, "teaching_years": 3, "volunteer": True},
     {"min_teaching_years_inclusive": False}, "eligible", "ineligible"),
]


@pytest.mark.parametrize(("case", "pid", "mode", "teacher", "changes", "as_written", "alternative"), TWINS,
                         ids=[f"{c[0]}-boundary-{next(iter(c[4]))}" for c in TWINS])
def test_boundary_twin(case, pid, mode, teacher, changes, as_written, alternative):
    assert status_of(tm.load_policy(pid), teacher, mode)[0] == as_written
    assert status_of(variant(pid, mode, **changes), teacher, mode)[0] == alternative


def test_reason_names_the_value_that_decided():
    pol = tm.load_policy("fangchenggang-gangkou")
    assert status_of(pol, {"gender": M, "age": 56, "years_at_school": 20})[1] == \
        "ineligible: age 56 > 55 (max_age for M)"
    assert status_of(pol, {"gender": F, "age": 51, "years_at_school": 20})[1] == \
        "ineligible: age 51 > 50 (max_age for F)"
    assert "sanction ended 2 years ago < 3" in status_of(pol, {"years_at_school": 14,
                                                               "sanction_ended_years_ago": 2})[1]
    assert status_of(pol, {"years_at_school": 14, "sanction_ended_years_ago": 0})[1] == \
        "ineligible: currently under a sanction (处分期内)"


def test_sanction_cooldown_zero_bars_only_during_the_sanction():
    pol = tm.load_policy("county-draft-zqyj")
    assert status_of(pol, {"gender": M, "age": 40, "years_at_school": 7,
                           "sanction_ended_years_ago": 0})[0] == "ineligible"
    assert status_of(pol, {"gender": M, "age": 40, "years_at_school": 7,
                           "sanction_ended_years_ago": 0.5})[0] == "mandatory"


def test_title_and_honour_both_required_when_not_either():
    pol = variant("tongyu-2012", title_or_honour=False)
    assert status_of(pol, {"title": "intermediate"})[0] == "ineligible"
    assert status_of(pol, {"title": "intermediate", "honour_level": "county"})[0] == "eligible"
    assert status_of(pol, {"title": "senior", "honour_level": "市级"})[0] == "eligible"


def test_unknown_honour_level_is_a_clear_error():
    with pytest.raises(tm.PolicyError, match="honour_level"):
        status_of(tm.load_policy("tongyu-2012"), {"title": "junior", "honour_level": "galactic"})


def test_secondment_exemption_uses_its_own_column():
    pol = tm.load_policy("xx-district-pilot")
    t = {"gender": F, "age": 40, "years_at_school": 10, "secondment_years_recent": 3,
         "exchange_years_recent": 1}
    status, reason = status_of(pol, t)
    assert status == "exempt"
    assert "recent_secondment" in reason


def test_required_value_leaves_reasons_provisional():
    pol = tm.load_policy("fujian-minhou")
    status, reason = status_of(pol, {"role": "principal", "years_in_post": 8, "years_at_school": 3})
    assert status == "ineligible"
    assert "provisional: leader_trigger_years still to be supplied" in reason
    supplied = pol.with_(leader_trigger_years=6)
    assert status_of(supplied, {"role": "principal", "years_in_post": 8,
                                "years_at_school": 3})[0] == "mandatory"


def test_unknown_mode_is_an_error():
    with pytest.raises(tm.PolicyError, match="no mode 'itinerant'"):
        status_of(tm.load_policy("tongyu-2012"), {}, mode="itinerant")

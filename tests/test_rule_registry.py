"""The rule registry is complete: every rule module carries every part, its words and its own test file."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import teacher_match as tm
from teacher_match.model.build import build_model
from teacher_match.rule_sentences import describe_entry, generic_sentence
from teacher_match.rules import RULES, RULES_BY_ID
from teacher_match.rules.contract import Facts, RuleModule
from teacher_match.schema import KNOWN_SUBJECTS
from teacher_match.vocabulary import SUBJECT_ZH

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = sorted(p.stem for p in (ROOT / "teacher_match" / "rules").glob("*.py")
                    if p.stem not in ("__init__", "contract"))

#: what every rule module defines in its own namespace (optional parts as None, never left out)
REQUIRED = ("RULE_ID", "SECTION", "ORDER", "PARAMS", "TITLE", "TITLE_ZH", "TERMS", "build", "check",
            "class_key", "binding_words", "stays", "school_columns", "prune", "pair_words", "teacher_words",
            "assignment_words", "term_values", "shortfalls")
CALLABLE = ("build", "check", "class_key", "binding_words", "stays", "school_columns")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_rule_module_is_registered():
    assert sorted(m.__name__.rpartition(".")[2] for m in RULES) == RULE_FILES
    assert [m.RULE_ID for m in RULES] == [m.__name__.rpartition(".")[2] for m in RULES]
    orders = [m.ORDER for m in RULES]
    assert orders == sorted(orders), "ORDER is unique per rule"
    assert len(set(orders)) == len(orders), "ORDER is unique per rule"


@pytest.mark.parametrize("module", RULES, ids=lambda m: m.RULE_ID)
def test_rule_module_has_every_part(module: RuleModule):
    missing = [name for name in REQUIRED if name not in vars(module)]
    assert not missing, f"{module.RULE_ID} lacks {missing}"
    for name in CALLABLE:
        assert callable(getattr(module, name)), f"{module.RULE_ID}.{name} is not callable"
    assert CJK.search(module.TITLE_ZH), f"{module.RULE_ID}: TITLE_ZH has no Chinese"
    assert module.TITLE
    assert not CJK.search(module.TITLE)
    # a rule that forbids pairs says why, for the pair and for a teacher left with no school
    if module.prune is not None:
        assert module.pair_words is not None, module.RULE_ID
        assert module.teacher_words is not None, module.RULE_ID
    else:
        assert module.pair_words is None, module.RULE_ID
        assert module.teacher_words is None, module.RULE_ID
    # objective terms and their recount come together
    assert (module.term_values is not None) == bool(module.TERMS), module.RULE_ID
    # a minimum a policy can make soft (a ``*_hard`` switch) is never silent: the rule says where it is short
    switches = [f.name for f in dataclasses.fields(module.PARAMS) if f.name.endswith("_hard")]
    assert (module.shortfalls is not None) == bool(switches), module.RULE_ID
    doc = module.__doc__ or ""
    assert doc.startswith(("Hard rule", "Soft rule", "Hard or soft rule")), \
        f"{module.RULE_ID}: docstring opens with the rule kind"
    assert any(sym in doc for sym in ("≤", "≥", "=", "∈")), f"{module.RULE_ID}: docstring has its formula"


@pytest.mark.parametrize("rule_id", RULE_FILES)
def test_every_rule_has_its_own_test_file(rule_id):
    assert (ROOT / "tests" / "rules" / f"test_{rule_id}.py").is_file()


def test_chinese_subject_names_cover_the_schema():
    assert set(SUBJECT_ZH) >= set(KNOWN_SUBJECTS)


#: a county where every rule with constraints adds some: caps, shares, quotas, mix, floors, budget
EVERY_RULE_ON = {
    "outflow_max_share": 0.2, "keep_per_subject": 1, "leadership_max_share": 0.2,
    "backbone_min_share": 0.2, "weak_school_min_backbone": 1, "min_share_of_eligible": 0.2,
    "min_rotation_hard": True, "group_min_share": 0.1, "min_sent_per_school": 0, "max_sent_per_school": 3,
    "fixed_leaders_sent": 1, "max_total_sent": 40, "balance_max_share": 0.7, "balance_min_sent": 3,
    "students_per_teacher_floor": 20, "stipend_cap_default": 1000.0, "budget_max_yuan": 30000.0,
}


@pytest.fixture(scope="module")
def every_rule_model():
    problem = tm.make_county(300, seed=1)
    if "students" not in problem.schools.columns:
        schools = problem.schools.assign(students=[400 + 37 * i for i in range(len(problem.schools))])
        problem = tm.Problem.from_frames(problem.teachers, schools, problem.needs,
                                         reference_date=problem.reference_date)
    policy = tm.load_policy("default").with_(**EVERY_RULE_ON)
    return build_model(problem, policy)


def test_every_binding_instance_is_said_by_its_rule(every_rule_model):
    """Each ledger entry gets its rule's own sentence (not the generic one), in English and in Chinese."""
    ctx = every_rule_model
    facts = Facts(ctx)
    seen = set()
    for entry in ctx.ledger:
        en, zh = describe_entry(ctx, entry, facts=facts)
        assert (en, zh) != generic_sentence(ctx.model, entry), entry.name
        assert CJK.search(zh), entry.name
        assert entry.rule not in zh, f"{entry.name}: the Chinese sentence shows the rule id"
        seen.add(entry.rule)
    with_constraints = {"single_assignment", "subject_needs", "outflow_limit", "leadership_cap",
                        "backbone_ratio", "min_rotation", "quotas", "balance", "staff_floor", "budget"}
    assert with_constraints <= seen, with_constraints - seen
    assert set(RULES_BY_ID) >= seen

"""The output-side corpus (``tests/data/bad/output_corpus.py``): every case is refused with its message.

Through the ``teacher-match`` command (exit 2, one message, no traceback, nothing written or changed) and
through the library (a ``TeacherMatchError`` with the case's code) — and the README's output-side section is
generated from it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from data.bad import build_corpus
from data.bad.output_corpus import CASES, readme_section, render_readme_section

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.output_files import forget_inputs

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The valid roster and its plan (csv and workbook), solved once."""
    d = tmp_path_factory.mktemp("output-corpus")
    (d / "roster").mkdir()
    for name, text in build_corpus.VALID.items():
        (d / "roster" / name).write_text(text, encoding="utf-8")
    # every school keeps its one teacher of a subject under the default policy: let them go, so a plan moves
    policy = tm.load_policy("default").with_(keep_per_subject=0)
    plan = tm.solve(tm.load_problem(d / "roster"), policy, time_limit=10)
    assert plan.totals()["rotated"] >= 1
    plan.to_csv(d / "plan.csv")
    plan.to_excel(d / "plan.xlsx")
    forget_inputs()
    return d


def _case_dir(solved: Path, tmp_path: Path, case) -> Path:
    d = tmp_path / case.name
    shutil.copytree(solved, d)
    if case.setup is not None:
        case.setup(d)
    forget_inputs()  # what the set-up read is not an input of the run under test
    return d


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_cases_are_named_once_and_documented():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 20
    for c in CASES:
        assert c.code in {"output", "plan", "input", "usage"}, c.name
        assert c.message, c.name
        assert c.doc, c.name
        assert (c.api is None) == (c.code == "usage"), c.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_refuses_with_one_message_and_changes_nothing(case, solved, tmp_path, capsys):
    d = _case_dir(solved, tmp_path, case)
    before = _snapshot(d)
    code = main(case.command(d))
    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert case.message in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "teacher-match" in captured.err
    assert captured.err.count("teacher-match: ") == 1
    assert _snapshot(d) == before, "a refused command changed a file"


@pytest.mark.parametrize("case", [c for c in CASES if c.api is not None],
                         ids=[c.name for c in CASES if c.api is not None])
def test_library_raises_the_case_error(case, solved, tmp_path):
    d = _case_dir(solved, tmp_path, case)
    before = _snapshot(d)
    try:
        with pytest.raises(tm.TeacherMatchError) as err:
            case.api(d)
    finally:
        forget_inputs()
    assert err.value.code == case.code, str(err.value)
    assert case.message in str(err.value)
    assert _snapshot(d) == before


def test_readme_output_section_is_generated_from_the_cases():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    current = readme_section(readme)
    assert current is not None, "README.md lacks the generated output-side section"
    assert current == render_readme_section(CASES), (
        "README's output-side section is stale: regenerate it with python -m tests.data.bad.output_corpus")

"""The bad-input corpus (``tests/data/bad/``): every case is a clean error, never a traceback.

Every case is a TeacherMatchError naming file, row, column and fix — through the library and through the
``teacher-match`` command — and never a traceback.

Also here: messy but valid spellings that must load, the size caps as parameters, policies as data, and the
README's "Common input errors" section, which is generated from the corpus and must not go stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from data.bad import build_corpus
from data.bad.corpus import HERE, load_cases, readme_section, render_readme_section

import teacher_match as tm
from teacher_match.cli import main

ALL_CASES = load_cases()
CASES = [c for c in ALL_CASES if c.code != "warning"]
WARNING_CASES = [c for c in ALL_CASES if c.code == "warning"]
REPO = Path(__file__).resolve().parents[1]


def test_corpus_is_complete_and_large_enough():
    names = [c.name for c in ALL_CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 40
    dirs = {p.name for p in HERE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert dirs == set(names), "every case directory needs a manifest entry and vice versa"
    assert set(build_corpus.CASES) == set(names)
    for c in ALL_CASES:
        assert c.code in {"input", "schema", "policy", "too_large", "warning"}, c.name
        assert c.message, c.name
        assert c.doc, c.name


def test_corpus_files_stay_tiny():
    # large inputs are generated at test time (sparse files), never committed
    # the case files (not the manifest and code beside them)
    sizes = [p.stat().st_size for c in ALL_CASES for p in (HERE / c.name).rglob("*") if p.is_file()]
    assert max(sizes) < 20_000


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_library_raises_a_clean_error(case, tmp_path):
    with pytest.raises(tm.TeacherMatchError) as err:
        case.run_library(tmp_path)
    assert err.value.code == case.code, str(err.value)
    assert case.message in str(err.value)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_exits_2_with_one_message(case, tmp_path, capsys):
    assert main(case.argv(tmp_path)) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert case.message in err
    assert "Traceback" not in err
    assert "Traceback" not in captured.out
    assert err.startswith("teacher-match: ")
    assert err.count("teacher-match:") == 1


@pytest.mark.parametrize("case", WARNING_CASES, ids=[c.name for c in WARNING_CASES])
def test_library_warns_and_makes_a_valid_plan(case, tmp_path):
    with pytest.warns(tm.InputWarning) as rec:
        problem, policy, plan = case.run_library_with_inputs(tmp_path)
    assert any(case.message in str(w.message) for w in rec), [str(w.message) for w in rec]
    assert case.message in plan.summary().split("\n\n")[0]  # said in the summary's first lines
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        assert tm.check(problem, policy, plan).empty


@pytest.mark.parametrize("case", WARNING_CASES, ids=[c.name for c in WARNING_CASES])
def test_cli_prints_the_warning_and_solves(case, tmp_path, capsys):
    # the corpus's tiny roster is short of the default policy's soft minimum: accepted, the warning is tested
    assert main([*case.argv(tmp_path), "--allow-shortfall"]) == 0
    captured = capsys.readouterr()
    assert f"teacher-match: warning: {case.message}" in captured.err
    assert "Traceback" not in captured.err
    assert "checker: no violations" in captured.out


@pytest.mark.parametrize("name", ["sparse_1gb", "duplicate_teacher_id"])
def test_cli_process_prints_no_traceback(name, tmp_path):
    case = next(c for c in CASES if c.name == name)
    res = subprocess.run([sys.executable, "-m", "teacher_match.cli", *case.argv(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert res.returncode == 2
    assert case.message in res.stderr
    assert "Traceback" not in res.stderr


def test_readme_section_is_generated_from_the_corpus():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    current = readme_section(readme)
    assert current is not None, "README.md lacks the generated 'Common input errors' section"
    assert current == render_readme_section(ALL_CASES), (
        "README's 'Common input errors' section is stale: regenerate it with python -m tests.data.bad.corpus")


# ---------------------------------------------------------------- caps are parameters
def _valid(tmp_path: Path) -> Path:
    d = tmp_path / "valid"
    d.mkdir()
    for name, text in build_corpus.VALID.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def test_valid_base_roster_loads_and_solves(tmp_path):
    problem = tm.load_problem(_valid(tmp_path))
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=10)
    assert len(plan.assignments) == 6
    assert tm.check(problem, policy, plan).empty


def test_file_size_and_row_caps_are_parameters(tmp_path):
    d = _valid(tmp_path)
    with pytest.raises(tm.InputError, match="above the 0.0001 MB limit"):
        tm.load_problem(d, max_file_mb=0.0001)
    with pytest.raises(tm.InputError, match="more than 5 rows"):
        tm.load_problem(d, max_rows=5)
    assert tm.load_problem(d, max_rows=6).n_teachers == 6


# ---------------------------------------------------------------- policies are data
def test_policy_file_code_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    for text in (f'__import__("pathlib").Path("{marker}").touch()\n',
                 f'id = "x"\ntitle = "__import__(\'pathlib\').Path(\'{marker}\').touch()"\n'):
        path = tmp_path / "p.toml"
        path.write_text(text, encoding="utf-8")
        try:
            pol = tm.load_policy(path)
            assert pol.title.startswith("__import__")  # a string is kept as a string
        except tm.PolicyError:
            pass
    assert not marker.exists()


# ---------------------------------------------------------------- messy but valid input loads unchanged
MESSY_TEACHERS = [
    ["教师编号", "学校编号", "学科", "性别", "年龄", "本校连续任教年限", "骨干教师"],
    [" T01 ", "S1　", "数学", "男", "４０", "8", "是"],
    ["T02", " S1", "语文", "female", "45岁", "１２年", "N"],
    [None, None, None, None, None, None, None],
    ["T03", "S2", "Math ", "M", "38", "7", "1"],
    ["T04", "S2", "音乐", "F", "30", "6", "0"],
    ["T05", "S1", "英语", "女", "50", "15", "否"],
]


def _messy_dir(tmp_path: Path, teachers_writer) -> Path:
    d = tmp_path / "messy"
    d.mkdir()
    (d / "schools.csv").write_text(build_corpus.SCHOOLS, encoding="utf-8")
    (d / "needs.csv").write_text(build_corpus.NEEDS, encoding="utf-8")
    teachers_writer(d)
    return d


def _assert_messy_loaded(problem: tm.Problem) -> None:
    t = problem.teachers
    assert list(t["teacher_id"]) == ["T01", "T02", "T03", "T04", "T05"]  # nothing dropped, nothing doubled
    assert list(t["school_id"]) == ["S1", "S1", "S2", "S2", "S1"]
    assert list(t["gender"]) == ["M", "F", "M", "F", "F"]
    assert list(t["age"]) == [40, 45, 38, 30, 50]
    assert list(t["years_at_school"]) == [8, 12, 7, 6, 15]
    assert list(t["backbone"]) == [True, False, True, False, False]
    assert list(t["subject"]) == ["math", "chinese", "math", "music", "english"]


def _csv_text(rows, sep=",") -> str:
    return "\n".join(sep.join("" if v is None else v for v in r) for r in rows) + "\n"


@pytest.mark.parametrize("variant", ["gbk", "utf16_tabs", "semicolons", "title_row"])
def test_messy_text_files_load(tmp_path, variant):
    def write(d):
        if variant == "gbk":
            (d / "教师花名册.csv").write_bytes(_csv_text(MESSY_TEACHERS).encode("gbk"))
        elif variant == "utf16_tabs":  # Excel's "Unicode text" export
            (d / "teachers.txt").write_text(_csv_text(MESSY_TEACHERS, "\t"), encoding="utf-16")
        elif variant == "semicolons":
            (d / "teachers.csv").write_text(_csv_text(MESSY_TEACHERS, ";"), encoding="utf-8")
        else:
            title = "某县2025年教师交流轮岗花名册\n"
            (d / "teachers.csv").write_text(title + _csv_text(MESSY_TEACHERS), encoding="utf-8")
    _assert_messy_loaded(tm.load_problem(_messy_dir(tmp_path, write)))


def _numeric_rows():
    return [[int(v) if isinstance(v, str) and v.isdigit() else v for v in r] for r in MESSY_TEACHERS]


def test_multi_row_merged_header_and_second_sheet(tmp_path):
    def write(d):
        wb = openpyxl.Workbook()
        notes = wb.active
        notes.title = "填表说明"
        notes.append(["请按学校填写，不要改动表头"])
        ws = wb.create_sheet("花名册")
        ws.append(["某县2025年教师交流轮岗花名册"])
        ws.merge_cells("A1:G1")
        # a two-row header: the id merged over both rows, groups above, names (and units) below
        ws.append(["教师编号", "基本信息", None, None, "任教情况", None, None])
        ws.merge_cells("A2:A3")
        ws.merge_cells("B2:D2")
        ws.merge_cells("E2:G2")
        ws.append([None, "学校编号", "学科", "性别", "年龄", "本校连续任教年限", "骨干教师"])
        ws.append([None, None, None, None, "(周岁)", "(年)", "(是/否)"])
        for r in _numeric_rows()[1:]:
            ws.append(r)
        wb.save(d / "teachers.xlsx")
    problem = tm.load_problem(_messy_dir(tmp_path, write))
    _assert_messy_loaded(problem)
    # the row numbers in messages stay those of the sheet: T02's age is on spreadsheet row 6
    assert problem.rows["teachers"][1] == 6


def test_formulas_with_stored_values_are_used_not_evaluated(tmp_path):
    def write(d):
        wb = openpyxl.Workbook()
        ws = wb.active
        for r in _numeric_rows():
            ws.append(r)
        ws["E2"] = "=20*2"
        wb.save(d / "teachers.xlsx")
        # give the formula the stored value Excel would have saved, next to the formula itself
        import zipfile
        src = d / "teachers.xlsx"
        with zipfile.ZipFile(src) as z:
            items = {n: z.read(n) for n in z.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        items[sheet] = items[sheet].replace(b"<f>20*2</f><v />", b"<f>20*2</f><v>40</v>")
        with zipfile.ZipFile(src, "w") as z:
            for n, b in items.items():
                z.writestr(n, b)
    problem = tm.load_problem(_messy_dir(tmp_path, write))
    assert problem.teachers.loc[0, "age"] == 40


def test_dataframe_input_errors_name_the_table():
    t = pd.DataFrame({"teacher_id": ["T1"], "school_id": ["S1"], "subject": ["math"], "gender": ["x"],
                      "age": [40], "years_at_school": [8]})
    s = pd.DataFrame({"school_id": ["S1"], "category": ["urban"], "x": [0], "y": [0]})
    with pytest.raises(tm.SchemaError, match=r"teachers \(DataFrame\), row 0, column 'gender'"):
        tm.Problem.from_frames(t, s)

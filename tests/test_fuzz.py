"""Fuzzing the whole surface (hypothesis).

Every command of ``teacher-match`` and every public function of ``teacher_match.__all__``, with generated
arguments, paths, extensions, flags and small generated inputs.

Each call must succeed with checked output (a plan written by ``solve`` passes ``check``; a written file reads
back) or end in a documented error: a ``TeacherMatchError`` in the library, exit code 1, 2 or 3 from the
command — never exit 70 (a bug) or an undocumented exception. No input file may ever change. The examples are
bounded and derandomized, so the file is deterministic and runs in well under a minute.

Rosters of fewer than 100 teachers are not generated here: ``make_county`` fails for some sizes between its
minimum of 20 and about 100 (tracked separately); ``test_make_county_every_allowed_size`` marks it.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from data.bad import build_corpus
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import teacher_match as tm
from teacher_match import cli, output_files
from teacher_match.report import render_html, write_report

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
DOCUMENTED_EXITS = {cli.EXIT_OK, cli.EXIT_INVALID_PLAN, cli.EXIT_BAD_INPUT, cli.EXIT_NO_PLAN_IN_TIME,
                    cli.EXIT_SHORTFALL}
OPEN_POLICY = 'id = "open"\n[rules]\nkeep_per_subject = 0\n'


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A workspace: the valid roster, a 120-teacher county, a policy file, the roster's plans, odd files."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "roster").mkdir()
    for name, text in build_corpus.VALID.items():
        (d / "roster" / name).write_text(text, encoding="utf-8")
    tm.write_problem(tm.make_county(120, seed=1), d / "county")
    (d / "open.toml").write_text(OPEN_POLICY, encoding="utf-8")
    plan = tm.solve(tm.load_problem(d / "roster"), tm.load_policy(d / "open.toml"), time_limit=10)
    plan.to_csv(d / "plan.csv")
    plan.to_excel(d / "plan.xlsx")
    (d / "notes.txt").write_text("会议通知\n", encoding="utf-8")
    (d / "empty").mkdir()
    output_files.forget_inputs()
    return d


def _inputs(ws: Path) -> dict[str, bytes]:
    # out/ and empty/ are where outputs may go; everything else is an input
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted(ws.rglob("*"))
            if p.is_file() and not str(p.relative_to(ws)).startswith(("out", "empty"))}


def _unchanged(ws: Path, before: dict[str, bytes]) -> bool:
    """Every input file as it was; a new file beside them (roster/x.csv, not a table name) is removed."""
    after = _inputs(ws)
    for extra in set(after) - set(before):
        (ws / extra).unlink()
    return all(after.get(k) == v for k, v in before.items())


def _clean(ws: Path) -> None:
    shutil.rmtree(ws / "out", ignore_errors=True)
    shutil.rmtree(ws / "empty", ignore_errors=True)
    (ws / "empty").mkdir()


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------- strategies
EXTENSIONS = [".xlsx", ".csv"] * 4 + [".html"] * 2 + [".XLSX", ".Csv", ".docx", ".html", ".htm", ".txt",
                                                      ".toml", "", ".xlsm", ".parquet", ".csv.bak", "/"]
NAMES = st.text(alphabet=st.sampled_from(list("abcXYZ019 -_.=+@'#%&方案计划表")), min_size=0, max_size=8)


@st.composite
def out_paths(draw, ws: Path):
    """An output path: usually new under out/, sometimes an input, a folder or an odd spelling of one."""
    kind = draw(st.sampled_from(["new"] * 6 + ["input", "folder", "nested", "dotted", "existing"]))
    if kind == "input":
        inputs = ["roster/teachers.csv", "roster/needs.csv", "plan.csv", "plan.xlsx", "open.toml",
                  "notes.txt", "roster/teachers.xlsx"]
        return str(ws / draw(st.sampled_from(inputs)))
    if kind == "folder":
        return str(ws / draw(st.sampled_from(["roster", "empty", "out", "."])))
    if kind == "dotted":
        return f"{ws}/roster/../roster/./{draw(st.sampled_from(['teachers.csv', 'schools.csv', 'x.csv']))}"
    name = draw(NAMES).strip() + draw(st.sampled_from(EXTENSIONS))
    sub = "out/a/b/" if kind == "nested" else "out/"
    if kind == "existing":
        return str(ws / "plan.csv" / name)  # a file used as a folder
    if name.startswith("/"):
        return str(ws / sub) + "/" + name
    return str(ws / sub / name) if name else str(ws / sub)


NUMBERS = ["0", "-5", "nan", "inf", "-inf", "0.5", "1", "abc", "1e-9", "", "1e400", "3", "2147483648", "-1",
           "1.5"]
SET_KEYS = ["backbone_min_share", "max_commute_km", "keep_per_subject", "min_years_at_school",
            "outflow_max_share", "max_age", "unmet_need", "min_rotation_hard", "nonsense_key", "", "exempt"]
SET_VALUES = ["0.2", "0", "1", "true", "false", "-1", "abc", "M=55,F=50", "0.5", "40", "x;y", "2"]


@st.composite
def commands(draw, ws: Path):
    cmd = draw(st.sampled_from(["solve", "solve", "solve", "check", "explain", "report", "generate", "demo"]))
    # valid choices weigh more: the fuzz reaches the solve, the write and the check as often as the refusals
    roster = str(ws / draw(st.sampled_from(["roster"] * 6 + ["county"] * 2 + ["notes.txt", "missing", "empty",
                                                                           "plan.xlsx"])))
    plan = str(ws / draw(st.sampled_from(["plan.csv"] * 3 + ["plan.xlsx"] * 3
                                         + ["roster/teachers.csv", "notes.txt", "missing.csv", "county"])))
    policy = draw(st.sampled_from([str(ws / "open.toml")] * 8
                                  + ["default", "default", "defualt", str(ws / "notes.txt"),
                                     str(ws / "missing.toml"), "xiamen-proposals"]))
    argv = [cmd]
    if cmd == "solve":
        argv += [roster, "--quiet"]
        if draw(st.booleans()):
            argv += ["--out", draw(out_paths(ws))]
    elif cmd == "check":
        argv += [roster, plan]
    elif cmd == "explain":
        argv += [roster, plan, "--teacher", draw(st.sampled_from(["T01", "T04", "T99", "", "=1+1"])),
                 "--no-verify"]
    elif cmd == "report":
        argv += [plan, "--html", draw(out_paths(ws))]
        if draw(st.booleans()):
            argv += ["--input", roster]
    elif cmd == "generate":
        argv += ["--out", draw(out_paths(ws)),
                 "--teachers", draw(st.sampled_from(["200", "5", "0", "x", "2000000"])),
                 "--format", draw(st.sampled_from(["csv", "xlsx", "parquet"]))]
        if draw(st.booleans()):
            argv += ["--seed", draw(st.sampled_from(["0", "7", "-1", "2147483648", "x"]))]
    else:  # demo
        argv += ["--teachers", draw(st.sampled_from(["200", "5"])), "--quiet"]
    if cmd in ("solve", "check", "explain", "demo"):
        argv += ["--policy", policy]
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
            argv += ["--set", f"{draw(st.sampled_from(SET_KEYS))}={draw(st.sampled_from(SET_VALUES))}"]
    if cmd in ("solve", "demo"):
        # time limits stay short: the fuzz is about the surface, not the search
        argv += ["--time-limit", draw(st.sampled_from(["0.5", "1"] * 4 + ["0", "-5", "nan", "inf", "abc"]))]
        if draw(st.booleans()):
            argv += ["--workers", draw(st.sampled_from(["1", "1", "2", "0", "64", "-1", "x"]))]
        if draw(st.booleans()):
            argv += ["--seed", draw(st.sampled_from(["0", "1", "7"] * 3 + NUMBERS))]
    return argv


# ---------------------------------------------------------------------------------------------- the command
@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_fuzz_every_command(ws, data):
    argv = data.draw(commands(ws))
    before = _inputs(ws)
    try:
        code, out, err = _run(argv)
    finally:
        output_files.forget_inputs()
    event(f"{argv[0]} exit {code}")  # --hypothesis-show-statistics: how often each command succeeds
    assert code in DOCUMENTED_EXITS, f"{argv}: exit {code}\n{err}"
    assert "Traceback" not in out + err
    if code == cli.EXIT_BAD_INPUT:
        assert "teacher-match" in err, argv
    assert _unchanged(ws, before), f"{argv} changed an input"
    if argv[0] == "solve" and "--out" in argv:
        written = Path(argv[argv.index("--out") + 1])
        if code == 0:
            # checked output: the plan written reads back and passes the checker
            check = ["check", argv[1], str(written)] + _policy_args(argv)
            c2, out2, err2 = _run(check)
            output_files.forget_inputs()
            assert c2 == 0, f"{argv} wrote a plan that fails check: {out2}{err2}"
    _clean(ws)


def _policy_args(argv: list[str]) -> list[str]:
    out = []
    for i, a in enumerate(argv):
        if a in ("--policy", "--set"):
            out += [a, argv[i + 1]]
    return out


# ---------------------------------------------------------------------------------------------- the library
@pytest.fixture(scope="module")
def solved(ws):
    problem = tm.load_problem(ws / "roster")
    policy = tm.load_policy(ws / "open.toml")
    plan = tm.solve(problem, policy, time_limit=10)
    output_files.forget_inputs()
    return problem, policy, plan


@FUZZ
@given(data=st.data())
def test_fuzz_writers(ws, solved, data):
    """Plan.to_csv / to_excel, write_report, write_problem: a whole file that reads back, or OutputError."""
    problem, policy, plan = solved
    path = data.draw(out_paths(ws))
    writer = data.draw(st.sampled_from(["to_csv", "to_excel", "report", "write_problem"]))
    # the library refuses what it has read in this process: the roster, the policy file, the plans
    tm.load_problem(ws / "roster")
    tm.load_policy(ws / "open.toml")
    tm.Plan.read_assignments(ws / "plan.csv")
    tm.Plan.read_assignments(ws / "plan.xlsx")
    before = _inputs(ws)
    try:
        if writer == "report":
            written = write_report(plan, path, problem=problem)
        elif writer == "write_problem":
            fmt = data.draw(st.sampled_from(["csv", "xlsx", "parquet"]))
            written = tm.write_problem(problem, path, fmt=fmt, force=data.draw(st.booleans()))
        else:
            written = getattr(plan, writer)(path)
    except tm.OutputError:
        written = None
    finally:
        output_files.forget_inputs()
    if written is not None:
        if writer in ("to_csv", "to_excel"):
            assert tm.check(problem, policy, tm.Plan.read_assignments(written)).empty
        elif writer == "report":
            assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        else:
            assert tm.load_problem(written).n_teachers == problem.n_teachers
        assert not [p for p in Path(written).parent.rglob(".*tmp-*")]
    assert _unchanged(ws, before), f"{writer}({path!r}) changed an input"
    output_files.forget_inputs()
    _clean(ws)


CELLS = st.one_of(st.none(), st.sampled_from(["", " ", "S1", "S3", "S4", "S9", "T01", "T99", "math", "数学",
                                              "True", "False", "yes", "0", "1", "nan", "inf", "-1", "=1+1",
                                              "\t", "3.5", "1e308"]),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.integers(-5, 50))
PLAN_COLUMNS = ["teacher_id", "from_school_id", "to_school_id", "moves", "subject", "commute_km", "status"]


@FUZZ
@given(data=st.data())
def test_fuzz_plan_edits(ws, solved, data):
    """A plan edited at random: check, explain and the report answer, or raise a TeacherMatchError."""
    problem, policy, plan = solved
    a = plan.assignments.copy()
    for _ in range(data.draw(st.integers(0, 4))):
        op = data.draw(st.sampled_from(["cell", "cell", "cell", "drop_col", "drop_row", "dup_row"]))
        if op == "cell":
            col = data.draw(st.sampled_from(PLAN_COLUMNS))
            row = data.draw(st.integers(0, len(a) - 1)) if len(a) else None
            if row is not None and col in a.columns:
                a[col] = a[col].astype(object)
                a.iat[row, a.columns.get_loc(col)] = data.draw(CELLS)
        elif op == "drop_col":
            a = a.drop(columns=[data.draw(st.sampled_from(list(a.columns)))])
        elif op == "drop_row" and len(a):
            a = a.drop(index=a.index[data.draw(st.integers(0, len(a) - 1))])
        elif len(a):
            a = pd.concat([a, a.iloc[[data.draw(st.integers(0, len(a) - 1))]]])
    if data.draw(st.booleans()):  # through a file too, as the command reads it
        path = ws / "out" / "edited.csv"
        path.parent.mkdir(exist_ok=True)
        a.to_csv(path, index=False)
        try:
            a = tm.Plan.read_assignments(path)
        except tm.TeacherMatchError:
            output_files.forget_inputs()
            return
    output_files.forget_inputs()
    try:
        v = tm.check(problem, policy, a)
        assert list(v.columns) == ["rule", "key", "message"]
        assert not v["message"].str.contains(r"\bnan\b").any(), v
    except tm.TeacherMatchError:
        pass
    tid = data.draw(st.sampled_from(["T01", "T02", "T04", "T06", "T99"]))
    try:
        text = str(tm.explain(problem, policy, a, tid, counterfactual=data.draw(st.booleans()), time_limit=2))
        assert "nan" not in text
        assert "of 0 filled" not in text
    except tm.TeacherMatchError:
        pass
    try:
        assert render_html(plan, problem).startswith("<!DOCTYPE html>")
    except tm.TeacherMatchError:  # pragma: no cover - the report of a valid plan must render
        raise


@FUZZ
@given(text=st.one_of(st.sampled_from(["default", "defualt", "", " ", "../models/default", "default.toml",
                                       "notes.txt", "empty", "xiamen-proposals", "fujian-minhou"]), NAMES),
       changes=st.dictionaries(st.sampled_from(SET_KEYS), st.sampled_from(
           [0.2, 0, 1, True, False, -1, "abc", {"M": 55, "F": 50}, 0.5, 40, ["x", "y"], 2, [], {}]),
           max_size=2))
def test_fuzz_policies(ws, text, changes):
    """load_policy of any name, with_ of any change: a Policy that solves, or a PolicyError."""
    try:
        policy = tm.load_policy(ws / text if text in ("notes.txt", "empty") else text)
        policy = policy.with_(**changes)
        problem = tm.load_problem(ws / "roster")
        elig = tm.eligibility(problem, policy)
        assert len(elig) == problem.n_teachers
        plan = tm.solve(problem, policy, time_limit=1)
        if plan.has_plan:
            assert tm.check(problem, policy, plan).empty
    except tm.TeacherMatchError:
        pass
    finally:
        output_files.forget_inputs()


@FUZZ
@given(path=st.one_of(st.sampled_from(["roster", "county", "notes.txt", "empty", "plan.xlsx", "plan.csv",
                                       "missing", "roster/teachers.csv", "open.toml", ""]), NAMES),
       max_rows=st.sampled_from([None, 1, 3, 10**6]), max_file_mb=st.sampled_from([None, 1e-6, 200]))
def test_fuzz_load_problem(ws, path, max_rows, max_file_mb):
    kw = {k: v for k, v in (("max_rows", max_rows), ("max_file_mb", max_file_mb)) if v is not None}
    try:
        problem = tm.load_problem(ws / path, **kw)
        assert problem.n_teachers >= 1
    except tm.TeacherMatchError:
        pass
    finally:
        output_files.forget_inputs()


@settings(max_examples=4, deadline=None, derandomize=True, database=None)
@given(n=st.integers(100, 250), seed=st.integers(0, 2**31 - 1))
def test_fuzz_make_county_and_solve(n, seed):
    try:
        problem = tm.make_county(n, seed=seed)
    except ValueError:
        # make_county fails for some sizes and seeds ("array is read-only"): fixed with its internals;
        # test_make_county_every_allowed_size marks it
        assume(False)
    assert problem.n_teachers == n
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=1)
    if plan.has_plan:
        assert tm.check(problem, policy, plan).empty
    else:
        assert plan.status in ("UNKNOWN", "INFEASIBLE")


def test_make_county_every_allowed_size():
    for n in range(cli.MIN_TEACHERS, 101):
        assert tm.make_county(n, seed=0).n_teachers == n

"""The output-side corpus: output paths and plan files that must be refused, each through the CLI and the API.

The input-side corpus (``cases.toml``) runs a roster through ``solve``; these cases are about what a command
writes and the plan files it reads back: an output that is an input (by name, symlink, hard link, ``./x``,
the policy file, a file inside the input folder), a wrong extension, a folder, a full folder for
``generate``, argument ranges, and plans that do not fit the roster. Each case is made at test time from
the valid roster of ``build_corpus.py`` (links cannot be committed), in a folder holding:

* ``roster/`` — the valid roster (teachers, schools, needs csv);
* ``plan.csv`` and ``plan.xlsx`` — its plan, solved once per test session;
* whatever the case's ``setup`` adds.

``argv`` is the command line (``{d}`` is the case folder); ``api`` is the same mistake through the library
(None for command-line arguments, which only the command has). ``python -m tests.data.bad.output_corpus``
prints the README section generated from these cases.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

README_START = ("<!-- common-output-errors:start (generated: python -m tests.data.bad.output_corpus; "
                "do not edit) -->")
README_END = "<!-- common-output-errors:end -->"


@dataclass(frozen=True)
class OutputCase:
    """One output-side case: how to make it, the command line, the library call, what must be said."""

    name: str
    code: str  # TeacherMatchError.code, or "usage" for a command-line argument refused by the parser
    message: str
    doc: str
    argv: tuple[str, ...]
    setup: Callable[[Path], None] | None = None
    api: Callable[[Path], object] | None = None

    def command(self, d: Path) -> list[str]:
        return [a.format(d=d) for a in self.argv]


# ---------------------------------------------------------------------------------------------- set-ups
def _symlink(target: str, link: str) -> Callable[[Path], None]:
    return lambda d: os.symlink(d / target, d / link)


def _hardlink(target: str, link: str) -> Callable[[Path], None]:
    return lambda d: os.link(d / target, d / link)


def _policy_named_csv(d: Path) -> None:
    # a policy file may have any name; this one ends in .csv, like the plan the user meant to write
    (d / "rules.csv").write_text('id = "mine"\n', encoding="utf-8")


def _edit_plan(**changes) -> Callable[[Path], None]:
    """The valid plan.csv with cells changed: ``column=(row position, value)``."""

    def setup(d: Path) -> None:
        a = pd.read_csv(d / "plan.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
        for col, (pos, value) in changes.items():
            if pos == "moved":
                pos = int((a["moves"] == "True").to_numpy().argmax())
            elif pos == "stays":
                pos = int((a["moves"] == "False").to_numpy().argmax())
            a.loc[pos, col] = value
        a.to_csv(d / "edited.csv", index=False, encoding="utf-8-sig")

    return setup


def _full_folder(d: Path) -> None:
    (d / "full").mkdir()
    (d / "full" / "notes.txt").write_text("last year's county\n", encoding="utf-8")


def _other_roster(d: Path) -> None:
    # the same teacher and school ids, other schools and subjects: last year's roster, say
    from data.bad.build_corpus import VALID

    (d / "other").mkdir()
    for name, text in VALID.items():
        (d / "other" / name).write_text(text, encoding="utf-8")
    t = pd.read_csv(d / "other" / "teachers.csv", dtype=str)
    t["学校编号"] = t["学校编号"].map({"S1": "S2", "S2": "S1"})
    t.to_csv(d / "other" / "teachers.csv", index=False)


def _infeasible_workbook(d: Path) -> None:
    import teacher_match as tm

    problem = tm.load_problem(d / "roster")
    policy = tm.load_policy("default").with_(min_rotation_hard=True, min_share_of_eligible=1.0)
    plan = tm.solve(problem, policy, time_limit=5)
    assert plan.status == "INFEASIBLE", plan.status
    plan.to_excel(d / "infeasible.xlsx")


# ---------------------------------------------------------------------------------------------- library calls
def _plan(d: Path):
    """The valid roster's plan as a Plan object (solved again: fast on six teachers)."""
    import teacher_match as tm

    return tm.solve(tm.load_problem(d / "roster"), tm.load_policy("default"), time_limit=5)


def _to(name: str, method: str = "to_csv") -> Callable[[Path], object]:
    return lambda d: getattr(_plan(d), method)(d / name)


def _policy_then_write(d: Path):
    import teacher_match as tm

    tm.load_policy(d / "rules.csv")
    return _plan(d).to_csv(d / "rules.csv")


def _check(plan: str, roster: str = "roster") -> Callable[[Path], object]:
    def call(d: Path):
        import teacher_match as tm

        return tm.check(tm.load_problem(d / roster), tm.load_policy("default"),
                        tm.Plan.read_assignments(d / plan))

    return call


def _explain(plan: str) -> Callable[[Path], object]:
    def call(d: Path):
        import teacher_match as tm

        return tm.explain(tm.load_problem(d / "roster"), tm.load_policy("default"),
                          tm.Plan.read_assignments(d / plan), "T01", counterfactual=False)

    return call


def _report(html: str, plan: str = "plan.xlsx", roster: str | None = None) -> Callable[[Path], object]:
    def call(d: Path):
        import teacher_match as tm
        from teacher_match.report import write_report

        problem = tm.load_problem(d / roster) if roster else None
        return write_report(d / plan, d / html, problem=problem)

    return call


def _write_problem(out: str) -> Callable[[Path], object]:
    def call(d: Path):
        import teacher_match as tm

        return tm.write_problem(tm.load_problem(d / "roster"), d / out)

    return call


SOLVE = ("solve", "{d}/roster", "--quiet", "--time-limit", "5")
EXPLAIN = ("explain", "{d}/roster", "{d}/edited.csv", "--teacher", "T01", "--no-verify")
THE_INPUT = "this is an input of this run"

CASES: list[OutputCase] = [
    # ------------------------------------------------------------------ an output that is an input
    OutputCase("out_is_the_roster", "output", THE_INPUT + " — writing there would destroy it",
               "the plan written over the roster (`--out county/teachers.csv`)",
               (*SOLVE, "--out", "{d}/roster/teachers.csv"), api=_to("roster/teachers.csv")),
    OutputCase("out_symlink_to_input", "output", THE_INPUT,
               "the plan written to a symlink that points into the roster",
               (*SOLVE, "--out", "{d}/link.csv"), setup=_symlink("roster/schools.csv", "link.csv"),
               api=_to("link.csv")),
    OutputCase("out_hard_link_to_input", "output", "(the same file as the input",
               "the plan written to a hard link of a roster file",
               (*SOLVE, "--out", "{d}/hard.csv"), setup=_hardlink("roster/needs.csv", "hard.csv"),
               api=_to("hard.csv")),
    OutputCase("out_dotted_path_to_input", "output", THE_INPUT,
               "the roster reached by another spelling of its path (`./county/../county/needs.csv`)",
               (*SOLVE, "--out", "{d}/roster/../roster/./needs.csv"),
               api=_to("roster/../roster/./needs.csv")),
    OutputCase("out_is_the_policy_file", "output", THE_INPUT,
               "the plan written over the policy file (`--policy rules.csv --out rules.csv`)",
               (*SOLVE, "--policy", "{d}/rules.csv", "--out", "{d}/rules.csv"), setup=_policy_named_csv,
               api=_policy_then_write),
    OutputCase("out_new_table_in_input_folder", "output",
               "a file of this name would be read as a roster table",
               "a new file in the roster folder named like a table (`--out county/teachers.xlsx`)",
               (*SOLVE, "--out", "{d}/roster/teachers.xlsx"), api=_to("roster/teachers.xlsx", "to_excel")),
    OutputCase("report_over_the_plan", "output", THE_INPUT,
               "the report written over the plan it reads (through a link named .html)",
               ("report", "{d}/plan.xlsx", "--html", "{d}/plan.html"),
               setup=_symlink("plan.xlsx", "plan.html"),
               api=_report("plan.html")),
    # ------------------------------------------------------------------ names and folders
    OutputCase("out_wrong_extension", "output", "not .docx — give a file name ending in",
               "an extension the plan is not written in (`--out plan.docx`)",
               (*SOLVE, "--out", "{d}/plan.docx"), api=_to("plan.docx")),
    OutputCase("out_no_extension", "output", "and this name has no extension",
               "an output name without an extension", (*SOLVE, "--out", "{d}/plan"), api=_to("plan")),
    OutputCase("out_is_a_folder", "output", "this is a folder — give a file name for the plan",
               "a folder given for the plan (`--out county/`)", (*SOLVE, "--out", "{d}/roster/"),
               api=_to("roster")),
    OutputCase("out_parent_is_a_file", "output", "is a file, not a folder",
               "a file used as a folder on the output path", (*SOLVE, "--out", "{d}/plan.csv/plan.csv"),
               api=_to("plan.csv/plan.csv")),
    OutputCase("report_wrong_extension", "output", "the report is written as .html or .htm, not .csv",
               "the report written over a roster table (`--html county/schools.csv`)",
               ("report", "{d}/plan.xlsx", "--html", "{d}/roster/schools.csv"),
               api=_report("roster/schools.csv")),
    OutputCase("generate_into_full_folder", "output", "the folder already holds files (notes.txt)",
               "`generate --out` a folder that holds files (without `--force`)",
               ("generate", "--teachers", "100", "--out", "{d}/full"), setup=_full_folder,
               api=_write_problem("full")),
    OutputCase("generate_out_is_a_file", "output", "this is a file, not a folder",
               "`generate --out` a file", ("generate", "--teachers", "100", "--out", "{d}/plan.csv"),
               api=_write_problem("plan.csv")),
    # ------------------------------------------------------------------ arguments (command line only)
    OutputCase("time_limit_zero", "usage", "the time limit must be a number of seconds > 0, got '0'",
               "`--time-limit 0` (or negative): not \"no limit\"", (*SOLVE, "--time-limit", "0")),
    OutputCase("workers_beyond_cores", "usage", "--workers must be between 1 and",
               "`--workers` above the number of CPU cores", (*SOLVE, "--workers", "100000")),
    OutputCase("seed_negative", "usage", "the seed must be between 0 and 2,147,483,647",
               "a negative or too large seed", ("generate", "--seed", "-1", "--out", "{d}/new")),
    OutputCase("teachers_below_minimum", "usage", "the number of teachers must be between 20 and 1,000,000",
               "`generate --teachers` below the smallest county", ("generate", "--teachers", "5", "--out",
                                                                    "{d}/new")),
    # ------------------------------------------------------------------ plans that do not fit the roster
    OutputCase("plan_of_another_roster", "plan",
               "the plan says teacher T01 has school 'S1', the roster says 'S2'",
               "a plan checked against another roster with the same ids",
               ("check", "{d}/other", "{d}/plan.csv"), setup=_other_roster, api=_check("plan.csv", "other")),
    OutputCase("plan_unknown_destination", "plan", "school 'S9' is not in the schools table",
               "a plan edited by hand, explained: a destination school that does not exist (`check` reports "
               "it as a violation of `flows`)",
               EXPLAIN, setup=_edit_plan(to_school_id=("moved", "S9")), api=_explain("edited.csv")),
    OutputCase("plan_commute_infinite", "plan", "'inf' is not a distance",
               "a plan edited by hand: `commute_km = inf`", ("check", "{d}/roster", "{d}/edited.csv"),
               setup=_edit_plan(commute_km=("moved", "inf")), api=_check("edited.csv")),
    OutputCase("plan_move_without_destination", "plan",
               "the teacher moves but no destination school is given",
               "a plan edited by hand, explained: moves = true and no destination (`check`: a violation of "
               "`single_assignment`)",
               EXPLAIN, setup=_edit_plan(moves=("stays", "True")), api=_explain("edited.csv")),
    OutputCase("plan_moves_not_yes_no", "input", "row 2, column 'moves': 'perhaps' is not yes or no",
               "a plan edited by hand: a moves cell that is not yes/no",
               ("check", "{d}/roster", "{d}/edited.csv"), setup=_edit_plan(moves=(0, "perhaps")),
               api=_check("edited.csv")),
    OutputCase("plan_of_an_infeasible_solve", "input", "holds no plan (status INFEASIBLE",
               "the workbook of an INFEASIBLE solve (its diagnosis) checked as a plan",
               ("check", "{d}/roster", "{d}/infeasible.xlsx"), setup=_infeasible_workbook,
               api=_check("infeasible.xlsx")),
    OutputCase("plan_is_a_roster_table", "input", "not a teacher_match plan (missing column",
               "a roster table given where a plan is expected",
               ("check", "{d}/roster", "{d}/roster/teachers.csv"), api=_check("roster/teachers.csv")),
]


def render_readme_section(cases: list[OutputCase] | None = None) -> str:
    """The README's output-side section of "Common input errors", generated from :data:`CASES`."""
    cases = CASES if cases is None else cases
    lines = [
        README_START,
        "### Output files and plans read back",
        "",
        f"Every case below is in `tests/data/bad/output_corpus.py` ({len(cases)} cases), made at test time "
        "from the valid roster; `make test` runs each through the command and, except the command-line "
        "arguments, "
        "through the library. An output path is checked before any work: a refused path costs no solve, and "
        "no file is touched. Exit code 2; `usage` marks an argument the command refuses before it starts.",
        "",
        "| what is wrong | code | what teacher_match says (excerpt) |",
        "|---|---|---|",
    ]
    for c in cases:
        doc, msg = (text.replace("|", "\\|") for text in (c.doc, c.message))
        lines.append(f"| {doc} | `{c.code}` | {msg} |")
    lines += ["", README_END]
    return "\n".join(lines)


def readme_section(readme_text: str) -> str | None:
    """The generated section as it stands in the README (None if absent)."""
    start, end = readme_text.find(README_START), readme_text.find(README_END)
    return None if start < 0 or end < 0 else readme_text[start:end + len(README_END)]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    print(render_readme_section())

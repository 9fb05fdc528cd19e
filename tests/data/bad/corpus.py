"""The bad-input corpus: read ``cases.toml``, run a case through the library or the CLI, render the README.

Each case is a directory under ``tests/data/bad/`` (written by ``build_corpus.py``) and one table of
``cases.toml``::

    [duplicate_teacher_id]
    code = "schema"                       # TeacherMatchError.code the case must raise, or "warning": the
                                          # input loads with an InputWarning and the plan is made
    message = "teachers.csv, row 4, …"    # a fragment of the message (file, row, column and the fix)
    doc = "the same teacher id twice"     # one line for the README's "Common input errors" table
    input = "roster.txt"                  # optional: the input path inside the case directory
    policy = "policy.toml"                # optional: a policy file inside the case directory, or an id
    set = ["backbone_min_share=1.5"]      # optional: --set overrides
    options = { max_rows = 3 }            # optional: limits, as keyword arguments and CLI flags
    generate = "sparse_1gb"               # optional: made at test time (never committed)

``python -m tests.data.bad.corpus`` prints the README section generated from the corpus.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "cases.toml"
README_START = "<!-- common-input-errors:start (generated: python -m tests.data.bad.corpus; do not edit) -->"
README_END = "<!-- common-input-errors:end -->"

#: option name -> CLI flag
FLAGS = {"max_rows": "--max-rows", "max_file_mb": "--max-file-mb", "max_memory_mb": "--max-memory-mb"}
#: options that limit loading (the rest limit solving)
LOAD_OPTIONS = ("max_rows", "max_file_mb")


@dataclass(frozen=True)
class Case:
    """One corpus case: where its files are, how to run it, what it must raise."""

    name: str
    code: str
    message: str
    doc: str
    input: str = ""
    policy: str = "default"
    set: tuple = ()
    options: dict = field(default_factory=dict)
    generate: str = ""

    def materialise(self, tmp: Path) -> Path:
        """A copy of the case directory in ``tmp`` with generated files added; returns the input path."""
        d = tmp / self.name
        shutil.copytree(HERE / self.name, d)
        if self.generate == "sparse_1gb":
            # a 1 GB file that takes no disk space: its size alone must be refused, before any reading
            with open(d / "teachers.csv", "r+b") as fh:
                fh.truncate(2**30)
        elif self.generate:
            raise ValueError(f"unknown generator {self.generate!r}")
        return d / self.input if self.input else d

    def policy_ref(self, tmp: Path) -> str:
        candidate = tmp / self.name / self.policy
        return str(candidate) if self.policy.endswith(".toml") else self.policy

    def argv(self, tmp: Path) -> list[str]:
        """The ``teacher-match solve`` command line of the case."""
        argv = ["solve", str(self.materialise(tmp)), "--policy", self.policy_ref(tmp), "--quiet",
                "--time-limit", "5"]
        for s in self.set:
            argv += ["--set", s]
        for k, v in self.options.items():
            argv += [FLAGS[k], str(v)]
        return argv

    def run_library(self, tmp: Path):
        """What ``teacher-match solve`` does, through the public API; the plan if nothing is raised."""
        return self.run_library_with_inputs(tmp)[2]

    def run_library_with_inputs(self, tmp: Path):
        """``(problem, policy, plan)`` of :meth:`run_library`, for checking a plan made with a warning."""
        import teacher_match as tm
        from teacher_match.params import parse_cli_value

        path = self.materialise(tmp)
        policy = tm.load_policy(self.policy_ref(tmp))
        changes = {}
        for item in self.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise tm.PolicyError(f"--set expects KEY=VALUE, got {item!r} — e.g. "
                                     f"--set backbone_min_share=0.2")
            changes[key.strip()] = parse_cli_value(value)
        if changes:
            policy = policy.with_(**changes)
        policy.require_complete()
        problem = tm.load_problem(path, **{k: v for k, v in self.options.items() if k in LOAD_OPTIONS})
        solve_kw = {k: v for k, v in self.options.items() if k not in LOAD_OPTIONS}
        return problem, policy, tm.solve(problem, policy, time_limit=5, **solve_kw)


def load_cases() -> list[Case]:
    """Every case of ``cases.toml``, in file order."""
    data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    out = []
    for name, spec in data.items():
        spec = dict(spec)
        spec["set"] = tuple(spec.get("set", ()))
        out.append(Case(name=name, **spec))
    return out


def render_readme_section(cases: list[Case] | None = None) -> str:
    """The README's "Common input errors" section, generated from the corpus (messages as tested)."""
    cases = load_cases() if cases is None else cases
    lines = [
        README_START,
        "## Common input errors",
        "",
        f"Every case below is a file set in `tests/data/bad/` ({len(cases)} cases); `make test` runs each "
        "through the library and the `teacher-match solve` command and checks the message. Bad input never "
        "gives a traceback: the command prints one message naming the file, row, column and the fix, and "
        "exits with code 2. In Python every case raises a `TeacherMatchError`; `code` is its `.code`. Input "
        "that loads but probably does not say what was meant (code `warning`) gives one "
        "`teacher-match: warning: …` line on stderr and the plan is made (exit 0); in Python it is an "
        "`InputWarning`, also listed in `Problem.warnings` or at the top of `plan.summary()`.",
        "",
        "| what is wrong | code | what teacher_match says (excerpt) |",
        "|---|---|---|",
    ]
    for c in cases:
        msg = c.message.replace("|", "\\|")
        lines.append(f"| {c.doc} | `{c.code}` | {msg} |")
    lines += ["", README_END]
    return "\n".join(lines)


def readme_section(readme_text: str) -> str | None:
    """The generated section as it stands in the README (None if absent)."""
    start = readme_text.find(README_START)
    end = readme_text.find(README_END)
    if start < 0 or end < 0:
        return None
    return readme_text[start:end + len(README_END)]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    print(render_readme_section())

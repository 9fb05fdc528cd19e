"""Errors raised by teacher_match.

Every error a user can cause is a :class:`TeacherMatchError`; its message names the file, row, column or
rule at fault and says what to do. The CLI prints the message and exits with code 2 — never a traceback.

Input that loads but probably does not say what the planner meant (an unknown subject, a need nobody can
fill, a rule that needs a column the roster lacks) is an :class:`InputWarning`, issued with Python's
``warnings`` module: the CLI prints each as one ``teacher-match: warning: …`` line on stderr,
``Problem.warnings`` keeps those found at load, and ``plan.summary()`` opens with those found at solve.

Any other exception is a bug in teacher_match: the CLI says so in one line, logs the traceback to a file and
exits with code 70 (see the README, "Exit codes").
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "TeacherMatchError",
    "InputError",
    "SchemaError",
    "PlanMismatchError",
    "PolicyError",
    "InfeasibleError",
    "ModelTooLargeError",
    "InputWarning",
    "OutputError",
    "ClusterError",
]


class TeacherMatchError(Exception):
    """Root of every error teacher_match raises on purpose (bad input, bad policy, no plan)."""

    code = "error"


class InputError(TeacherMatchError):
    """A file cannot be read at all (missing, unreadable, wrong format)."""

    code = "input"


class SchemaError(TeacherMatchError):
    """The tables were read but their content is invalid.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem found, with columns ``file, row, column, problem``. *All* problems are
        collected before raising, so one run tells the user everything to fix.
    """

    code = "schema"
    #: the first line of the message: "3 problems in the input:"
    headline = "in the input"

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems.reset_index(drop=True)
        n = len(self.problems)
        shown = self.problems.head(30)
        lines = [f"{n} problem{'s' if n != 1 else ''} {self.headline}:"]
        for rec in shown.itertuples(index=False):
            where = ", ".join(
                part
                for part in (
                    f"{rec.file}" if rec.file else "",
                    f"row {rec.row}" if rec.row not in (None, "") and not pd.isna(rec.row) else "",
                    f"column '{rec.column}'" if rec.column else "",
                )
                if part
            )
            lines.append(f"  {where}: {rec.problem}")
        if n > len(shown):
            lines.append(f"  … and {n - len(shown)} more")
        super().__init__("\n".join(lines))


class PlanMismatchError(SchemaError):
    """A plan read back from a file does not fit the roster it is read with (another roster, a bad hand edit).

    ``problems`` lists every row at fault (``file, row, column, problem``), as for :class:`SchemaError`.
    """

    code = "plan"
    headline = "where the plan does not match the roster"


class PolicyError(TeacherMatchError):
    """A policy file or parameter is invalid (unknown key, wrong type, value still ``"required"``)."""

    code = "policy"


class InfeasibleError(TeacherMatchError):
    """The hard rules cannot all hold; raised by ``solve(..., strict=True)``.

    Attributes
    ----------
    plan : Plan
        The INFEASIBLE plan (every teacher stays), with its diagnosis.
    diagnosis : pandas.DataFrame or None
        ``conflict, rule, key, sentence_en, sentence_zh, relaxation``: the conflicting rule instances and the
        relaxations that restore a plan (the plan's ``diagnosis``); its text is appended to the message.
    relaxations : pandas.DataFrame or None
        One row per verified parameter relaxation (the plan's ``relaxations``).
    """

    code = "infeasible"

    def __init__(self, message: str, plan=None, diagnosis: pd.DataFrame | None = None):
        self.plan = plan
        self.diagnosis = diagnosis if diagnosis is not None else getattr(plan, "diagnosis", None)
        self.relaxations = getattr(plan, "relaxations", None)
        text = (getattr(plan, "solver_info", None) or {}).get("diagnosis_text", "")
        super().__init__(f"{message}\n{text}" if text else message)


class ModelTooLargeError(TeacherMatchError):
    """The model would not fit the memory available; raised before building it."""

    code = "too_large"


class InputWarning(UserWarning):
    """The input loads, but part of it probably does not say what the planner meant.

    The message names the file, the rows and the column, and says what to check (e.g. an unknown subject with
    the closest known one). Turn warnings into errors with ``warnings.simplefilter("error", InputWarning)``.
    """


class OutputError(TeacherMatchError):
    """An output file cannot be written where asked: wrong extension, a folder, an input, not writable, full.

    Raised before any work when the path itself is wrong; an existing file at the path is never left half
    written (see :mod:`teacher_match.output_files`).
    """

    code = "output"


class ClusterError(TeacherMatchError):
    """The cluster for many solves cannot be used: its scheduler cannot be reached, or its address is bad.

    Raised before any solve, after a connect timeout of a few seconds: never a hang.
    """

    code = "cluster"

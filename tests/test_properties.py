"""Property-based tests (hypothesis).

Random valid rosters give a complete, valid plan (or INFEASIBLE with a diagnosis); random corruptions of
valid rosters give a clean TeacherMatchError, never a crash.

Rosters are small (5–40 teachers) and the example counts bounded, so the whole file runs in about a minute.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import teacher_match as tm

SUBJECTS = ["math", "chinese", "english", "music", "pe"]
CATEGORIES = ["urban", "town", "rural", "village"]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def rosters(draw):
    """A valid roster: schools on a plane, teachers at them, needs at some schools."""
    n_schools = draw(st.integers(2, 6))
    schools = pd.DataFrame({
        "school_id": [f"S{i}" for i in range(n_schools)],
        "category": [draw(st.sampled_from(CATEGORIES)) for _ in range(n_schools)],
        "strength": [draw(st.sampled_from(["strong", "normal", "weak"])) for _ in range(n_schools)],
        "x": [draw(st.floats(0, 60, allow_nan=False)) for _ in range(n_schools)],
        "y": [draw(st.floats(0, 60, allow_nan=False)) for _ in range(n_schools)],
    })
    n = draw(st.integers(5, 40))
    ages = [draw(st.integers(22, 60)) for _ in range(n)]
    teachers = pd.DataFrame({
        "teacher_id": [f"T{i:03d}" for i in range(n)],
        "school_id": [f"S{draw(st.integers(0, n_schools - 1))}" for _ in range(n)],
        "subject": [draw(st.sampled_from(SUBJECTS)) for _ in range(n)],
        "gender": [draw(st.sampled_from(["M", "F"])) for _ in range(n)],
        "age": ages,
        "years_at_school": [draw(st.integers(0, a - 22)) for a in ages],
        "backbone": [draw(st.booleans()) for _ in range(n)],
        "role": [draw(st.sampled_from(["teacher"] * 5 + ["principal", "middle_leader"])) for _ in range(n)],
    })
    pairs = draw(st.lists(st.tuples(st.integers(0, n_schools - 1), st.sampled_from(SUBJECTS)), max_size=8,
                          unique=True))
    needs = pd.DataFrame({"school_id": [f"S{s}" for s, _ in pairs], "subject": [subj for _, subj in pairs],
                          "count": [draw(st.integers(0, 3)) for _ in pairs]})
    return teachers, schools, needs


def _problem(teachers, schools, needs):
    with warnings.catch_warnings():
        # generated rosters may declare needs nobody teaches: an InputWarning is a documented outcome
        warnings.simplefilter("ignore", tm.InputWarning)
        return tm.Problem.from_frames(teachers, schools, needs, reference_date="2025-08-31")


@SETTINGS
@given(rosters(), st.sampled_from(["default", "strict"]))
def test_valid_roster_gives_a_complete_valid_plan_or_a_diagnosis(roster, variant):
    problem = _problem(*roster)
    policy = tm.load_policy("default")
    if variant == "strict":
        # a hard minimum rotation share: often impossible on tiny rosters, which must be diagnosed
        policy = policy.with_(min_share_of_eligible=0.5, min_rotation_hard=True)
    with warnings.catch_warnings():
        # a generated roster may lack backbone teachers under the backbone share: a documented warning
        warnings.simplefilter("ignore", tm.InputWarning)
        plan = tm.solve(problem, policy, time_limit=10)
    event(f"{variant}: {plan.status}")
    a = plan.assignments
    assert len(a) == problem.n_teachers
    assert list(a["teacher_id"]) == list(problem.teachers["teacher_id"])
    if plan.status == "INFEASIBLE":
        assert not a["moves"].any()
        assert plan.solver_info.get("diagnosis_text")
    else:
        assert plan.status in ("OPTIMAL", "FEASIBLE")
        assert tm.check(problem, policy, plan).empty


# ---------------------------------------------------------------- corruptions
def _corrupt_frame(draw, df: pd.DataFrame) -> pd.DataFrame:
    df = df.astype(object).copy()
    kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_col", "rename_col", "dup_row", "blank_row",
                                 "swap_cols"]))
    if kind == "cell" and len(df):
        r = draw(st.integers(0, len(df) - 1))
        c = draw(st.sampled_from(list(df.columns)))
        df.iat[r, df.columns.get_loc(c)] = draw(st.one_of(
            st.none(), st.text(max_size=6), st.integers(-10**12, 10**12),
            st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(
                ["", " ", "是", "否", "男", "女", "Ｍ", "４０", "=1+1", "1985.13", "S9", "T000", "nan", "—",
                 "1e400", "0x1F", "3,5", "１２年", "-0", "None"])))
    elif kind == "drop_col":
        df = df.drop(columns=[draw(st.sampled_from(list(df.columns)))])
    elif kind == "rename_col":
        c = draw(st.sampled_from(list(df.columns)))
        df = df.rename(columns={c: draw(st.text(min_size=1, max_size=8))})
    elif kind == "dup_row" and len(df):
        r = draw(st.integers(0, len(df) - 1))
        df = pd.concat([df, df.iloc[[r]]], ignore_index=True)
    elif kind == "blank_row":
        df = pd.concat([df, pd.DataFrame([[None] * df.shape[1]], columns=df.columns)], ignore_index=True)
    elif kind == "swap_cols" and df.shape[1] >= 2:
        cols = list(df.columns)
        i, j = draw(st.integers(0, len(cols) - 1)), draw(st.integers(0, len(cols) - 1))
        cols[i], cols[j] = cols[j], cols[i]
        df.columns = cols
    return df


@SETTINGS
@given(rosters(), st.data())
def test_corrupted_frames_give_a_clean_error_or_a_valid_plan(roster, data):
    teachers, schools, needs = roster
    tables = {"teachers": teachers, "schools": schools, "needs": needs}
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(list(tables)))
        tables[name] = _corrupt_frame(data.draw, tables[name])
    try:
        problem = _problem(tables["teachers"], tables["schools"], tables["needs"])
    except tm.TeacherMatchError as exc:
        event(f"refused: {exc.code}")
        # a corruption may or may not be refused, so pytest.raises does not fit: a refusal must say why
        assert str(exc).strip()  # noqa: PT017
        return
    event("accepted")
    # accepted: the corruption was harmless (e.g. a blank row); the plan must still be complete and valid
    policy = tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=5)
    assert len(plan.assignments) == problem.n_teachers
    assert plan.assignments["teacher_id"].is_unique
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        assert tm.check(problem, policy, plan).empty


@SETTINGS
@given(rosters(), st.data())
def test_corrupted_files_give_a_clean_error(roster, data):
    teachers, schools, needs = roster
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name, df in (("teachers", teachers), ("schools", schools), ("needs", needs)):
            buf = io.StringIO()
            df.to_csv(buf, index=False)
            raw = bytearray(buf.getvalue().encode(data.draw(st.sampled_from(["utf-8", "gb18030", "utf-16"]))))
            if name == data.draw(st.sampled_from(["teachers", "schools", "needs"])):
                # byte-level damage: flipped bytes, a cut-off end, or inserted junk
                for _ in range(data.draw(st.integers(1, 4))):
                    pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
                    op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
                    if op == "flip" and raw:
                        raw[pos] = data.draw(st.integers(0, 255))
                    elif op == "cut":
                        raw = raw[:pos]
                    else:
                        raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
            (d / f"{name}.csv").write_bytes(bytes(raw))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", tm.InputWarning)  # a documented outcome, like an error
                problem = tm.load_problem(d, reference_date="2025-08-31")
        except tm.TeacherMatchError as exc:
            # a damaged file may still load, so pytest.raises does not fit: a refusal must say why
            assert str(exc).strip()  # noqa: PT017
            return
        assert problem.teachers["teacher_id"].is_unique
        assert problem.n_teachers <= len(teachers) + 1


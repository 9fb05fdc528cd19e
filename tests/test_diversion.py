"""Diversion (分流): the teacher-optimal stable matching, 哪来回哪, its checker and its inputs."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from helpers import make_problem
from hypothesis import given, settings
from hypothesis import strategies as st

import teacher_match as tm
from teacher_match.diversion import deferred_acceptance

# C: the overstaffed central school; M, D: the two rural schools teachers came from (牡丹峰, 大团);
# U1: an urban primary school
SCHOOLS = [
    {"school_id": "C", "category": "town", "x": 0.0},
    {"school_id": "M", "category": "rural", "x": 10.0},
    {"school_id": "D", "category": "rural", "x": 20.0},
    {"school_id": "U1", "category": "urban", "x": 5.0},
]
OPTIONS = pd.DataFrame({"option_id": ["INST", "U1"], "capacity": [1, 1]})
FENLIU = tm.load_policy("devzone-fenliu-34")


def pool(*rows: dict) -> list[dict]:
    return [{"school_id": "C", "diversion": True, **r} for r in rows]


def divert(teachers, needs=(), options=OPTIONS, policy=FENLIU):
    problem = make_problem(SCHOOLS, teachers, needs, options=options)
    d = tm.divert(problem, policy)
    found = tm.check(problem, policy, d)
    assert found.empty, found.to_string()
    a = d.assignments
    assert list(a["teacher_id"]) == list(problem.teachers["teacher_id"])  # everyone, once, in roster order
    assert a["reason"].map(lambda r: isinstance(r, str) and r != "").all()
    to = [None if pd.isna(x) else x for x in a["to_school_id"]]
    return d, dict(zip(a["teacher_id"], to, strict=True)), dict(
        zip(a["teacher_id"], a["reason"], strict=True))


def test_youngest_first_and_back_where_they_came_from():
    d, to, why = divert(pool(
        {"teacher_id": "A", "age": 30, "preferences": "INST;U1", "origin_school_id": "M"},
        {"teacher_id": "B", "age": 28, "preferences": "INST", "origin_school_id": "D"},
        {"teacher_id": "C3", "age": 35, "preferences": "U1;INST", "origin_school_id": "M"},
        {"teacher_id": "E", "age": 40, "origin_school_id": "D"},
    ) + [{"teacher_id": "X", "school_id": "U1"}])
    # B (28) takes INST; A (30) is turned away there and takes U1; C3 (35) finds both taken: back to M
    assert to == {"A": "U1", "B": "INST", "C3": "M", "E": "D", "X": None}
    a = d.assignments.set_index("teacher_id")
    assert a.loc[["A", "B", "C3", "E"], "status"].tolist() == ["diverted", "diverted", "returned", "returned"]
    assert a.loc[["A", "B"], "wish_rank"].tolist() == [2, 1]
    assert a.loc[["B", "A", "C3", "E"], "order"].tolist() == [1, 2, 3, 4]
    assert a.loc["X", "status"] == "not in pool"
    assert not a.loc["X", "moves"]
    assert "wish 1 U1: its 1 seat went to A, before C3 in the order (youngest first)" in why["C3"]
    assert "wish 2 INST: its 1 seat went to B" in why["C3"]
    assert "returns to origin school M (哪来回哪)" in why["C3"]
    assert "第1志愿 U1 的1个岗位已由A获得（排序在前：按年龄从小到大）" in a.loc["C3", "reason_zh"]
    assert why["E"].startswith("listed no option: returns to origin school D")
    assert d.totals() == {"pool": 4, "diverted": 2, "returned": 2, "seats": 2, "seats_left": 0}
    # the policy's figure against the roster's pool, and fewer seats than teachers: said, not hidden
    assert d.notes[0].startswith("the policy's diversion names 34 persons; the roster flags 4")
    assert "at least 2 return to their origin school" in d.notes[1]
    assert "NOTE: the policy's diversion names 34 persons" in d.summary()


def test_ties_by_birth_date_then_teacher_id_never_row_order():
    # same age; with birth dates the later-born (younger) wins, whatever the row order
    rows = pool(
        {"teacher_id": "P", "age": 30, "birth_date": "1995-01-10", "preferences": "INST",
         "origin_school_id": "M"},
        {"teacher_id": "Q", "age": 30, "birth_date": "1995-03-01", "preferences": "INST",
         "origin_school_id": "M"},
    )
    for order in (rows, rows[::-1]):
        _, to, why = divert(order)
        assert to == {"P": "M", "Q": "INST"}
        assert "went to Q, before P" in why["P"]
    # no birth dates: teacher_id decides (P before Q), whatever the row order
    rows = [{k: v for k, v in r.items() if k != "birth_date"} for r in rows]
    for order in (rows, rows[::-1]):
        assert divert(order)[1] == {"P": "INST", "Q": "M"}


def test_origin_listed_cuts_the_list_and_needs_give_subject_seats():
    d, to, why = divert(pool(
        # G lists its origin first: it goes back even though INST has a free seat
        {"teacher_id": "G", "age": 30, "preferences": "M;INST", "origin_school_id": "M"},
        # H (math) lists D, which needs one math teacher: a seat for H; K (music) finds no music seat at D
        {"teacher_id": "H", "age": 40, "preferences": "D", "origin_school_id": "M"},
        {"teacher_id": "K", "age": 25, "subject": "music", "preferences": "D", "origin_school_id": "M"},
    ), needs=[("D", "math", 1)])
    assert to == {"G": "M", "H": "D", "K": "M"}
    assert why["G"].startswith("listed the origin school first: returns to M")
    assert "wish 1 D has no seat for music" in why["K"]
    seats = d.seats.set_index(["option_id", "subject"])["capacity"].to_dict()
    assert seats == {("INST", "*"): 1, ("U1", "*"): 1, ("D", "math"): 1, ("D", "music"): 0}


def test_a_teacher_already_at_the_origin_does_not_move():
    _, to, _ = divert([{"teacher_id": "A", "school_id": "M", "diversion": True, "origin_school_id": "M"}])
    assert to == {"A": "M"}


# ---------------------------------------------------------------------- the checker
def _problem():
    return make_problem(SCHOOLS, pool(
        {"teacher_id": "A", "age": 30, "preferences": "INST", "origin_school_id": "M"},
        {"teacher_id": "B", "age": 40, "preferences": "INST;U1", "origin_school_id": "D"},
    ) + [{"teacher_id": "X", "school_id": "U1"}], options=OPTIONS)


def _rows(problem, to: dict) -> pd.DataFrame:
    a = tm.divert(problem, FENLIU).assignments.copy()
    for k, v in to.items():
        a.loc[a["teacher_id"] == k, "to_school_id"] = v
    return a


def test_checker_finds_envy_free_seats_overfull_options_and_strays():
    problem = _problem()
    assert tm.check_diversion(problem, FENLIU, tm.divert(problem, FENLIU)).empty
    # B (older) at INST while A (younger) wants it: justified envy; and B's U1 is free
    bad = tm.check_diversion(problem, FENLIU, _rows(problem, {"A": "M", "B": "INST"}))
    msgs = " | ".join(bad["message"])
    assert "justified envy: A prefers INST, which admitted B, after A in the order" in msgs
    # A and B both at INST: over its one seat, and B has a free seat at U1 it prefers to nothing else
    bad = tm.check_diversion(problem, FENLIU, _rows(problem, {"A": "INST", "B": "INST"}))
    assert "option INST takes 2 teachers, over its 1 seats" in " | ".join(bad["message"])
    # B back home while U1, which B wants, has a free seat
    bad = tm.check_diversion(problem, FENLIU, _rows(problem, {"B": "D"}))
    assert list(bad["message"]) == ["B prefers U1, which has a free seat for them"]
    # somewhere B never listed
    bad = tm.check_diversion(problem, FENLIU, _rows(problem, {"B": "M"}))
    assert "B goes to M, which is neither an option they list" in " | ".join(bad["message"])
    # a teacher outside the pool moved by the diversion, and one missing
    a = _rows(problem, {})
    a.loc[a["teacher_id"] == "X", ["mode", "moves", "to_school_id"]] = ["diversion", True, "M"]
    assert "X is not in the diversion pool" in " | ".join(tm.check_diversion(problem, FENLIU, a)["message"])
    a = _rows(problem, {}).iloc[:2]
    assert "X is on the roster but missing" in " | ".join(tm.check_diversion(problem, FENLIU, a)["message"])


# ---------------------------------------------------------------------- inputs
def test_pool_teacher_without_origin_is_named_by_file_row_and_column():
    problem = make_problem(SCHOOLS, pool({"teacher_id": "A", "preferences": "INST"}), options=OPTIONS)
    with pytest.raises(tm.SchemaError) as err:
        tm.divert(problem, FENLIU)
    assert "teachers (DataFrame), row 0, column 'origin_school_id'" in str(err.value)
    assert "哪来回哪" in str(err.value)


def test_a_policy_without_the_mode_is_refused():
    problem = make_problem(SCHOOLS, pool({"teacher_id": "A", "origin_school_id": "M"}))
    with pytest.raises(tm.PolicyError, match=r"no \[modes.diversion\]"):
        tm.divert(problem, tm.load_policy("default"))


def test_bad_wishes_and_options_name_file_row_and_column():
    with pytest.raises(tm.SchemaError) as err:
        make_problem(SCHOOLS, pool({"teacher_id": "A", "origin_school_id": "M", "preferences": "INST;Z9"}),
                     options=OPTIONS)
    assert "column 'preferences': school 'Z9' is not in the schools table" in str(err.value)
    with pytest.raises(tm.SchemaError) as err:
        make_problem(SCHOOLS, pool({"teacher_id": "A", "origin_school_id": "M", "preferences": "U1;INST;U1"}),
                     options=OPTIONS)
    assert "'U1' is listed at ranks 1, 3" in str(err.value)
    with pytest.raises(tm.SchemaError) as err:
        make_problem(SCHOOLS, pool({"teacher_id": "A", "origin_school_id": "Z9"}))
    assert "column 'origin_school_id': school 'Z9' (原单位) is not in the schools table" in str(err.value)
    with pytest.raises(tm.SchemaError) as err:
        make_problem(SCHOOLS, pool({"teacher_id": "A", "origin_school_id": "M"}),
                     options=pd.DataFrame({"岗位编号": ["INST"], "岗位数": [-1]}))
    assert "options (DataFrame), row 0, column '岗位数'" in str(err.value)


def test_options_table_loads_from_a_folder_with_chinese_names(tmp_path):
    problem = make_problem(SCHOOLS, pool(
        {"teacher_id": "A", "age": 30, "preferences": "INST", "origin_school_id": "M"},
        {"teacher_id": "B", "age": 40, "preferences": "INST", "origin_school_id": "D"}), options=OPTIONS)
    tm.write_problem(problem, tmp_path / "r")
    (tmp_path / "r" / "options.csv").rename(tmp_path / "r" / "分流岗位.csv")
    again = tm.load_problem(tmp_path / "r", reference_date="2025-08-31")
    assert again.options["capacity"].tolist() == [1, 1]
    a = tm.divert(again, FENLIU).assignments
    assert a["to_school_id"].tolist() == ["INST", "D"]


# ---------------------------------------------------------------------- the synthetic county
@pytest.mark.parametrize("seed", [0, 5])
def test_fenliu_diverts_its_synthetic_pool(seed):
    problem = tm.make_county(400, seed=seed, diversion=34)
    d = tm.divert(problem, FENLIU)
    assert tm.check(problem, FENLIU, d).empty
    t = d.totals()
    assert t["pool"] == 34
    assert t["diverted"] + t["returned"] == 34
    assert t["diverted"] > 0
    assert (d.assignments["mode"] == "diversion").sum() == 34
    # the pool is never rotated: the rotation plan of the same county keeps them and checks
    plan = tm.solve(problem, FENLIU, time_limit=20, workers=1)
    a = plan.assignments.set_index("teacher_id")
    ids = d.assignments.loc[d.assignments["mode"] == "diversion", "teacher_id"]
    assert not a.loc[ids, "moves"].any()
    assert a.loc[ids, "reason"].str.contains("diversion pool").all()
    assert tm.check(problem, FENLIU, plan).empty


def test_synthetic_opt_ins_leave_the_default_tables_unchanged():
    base = tm.make_county(300, seed=3)
    opted = tm.make_county(300, seed=3, wishes=True, diversion=10)
    pd.testing.assert_frame_equal(base.teachers, opted.teachers.drop(
        columns=["preferences", "diversion", "origin_school_id"]))
    pd.testing.assert_frame_equal(base.needs, opted.needs)
    assert base.options is None
    assert opted.options is not None


# ---------------------------------------------------------------------- the algorithm, independently
def _stable(match, wishes, position, capacity) -> bool:
    """No justified envy and no free seat a teacher prefers (each a tuple of groups or None)."""
    count: dict = {}
    for g in match:
        if g is not None:
            count[g] = count.get(g, 0) + 1
    if any(c > capacity.get(g, 0) for g, c in count.items()):
        return False
    for i, g in enumerate(match):
        better = wishes[i] if g is None else wishes[i][: wishes[i].index(g)]
        for h in better:
            if count.get(h, 0) < capacity.get(h, 0):
                return False
            if any(match[j] == h and position[j] > position[i] for j in range(len(match))):
                return False
    return True


def _all_stable(wishes, position, capacity) -> list:
    """Every stable matching, by enumeration (each teacher: one acceptable group or none)."""
    choices = [[None, *w] for w in wishes]
    return [m for m in itertools.product(*choices) if _stable(m, wishes, position, capacity)]


@st.composite
def instances(draw):
    n = draw(st.integers(1, 5))
    groups = ["a", "b", "c"][: draw(st.integers(1, 3))]
    capacity = {g: draw(st.integers(0, 2)) for g in groups}
    wishes = [draw(st.permutations(groups))[: draw(st.integers(0, len(groups)))] for _ in range(n)]
    position = draw(st.permutations(list(range(n))))
    return list(map(list, wishes)), list(position), capacity


@settings(max_examples=150, deadline=None)
@given(instances())
def test_deferred_acceptance_is_the_teacher_optimal_stable_matching(inst):
    wishes, position, capacity = inst
    got = tuple(deferred_acceptance(wishes, position, capacity))
    stable = _all_stable(wishes, position, capacity)
    assert got in stable

    def rank(i, g):
        return len(wishes[i]) if g is None else wishes[i].index(g)

    # teacher-optimal: every teacher does at least as well as in any stable matching
    for m in stable:
        assert all(rank(i, got[i]) <= rank(i, m[i]) for i in range(len(wishes)))


def _simultaneous_rounds(wishes, position, capacity):
    """Deferred acceptance written another way, in simultaneous rounds.

    In each round every unplaced teacher with a wish left applies at once; each group keeps its best
    applicants and holders up to its seats, by priority.
    """
    nxt = [0] * len(wishes)
    held = {g: [] for g in capacity}
    while True:
        placed = {i for h in held.values() for i in h}
        apply = [i for i in range(len(wishes)) if i not in placed and nxt[i] < len(wishes[i])]
        if not apply:
            break
        for i in apply:
            held.setdefault(wishes[i][nxt[i]], []).append(i)
            nxt[i] += 1
        held = {g: sorted(h, key=lambda i: position[i])[: capacity.get(g, 0)] for g, h in held.items()}
    out = [None] * len(wishes)
    for g, h in held.items():
        for i in h:
            out[i] = g
    return out


@st.composite
def larger_instances(draw):
    n = draw(st.integers(1, 25))
    groups = [f"g{k}" for k in range(draw(st.integers(1, 6)))]
    capacity = {g: draw(st.integers(0, 4)) for g in groups}
    wishes = [list(draw(st.permutations(groups))[: draw(st.integers(0, len(groups)))]) for _ in range(n)]
    return wishes, list(draw(st.permutations(list(range(n))))), capacity


@settings(max_examples=150, deadline=None)
@given(larger_instances())
def test_deferred_acceptance_agrees_with_simultaneous_rounds(inst):
    wishes, position, capacity = inst
    assert deferred_acceptance(wishes, position, capacity) == _simultaneous_rounds(wishes, position, capacity)


@settings(max_examples=40, deadline=None)
@given(instances(), st.integers(0, 2**31 - 1))
def test_divert_on_random_micro_rosters_checks(inst, seed):
    wishes, position, capacity = inst
    opts = pd.DataFrame({"option_id": [g.upper() for g in capacity], "capacity": list(capacity.values())})
    teachers = pool(*[{"teacher_id": f"T{i}", "age": 25 + position[i],
                       "preferences": ";".join(g.upper() for g in w) or None,
                       "origin_school_id": "MD"[(seed >> i) & 1]} for i, w in enumerate(wishes)])
    problem = make_problem(SCHOOLS, teachers, options=opts)
    d = tm.divert(problem, FENLIU)
    assert tm.check(problem, FENLIU, d).empty
    # the same matching as the algorithm on the bare instance (ages follow the positions)
    want = deferred_acceptance(wishes, position, capacity)
    got = d.assignments["to_school_id"].tolist()
    origin = [r["origin_school_id"] for r in teachers]
    assert got == [origin[i] if g is None else g.upper() for i, g in enumerate(want)]


# ---------------------------------------------------------------------- the command
def test_cli_divert_and_stable_solve(tmp_path, capsys):
    from teacher_match.cli import main

    roster = tmp_path / "r"
    assert main(["generate", "--teachers", "300", "--seed", "4", "--diversion", "20", "--wishes",
                 "--out", str(roster)]) == 0
    out = str(tmp_path / "d.csv")
    assert main(["divert", str(roster), "--policy", "devzone-fenliu-34", "--out", out]) == 0
    out = capsys.readouterr().out
    assert "pool (分流人员)              20" in out
    assert "checker: stable, within the seats" in out
    d = pd.read_csv(tmp_path / "d.csv", encoding="utf-8-sig")
    assert tm.check_diversion(tm.load_problem(roster), tm.load_policy("devzone-fenliu-34"), d).empty
    book = str(tmp_path / "d.xlsx")
    assert main(["divert", str(roster), "--policy", "devzone-fenliu-34", "--out", book]) == 0
    with pd.ExcelFile(tmp_path / "d.xlsx") as book:
        assert book.sheet_names == ["assignments", "seats"]
    assert len(d) == 300
    assert (d["mode"] == "diversion").sum() == 20
    assert main(["solve", str(roster), "--policy", "devzone-fenliu-34", "--stable", "--set",
                 "priority_keys=youngest_first", "--time-limit", "20", "--quiet"]) == 0
    assert "checker: no violations" in capsys.readouterr().out
    assert main(["divert", str(roster), "--policy", "default"]) == 2
    assert "no [modes.diversion]" in capsys.readouterr().err

"""Provinces on a real dask.distributed LocalCluster: county by county, merged, deterministic."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from helpers import CLUSTER

import teacher_match as tm
from teacher_match.cli import main
from teacher_match.errors import ClusterError, SchemaError
from teacher_match.province import SUMMARY_COLUMNS, as_province

distributed = pytest.importorskip("distributed")

LIMIT = 20.0
N_COUNTIES, N_TEACHERS = 3, 200


@pytest.fixture(scope="module")
def policy():
    return tm.load_policy("default")


@pytest.fixture(scope="module")
def province():
    return tm.make_province(N_COUNTIES, N_TEACHERS, seed=1)


@pytest.fixture(scope="module")
def planned(client, province, policy):
    return tm.solve_province(province, policy, time_limit=LIMIT, client=client, progress=False)


@pytest.fixture(scope="module")
def roster(tmp_path_factory, province):
    """The province as one roster with a county column (县区) on the schools, csv tables."""
    folders = tmp_path_factory.mktemp("folders")
    province.write(folders)
    one = tmp_path_factory.mktemp("one")
    for table in ("teachers", "schools", "needs", "roads"):
        df = pd.concat([pd.read_csv(folders / c / f"{table}.csv", dtype=str) for c in province.names],
                       ignore_index=True)
        if table == "schools":
            df = df.rename(columns={"county": "县区"})
        df.to_csv(one / f"{table}.csv", index=False)
    return folders, one


def test_make_province_is_deterministic_with_different_counties_and_unique_ids(province):
    again = tm.make_province(N_COUNTIES, N_TEACHERS, seed=1)
    assert province.names == again.names == ["C001", "C002", "C003"]
    counties = [province.county(c) for c in province.names]
    for p, q in zip(counties, (again.county(c) for c in again.names), strict=True):
        pd.testing.assert_frame_equal(p.teachers, q.teachers)
        pd.testing.assert_frame_equal(p.roads, q.roads)
    ids = pd.concat([p.teachers["teacher_id"] for p in counties])
    assert ids.is_unique
    assert len(ids) == N_COUNTIES * N_TEACHERS
    assert all(p.teachers["teacher_id"].str.startswith(f"{c}-").all() and (p.schools["county"] == c).all()
               for c, p in zip(province.names, counties, strict=True))
    # the counties differ (a seed each), and another province seed gives other counties
    assert counties[0].teachers["age"].tolist() != counties[1].teachers["age"].tolist()
    other = tm.make_province(N_COUNTIES, N_TEACHERS, seed=2).county("C001")
    assert other.teachers["age"].tolist() != counties[0].teachers["age"].tolist()


def test_each_county_as_solved_alone_and_checked(planned, province, policy):
    c = planned.counties
    assert list(c.columns) == SUMMARY_COLUMNS
    assert c["county"].tolist() == province.names
    for row in c.itertuples(index=False):
        problem = province.county(row.county)
        plan = tm.solve(problem, policy, time_limit=LIMIT, workers=1, seed=0)
        assert tm.check(problem, policy, plan).empty
        totals = plan.totals()
        assert (row.status, row.objective, row.gap) == (plan.status, plan.objective, plan.gap)
        assert (row.teachers, row.rotated, row.needs_filled, row.needs_unfilled) == (
            totals["teachers"], totals["rotated"], totals["needs_filled"], totals["needs_unfilled"])
        assert row.violations == 0
        assert row.error is None
        assert row.status == "OPTIMAL"
        mine = planned.assignments[planned.assignments["county"] == row.county].drop(columns="county")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), plan.assignments.reset_index(drop=True))
    assert planned.check().empty
    # every input teacher exactly once
    a = planned.assignments
    assert a["teacher_id"].is_unique
    assert len(a) == N_COUNTIES * N_TEACHERS
    t = planned.totals()
    assert (t["counties"], t["planned"], t["failed"]) == (3, 3, 0)
    assert t["rotated"] == int(c["rotated"].sum()) > 0


def test_summary_publicity_workbook_and_report(planned, tmp_path):
    text = planned.summary()
    assert "3 of 3 counties planned" in text
    assert "C002" in text
    pub = planned.publicity()
    assert pub.columns[0] == "县区"
    assert set(pub["县区"]) <= {"C001", "C002", "C003"}
    assert len(pub) == planned.totals()["rotated"]
    out = planned.to_excel(tmp_path / "province.xlsx")
    with pd.ExcelFile(out) as book:
        assert {"counties", "province", "assignments", "needs", "公示名单"} <= set(book.sheet_names)
        counties = pd.read_excel(book, sheet_name="counties")
    assert "seconds" not in counties.columns
    assert counties["county"].tolist() == ["C001", "C002", "C003"]
    html = planned.write_report(tmp_path / "province.html").read_text(encoding="utf-8")
    assert "Per-county totals" in html
    assert "C003" in html


def test_same_bytes_on_one_worker_as_on_two(planned, province, policy, tmp_path):
    with distributed.LocalCluster(n_workers=1, **CLUSTER) as cluster, distributed.Client(cluster) as one:
        alone = tm.solve_province(province, policy, time_limit=LIMIT, client=one, progress=False)
    assert planned.runtime["worker"].nunique() == 2
    assert alone.runtime["worker"].nunique() == 1
    a, b = planned.to_excel(tmp_path / "two.xlsx"), alone.to_excel(tmp_path / "one.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_a_roster_with_a_county_column_and_a_folder_per_county(client, roster, planned, policy):
    folders, one = roster
    for source in (folders, one, tm.load_problem(one)):
        got = tm.solve_province(source, policy, time_limit=LIMIT, client=client, progress=False)
        pd.testing.assert_frame_equal(got.counties.drop(columns="seconds"),
                                      planned.counties.drop(columns="seconds"))
        assert got.check().empty
        assert sorted(got.assignments["teacher_id"]) == sorted(planned.assignments["teacher_id"])


def test_a_county_with_broken_data_is_its_error_and_the_others_are_planned(client, roster, policy, tmp_path):
    _, one = roster
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in one.iterdir():
        df = pd.read_csv(f, dtype=str)
        if f.stem == "teachers":
            row = df.index[df["teacher_id"].str.startswith("C002-")][3]
            df.loc[row, "age"] = "abc"
        df.to_csv(bad / f.name, index=False)
    got = tm.solve_province(bad, policy, time_limit=LIMIT, client=client, progress=False)
    c = got.counties.set_index("county")
    assert c.loc["C002", "status"] == "ERROR"
    # the file row the planner sees: the header is row 1, C002's 4th teacher is the 204th data row
    assert "teachers.csv, row 205, column 'age'" in c.loc["C002", "error"]
    assert (c.loc[["C001", "C003"], "status"] == "OPTIMAL").all()
    assert got.check().empty
    # nobody lost: the broken county's teachers are listed, every one staying, not planned
    a = got.assignments
    assert len(a) == N_COUNTIES * N_TEACHERS
    assert a["teacher_id"].is_unique
    broken = a[a["county"] == "C002"]
    assert len(broken) == N_TEACHERS
    assert (broken["status"] == "not planned").all()
    assert not broken["moves"].any()
    assert c.loc["C002", "teachers"] == N_TEACHERS
    assert got.summary().startswith("NOT PLANNED: 1 of 3 counties failed — C002: ")


def test_rows_in_no_county_are_refused_before_any_solve(roster, tmp_path):
    _, one = roster
    bad = tmp_path / "nocounty"
    bad.mkdir()
    for f in one.iterdir():
        df = pd.read_csv(f, dtype=str)
        if f.stem == "schools":
            df.loc[2, "县区"] = None
        if f.stem == "needs":
            df.loc[0, "school_id"] = "NOWHERE"
        df.to_csv(bad / f.name, index=False)
    with pytest.raises(SchemaError) as err:
        as_province(bad)
    text = str(err.value)
    assert "schools.csv, row 4, column '县区': the county is empty" in text
    assert "needs.csv, row 2, column 'school_id'" in text
    plain = tmp_path / "plain"
    plain.mkdir()
    for f in (roster[0] / "C001").iterdir():
        df = pd.read_csv(f, dtype=str)
        df.drop(columns=[c for c in df.columns if c == "county"]).to_csv(plain / f.name, index=False)
    with pytest.raises(tm.InputError, match="no county column"):
        as_province(plain)


def test_an_unreachable_scheduler_is_a_clear_error_without_a_hang(province, policy):
    t0 = time.perf_counter()
    with pytest.raises(ClusterError, match="cannot reach the scheduler at tcp://127.0.0.1:9 within 1 s"):
        tm.solve_province(province, policy, client="tcp://127.0.0.1:9", connect_timeout=1.0, progress=False)
    assert time.perf_counter() - t0 < 10


def test_cli_generate_and_province(client, tmp_path, capsys):
    folder = tmp_path / "prov"
    code = main(["generate", "--counties", "2", "--teachers", "150", "--seed", "3", "--out", str(folder)])
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["C001", "C002"]
    out, html = tmp_path / "p.xlsx", tmp_path / "p.html"
    code = main(["province", str(folder), "--out", str(out), "--html", str(html), "--scheduler",
                 client.scheduler.address, "--time-limit", str(LIMIT), "--quiet"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "2 of 2 counties planned" in printed.out
    assert out.is_file()
    assert html.is_file()
    # a county whose roster is broken: exit 1, the county named, the other planned and written
    (folder / "C002" / "needs.csv").write_text("school_id,subject,count\nC002-S00001,music,many\n",
                                               encoding="utf-8")
    code = main(["province", str(folder), "--out", str(out), "--scheduler", client.scheduler.address,
                 "--time-limit", str(LIMIT), "--quiet"])
    printed = capsys.readouterr()
    assert code == 1
    assert "county C002 failed" in printed.err
    assert "needs.csv, row 2, column 'count'" in printed.err
    assert "Traceback" not in printed.err
    # an unreachable scheduler: one message, exit 2
    code = main(["province", str(folder), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9",
                 "--connect-timeout", "1"])
    printed = capsys.readouterr()
    assert code == 2
    assert "cannot reach the scheduler" in printed.err
    assert "Traceback" not in printed.err


@pytest.mark.parametrize(("args", "message"), [
    ((0, 200), "number of counties must be a whole number from 1"),
    ((2, 10), "number of teachers per county must be a whole number from 20"),
    ((2.5, 200), "number of counties"),
])
def test_make_province_refuses_bad_sizes(args, message):
    with pytest.raises(tm.InputError, match=message):
        tm.make_province(*args)


def test_bad_arguments_are_refused_before_a_cluster_starts(province, policy):
    with pytest.raises(tm.TeacherMatchError, match="time_limit must be a number of seconds > 0"):
        tm.solve_province(province, policy, time_limit=0, client="tcp://127.0.0.1:9")
    with pytest.raises(tm.InputError, match="a province is a Province"):
        tm.solve_province(42, policy, client="tcp://127.0.0.1:9")
    with pytest.raises(tm.InputError, match="n_workers"):
        tm.solve_province(province, policy, n_workers=0)

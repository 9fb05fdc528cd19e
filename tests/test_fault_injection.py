"""Real faults during a write, in processes of their own.

SIGKILL mid-export, a small file-size limit (RLIMIT_FSIZE), two processes writing one output, a read-only
folder, and outputs that alias an input.

After each fault the target holds the old file or the whole new one — never a part — and a failed write
leaves no temporary file behind (a process killed outright cannot clean up: a hidden ``.name.tmp-…`` may stay,
never the target half written).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from data.bad import build_corpus

import teacher_match as tm

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and resource limits")


def _roster(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in build_corpus.VALID.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


# a child that solves a 300-teacher county once, then writes its plan to the target again and again
WRITER = textwrap.dedent("""
    import sys, teacher_match as tm
    target, kind, rounds, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    plan = tm.solve(tm.make_county(300, seed=seed), tm.load_policy("default"), time_limit=20)
    print("ready", flush=True)
    for _ in range(rounds):
        plan.to_excel(target) if kind == "xlsx" else plan.to_csv(target)
    print("done", flush=True)
""")


def _writer(target: Path, kind: str, rounds: int, seed: int = 3) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(target), kind, str(rounds), str(seed)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _whole_plan(path: Path, n: int = 300) -> bool:
    a = tm.Plan.read_assignments(path)
    return len(a) == n and a["teacher_id"].is_unique


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_sigkill_during_exports_leaves_the_old_file_or_a_whole_new_one(tmp_path, kind):
    target = tmp_path / f"plan.{kind}"
    old = b"old plan that must survive or be replaced whole"
    target.write_bytes(old)
    seen_new = 0
    # kill times spread over a few exports (a 300-teacher workbook takes longer than its csv)
    step = 0.03 if kind == "csv" else 0.25
    for delay in (0.0, step * 0.43, step, step * 1.9, step * 3.1, step * 5.3):
        proc = _writer(target, kind, rounds=200)
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        data = target.read_bytes()
        if data != old:
            assert _whole_plan(target), f"a partial file after SIGKILL at {delay} s"
            seen_new += 1
        # only hidden temporary files may be left by a killed process, never a second visible file
        assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == [target.name]
    assert seen_new >= 1, "no write completed before a kill: the test did not exercise a replacement"


FSIZE_API = textwrap.dedent("""
    import resource, signal, sys, teacher_match as tm
    from teacher_match.errors import OutputError
    roster, target = sys.argv[1], sys.argv[2]
    plan = tm.solve(tm.load_problem(roster), tm.load_policy("default"), time_limit=10)
    # the limit is set after the solve (its imports may write caches); SIGXFSZ ignored: the write raises EFBIG
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
    try:
        plan.to_excel(target)
    except OutputError as exc:
        print("refused:", exc)
""")

FSIZE_CLI = textwrap.dedent("""
    import resource, sys
    from teacher_match.cli import main
    resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))
    # SIGXFSZ is left at its default (kill): the command itself must turn it into an error
    sys.exit(main(sys.argv[1:]))
""")


def test_file_size_limit_through_the_library_keeps_the_old_file(tmp_path):
    roster = _roster(tmp_path / "roster")
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")
    done = subprocess.run([sys.executable, "-c", FSIZE_API, str(roster), str(target)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout
    assert "file-size limit" in done.stdout
    assert "nothing was changed" in done.stdout
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "roster"]


def test_file_size_limit_through_the_command_exits_2_and_keeps_the_old_file(tmp_path):
    roster = _roster(tmp_path / "roster")
    target = tmp_path / "plan.csv"
    target.write_bytes(b"old")
    done = subprocess.run([sys.executable, "-c", FSIZE_CLI, "solve", str(roster), "--out", str(target),
                           "--quiet", "--set", "keep_per_subject=0"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "file-size limit" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv", "roster"]


def test_two_processes_writing_one_output_leave_one_whole_file(tmp_path):
    target = tmp_path / "plan.csv"
    procs = [_writer(target, "csv", rounds=40, seed=s) for s in (3, 4)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    # the file is one writer's whole plan: both counties have 300 teachers but different schools and subjects
    a = pd.read_csv(target, encoding="utf-8-sig", dtype=str)
    assert len(a) == 300
    assert a["teacher_id"].is_unique
    plans = {s: tm.solve(tm.make_county(300, seed=s), tm.load_policy("default"), time_limit=20)
             for s in (3, 4)}
    texts = {s: plans[s].assignments["from_school_id"].astype(str).tolist() for s in plans}
    assert a["from_school_id"].tolist() in (texts[3], texts[4])
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


@contextlib.contextmanager
def _read_only(path: Path):
    """Make ``path`` read-only for this user — for root, who ignores permission bits: the immutable flag."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            os.chmod(path, mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root and the immutable flag is not available: no read-only fault to inject")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], capture_output=True)


def test_read_only_folder_is_refused_before_the_solve(tmp_path):
    roster = _roster(tmp_path / "roster")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "plan.csv").write_bytes(b"old")
    with _read_only(ro):
        assert not os.access(ro, os.W_OK)
        done = subprocess.run([sys.executable, "-m", "teacher_match.cli", "solve", str(roster), "--out",
                               str(ro / "plan.csv"), "--quiet"], cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2, done.stderr
        assert f"cannot write in the folder {ro} (permission denied)" in done.stderr
        assert done.stdout == ""  # refused before anything was read or solved
        assert (ro / "plan.csv").read_bytes() == b"old"
        assert sorted(p.name for p in ro.iterdir()) == ["plan.csv"]


def test_read_only_file_is_refused_through_the_command_and_the_library(tmp_path):
    roster = _roster(tmp_path / "roster")
    target = tmp_path / "plan.csv"
    target.write_bytes(b"old")
    with _read_only(target):
        done = subprocess.run([sys.executable, "-m", "teacher_match.cli", "solve", str(roster), "--out",
                               str(target), "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert "the file is read-only" in done.stderr
        plan = tm.solve(tm.load_problem(roster), tm.load_policy("default"), time_limit=10)
        with pytest.raises(tm.OutputError, match="the file is read-only"):
            plan.to_csv(target)
        assert target.read_bytes() == b"old"


ALIASES = {
    "symlink": lambda d: (d / "alias.csv").symlink_to(d / "roster" / "teachers.csv"),
    "hard link": lambda d: os.link(d / "roster" / "teachers.csv", d / "alias.csv"),
    "dotted path": None,
    "policy file": lambda d: (d / "alias.csv").write_text('id = "mine"\n', encoding="utf-8"),
    "file inside the input folder": None,
}


@pytest.mark.parametrize("how", list(ALIASES))
def test_every_output_to_input_alias_is_refused_in_a_process(tmp_path, how):
    roster = _roster(tmp_path / "roster")
    out = {"dotted path": f"{roster}/../roster/./teachers.csv",
           "file inside the input folder": f"{roster}/needs.csv"}.get(how, str(tmp_path / "alias.csv"))
    if ALIASES[how] is not None:
        ALIASES[how](tmp_path)
    policy = str(tmp_path / "alias.csv") if how == "policy file" else "default"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    done = subprocess.run([sys.executable, "-m", "teacher_match.cli", "solve", str(roster), "--out", out,
                           "--policy", policy, "--quiet"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "this is an input of this run" in done.stderr, done.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def _case_insensitive(folder: Path) -> bool:
    probe = folder / "case-probe"
    probe.write_text("x", encoding="utf-8")
    try:
        return (folder / "CASE-PROBE").exists()
    finally:
        probe.unlink()


def test_another_case_of_an_input_name_is_refused_where_the_file_system_ignores_case(tmp_path):
    roster = _roster(tmp_path / "roster")
    if not _case_insensitive(tmp_path):
        pytest.skip("this file system tells TEACHERS.CSV from teachers.csv: no alias possible")
    done = subprocess.run([sys.executable, "-m", "teacher_match.cli", "solve", str(roster), "--out",
                           str(roster / "TEACHERS.CSV"), "--quiet"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "input" in done.stderr

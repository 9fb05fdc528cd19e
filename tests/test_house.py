"""The shape of the package: no import cycles, one-way data flow, a checker without the solver."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "teacher_match"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> nx.DiGraph:
    """Module → module for every import inside ``teacher_match``, those inside functions included.

    A cycle through a deferred import is still a cycle of the design; imports for type annotations only
    (``if TYPE_CHECKING:``) are not dependencies and are left out.
    """
    g = nx.DiGraph()
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name, path in modules.items():
        g.add_node(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                       for n in ast.walk(block)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name:
                    g.add_edge(name, t)
    return g


def _without_package_init(g: nx.DiGraph) -> nx.DiGraph:
    # the facade imports everything by design; every submodule import runs it first, which is not a
    # dependency of the submodule's code
    return g.subgraph([n for n in g if n != "teacher_match"]).copy()


def test_no_import_cycles():
    g = _without_package_init(import_graph())
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"import cycles: {cycles}"


def test_data_flows_one_way():
    """Problem → eligibility → candidates → model → search → Plan → explanations.

    Nothing below imports above.
    """
    g = _without_package_init(import_graph())
    order = ["teacher_match.eligibility", "teacher_match.model.build", "teacher_match.search",
             "teacher_match.solving", "teacher_match.explanation"]
    for low, high in zip(order, order[1:], strict=False):
        assert not nx.has_path(g, low, high), f"{low} reaches {high}"
    # the rules, the data layer, the plan and the checker are below the model and the search
    for below in ("teacher_match.rules", "teacher_match.problem", "teacher_match.schema",
                  "teacher_match.plan", "teacher_match.check", "teacher_match.eligibility"):
        for above in ("teacher_match.model.build", "teacher_match.search", "teacher_match.solving",
                      "teacher_match.explanation", "teacher_match.diagnosis"):
            assert not nx.has_path(g, below, above), f"{below} reaches {above}"
    # a sweep runs many solves: it sits above solve, and nothing below it knows of sweeps or of the cluster
    for below in ("teacher_match.solving", "teacher_match.plan", "teacher_match.check",
                  "teacher_match.policy"):
        for above in ("teacher_match.sweeps", "teacher_match.cluster"):
            assert not nx.has_path(g, below, above), f"{below} reaches {above}"
    # the engine for many solves knows no solver: it runs any task it is given
    assert not nx.has_path(g, "teacher_match.cluster", "teacher_match.solving")
    # the rules and the checker are pandas only: no path to the formulation layer (it holds OR-Tools)
    model = [n for n in g if n.startswith("teacher_match.model")]
    for below in [n for n in g if n.startswith("teacher_match.rules")] + ["teacher_match.check"]:
        reached = [m for m in model if nx.has_path(g, below, m)]
        assert not reached, f"{below} reaches {reached}"


def test_checker_and_data_layer_load_no_solver(tmp_path):
    """A plan written by solve is checked in a process where OR-Tools cannot be imported at all."""
    import teacher_match as tm

    problem, policy = tm.make_county(150, seed=1), tm.load_policy("default")
    plan = tm.solve(problem, policy, time_limit=30)
    assert plan.moved.shape[0] > 0
    path = plan.to_csv(tmp_path / "plan.csv")
    code = ("import sys; sys.modules['ortools'] = None\n"  # any import of ortools now fails
            "import teacher_match as tm\n"
            "from teacher_match.check import check\n"
            "p = tm.make_county(150, seed=1); pol = tm.load_policy('default')\n"
            f"a = tm.Plan.read_assignments({str(path)!r})\n"
            "v = check(p, pol, a)\n"
            "print(len(tm.eligibility(p, pol)), len(v))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["150", "0"]


def test_cadre_package_beside_the_teacher_core():
    """The cadre systems reuse the shared pieces; the teacher core knows nothing of them.

    Only the facade (``teacher_match``) and the command line reach ``teacher_match.cadre``; the cadre checker,
    roster, policy and plan are pandas only (no path to the cadre model, which holds OR-Tools, nor to the
    teacher formulation).
    """
    g = _without_package_init(import_graph())
    cadre = [n for n in g if n.startswith("teacher_match.cadre")]
    assert "teacher_match.cadre.solving" in cadre
    core = [n for n in g if not n.startswith("teacher_match.cadre") and n != "teacher_match.cli"]
    for n in core:
        reached = [m for m in cadre if nx.has_path(g, n, m)]
        assert not reached, f"{n} reaches {reached}"
    model = [n for n in g if n.startswith("teacher_match.model")] + ["teacher_match.cadre.solving",
                                                                     "teacher_match.search"]
    for below in ("teacher_match.cadre.check", "teacher_match.cadre.tables", "teacher_match.cadre.policy",
                  "teacher_match.cadre.plan", "teacher_match.cadre.eligibility",
                  "teacher_match.cadre.synthetic"):
        reached = [m for m in model if nx.has_path(g, below, m)]
        assert not reached, f"{below} reaches {reached}"

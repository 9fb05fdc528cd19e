"""A province planned county by county (县域内) on a dask.distributed cluster and merged into one plan.

Run: ``python examples/province.py`` (under a minute: three counties of 200 teachers on a 2-process cluster
of this machine). With a real cluster, pass ``client="tcp://host:8786"`` to ``solve_province``.
"""

from __future__ import annotations

from pathlib import Path

import teacher_match as tm


def main() -> tm.ProvincePlan:
    """Run the example; its assertions are its test."""
    province = tm.make_province(3, 200, seed=1)          # counties C001 … C003; ids C001-T000001 …
    policy = tm.load_policy("default")
    pp = tm.solve_province(province, policy, time_limit=20, n_workers=2, progress=False)
    print(pp.summary())
    counties = pp.counties
    assert list(counties["county"]) == ["C001", "C002", "C003"]
    assert (counties["status"] == "OPTIMAL").all()
    # every teacher of every county once, and no county's plan breaks a rule of the policy
    assert pp.assignments["teacher_id"].is_unique
    assert len(pp.assignments) == 3 * 200
    assert pp.check().empty
    # one workbook for the bureau: per-county totals, assignments, needs and the 公示名单 with 县区 first
    out = Path("province.xlsx")
    pp.to_excel(out)
    assert out.stat().st_size > 0
    return pp


if __name__ == "__main__":
    main()

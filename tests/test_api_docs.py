"""docs/api.md, the API reference, is what docs/make_api.py writes from the code: never stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import teacher_match as tm

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _script():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date():
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    assert page == _script().render(), "docs/api.md is stale: run python docs/make_api.py"


def test_every_public_name_has_its_section():
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    headings = {line[3:] for line in page.splitlines() if line.startswith("## ")}
    assert headings == set(tm.__all__) - {"__version__"}
    assert "[`sweep`](#sweep)" in page
    assert "[`Sweep`](#sweep-1)" in page

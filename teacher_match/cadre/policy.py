"""Cadre policies: a cadre-rotation system as data (``models/cadre/*.toml``, marked ``kind = "cadre"``).

A cadre policy has flat ``[params]`` (declared in :data:`CADRE_PARAMS`, unknown keys refused with the closest
known one), ``[objective]`` weights, and a ``[[mechanisms]]`` list naming every mechanism of its source with
its rule label and how the library treats it: ``planned`` (the solver decides it and the checker checks it),
``checked`` (the checker verifies it; the planner keeps it by construction), or ``recorded`` (written into the
plan, not decided). A policy is *planned end to end* when no mechanism is only recorded.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import PolicyError
from ..output_files import remember_input
from .tables import GRADES

__all__ = ["CadrePolicy", "CadreParam", "CADRE_PARAMS", "CADRE_WEIGHTS", "load_cadre_policy",
           "cadre_policy_ids", "REQUIRED"]

REQUIRED = "required"


@dataclass(frozen=True)
class CadreParam:
    """One declared parameter of a cadre policy."""

    kind: str  # int | float | bool | grades | str
    default: Any
    doc: str
    min: float | None = None
    max: float | None = None
    nullable: bool = False


CADRE_PARAMS: dict[str, CadreParam] = {
    "window_rotation_years": CadreParam(
        "int", None, "service-window cadres with this many years in post or more must leave the post "
                     "(窗口科室干部 N 年交流一次); none = no such rule", 1, 20, nullable=True),
    "window_rotation_hard": CadreParam(
        "bool", True, "the window rotation holds for every due cadre (原则上: a deferral is the logged "
                      "override); false = a priced target"),
    "exchange_min_years_in_unit": CadreParam(
        "int", None, "cadres with this many years in the unit or more are due for exchange to another unit "
                     "(交流); none = no such trigger", 1, 40, nullable=True),
    "rotation_min_years_in_post": CadreParam(
        "int", None, "cadres with this many years in the post or more are due for rotation to another post "
                     "(轮岗); none = no such trigger", 1, 40, nullable=True),
    "due_hard": CadreParam(
        "bool", False, "exchange/rotation triggers hold for every due cadre; false = priced, the due cadres "
                       "left in place form the eligible-but-not-exchanged list (表五)"),
    "posting_grades": CadreParam(
        "grades", [], "grades sent on up/down postings (上派/下派); empty = no postings"),
    "posting_term_years": CadreParam("float", 1.0, "term of an up/down posting in years", 0.25, 10),
    "posting_term_min": CadreParam("float", 1.0, "shortest term of a posting (不低于)", 0, 10),
    "posting_term_max": CadreParam("float", 2.0, "longest term of a posting without an approved extension "
                                                 "(不超过)", 0, 10),
    "grassroots_priority": CadreParam(
        "bool", False, "reserve candidates without grassroots leadership experience are sent down first"),
    "kinship_avoidance": CadreParam(
        "bool", True, "no two relatives in one unit or in a unit and the unit that supervises it (回避)"),
    "refusal_bars_leadership": CadreParam(
        "bool", False, "a cadre who refuses rotation is given no leadership post again, reported for filing"),
    "pre_review_filing": CadreParam(
        "bool", False, "a leader (grade senior) of a deputy-section-level unit (副科级单位) who moves is "
                       "marked for pre-review filing by management authority (预审备案)"),
    "applicants_first": CadreParam(
        "bool", False, "individual applications are the first reference (an applicant is moved first)"),
    "publicity_days": CadreParam("int", None, "days of the wall publicity (公示); none = not given by the "
                                              "source", 1, 60, nullable=True),
}

#: objective weights (all ≥ 0, minimised): a cost per unit of each term
CADRE_WEIGHTS: dict[str, str] = {
    "empty_seat": "a seat (a post held today, or a vacancy) left without a holder",
    "move": "a cadre moved to another seat (rotation or exchange)",
    "exchange": "an exchange to another unit, on top of the move (a rotation within the unit is the smaller "
                "step)",
    "unfilled_place": "a posting place (上挂/下派岗位) left unfilled",
    "due_unmoved": "a cadre due for rotation/exchange left in place (when the trigger is priced)",
    "priority_unposted": "a reserve candidate without grassroots experience not sent down",
    "applicant_unmoved": "a cadre who applied left in place",
}
_DEFAULT_WEIGHTS = {"empty_seat": 100.0, "move": 10.0, "exchange": 1.0, "unfilled_place": 30.0,
                    "due_unmoved": 50.0,
                    "priority_unposted": 5.0, "applicant_unmoved": 5.0}
MECHANISM_STATUS = ("planned", "checked", "recorded")


@dataclass(frozen=True)
class CadrePolicy:
    """A validated cadre policy.

    Examples
    --------
    >>> p = load_cadre_policy("yunlong-health-cadre")
    >>> p.params["window_rotation_years"], p.params["posting_term_max"], p.planned_end_to_end
    (2, 2.0, True)
    """

    id: str
    title: str = ""
    title_en: str = ""
    source: str = ""
    region: str = ""
    params: dict = field(default_factory=dict)
    objective: dict = field(default_factory=dict)
    mechanisms: tuple = ()
    path: str | None = None

    @property
    def planned_end_to_end(self) -> bool:
        """True when every mechanism of the source is planned or checked (none only recorded)."""
        return bool(self.mechanisms) and all(m["status"] != "recorded" for m in self.mechanisms)

    def missing(self) -> list[str]:
        """Parameters still ``"required"``: supply them with ``with_`` or ``--set``."""
        return sorted(k for k, v in self.params.items() if v == REQUIRED)

    def require_complete(self) -> None:
        """Raise :class:`PolicyError` naming every parameter still ``"required"``."""
        miss = self.missing()
        if miss:
            example = " ".join(f"--set {k}=…" for k in miss)
            raise PolicyError(f"policy '{self.id}' leaves {', '.join(miss)} to be supplied (the source gives "
                              f"no value). Use policy.with_({miss[0]}=…) or on the command line {example}")

    def with_(self, **changes: Any) -> CadrePolicy:
        """A copy with parameters or objective weights changed."""
        params, weights = dict(self.params), dict(self.objective)
        label = f"with_() on policy '{self.id}'"
        for key, value in changes.items():
            if key in CADRE_PARAMS:
                params[key] = _value(key, value, label)
            elif key in CADRE_WEIGHTS:
                weights[key] = _weight(key, value, label)
            else:
                raise PolicyError(f"{label}: unknown parameter '{key}'{_suggest(key)}")
        _consistent(params, label)
        return replace(self, params=params, objective=weights)

    def __repr__(self) -> str:  # noqa: D105
        return f"CadrePolicy('{self.id}', {self.source})"


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(CADRE_PARAMS) + list(CADRE_WEIGHTS), n=1)
    return f" — did you mean '{close[0]}'?" if close else f" — known: {', '.join(CADRE_PARAMS)}"


def _value(key: str, value: Any, label: str) -> Any:
    spec = CADRE_PARAMS[key]
    if value == REQUIRED:
        return REQUIRED
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        if spec.nullable:
            return None
        raise PolicyError(f"{label}: '{key}' cannot be none — {spec.doc}")
    if spec.kind == "bool":
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise PolicyError(f"{label}: '{key}' must be true or false, got {value!r}")
        return value
    if spec.kind == "grades":
        items = [s.strip() for s in value.split(",") if s.strip()] if isinstance(value, str) else value
        if not isinstance(items, list) or any(g not in GRADES for g in items):
            raise PolicyError(f"{label}: '{key}' must be a list of grades from {', '.join(GRADES)}, "
                              f"got {value!r}")
        return list(items)
    if spec.kind in ("int", "float"):
        try:
            if isinstance(value, bool):
                raise ValueError
            num = float(value)
        except (TypeError, ValueError):
            raise PolicyError(f"{label}: '{key}' must be a number, got {value!r}") from None
        if spec.kind == "int":
            if not num.is_integer():
                raise PolicyError(f"{label}: '{key}' must be a whole number, got {value!r}")
            num = int(num)
        if (spec.min is not None and num < spec.min) or (spec.max is not None and num > spec.max):
            raise PolicyError(f"{label}: '{key}' = {value!r} is outside {spec.min:g}…{spec.max:g}")
        return num
    return str(value)


def _weight(key: str, value: Any, label: str) -> float:
    try:
        w = float(value)
    except (TypeError, ValueError):
        raise PolicyError(f"{label}: objective weight '{key}' must be a number, got {value!r}") from None
    if isinstance(value, bool) or not 0 <= w <= 1e6:
        raise PolicyError(f"{label}: objective weight '{key}' must be from 0 to 1,000,000, got {value!r}")
    return w


def _consistent(params: dict, label: str) -> None:
    lo, hi, term = params["posting_term_min"], params["posting_term_max"], params["posting_term_years"]
    if REQUIRED in (lo, hi, term):
        return
    if lo > hi:
        raise PolicyError(f"{label}: posting_term_min {lo:g} is above posting_term_max {hi:g}")
    if params["posting_grades"] and not lo <= term <= hi:
        raise PolicyError(f"{label}: posting_term_years {term:g} is outside the allowed {lo:g}…{hi:g} years "
                          f"— a longer posting needs an approved extension per cadre (extension_approved)")


def _models_dir():
    return resources.files("teacher_match.models") / "cadre"


def cadre_policy_ids() -> list[str]:
    """Ids of the cadre policy models shipped with teacher_match."""
    return sorted(p.name[:-5] for p in _models_dir().iterdir() if p.name.endswith(".toml"))


def load_cadre_policy(id_or_path: str | Path) -> CadrePolicy:
    """A shipped cadre model by id (``"yunlong-health-cadre"``) or a ``.toml`` file of ``kind = "cadre"``."""
    p = Path(id_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise PolicyError(f"{p}: policy file does not exist")
        text, label = p.read_text(encoding="utf-8"), str(p)
        remember_input(p)
    else:
        res = _models_dir() / f"{id_or_path}.toml"
        if not res.is_file():
            known = cadre_policy_ids()
            close = difflib.get_close_matches(str(id_or_path), known, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            raise PolicyError(f"unknown cadre policy '{id_or_path}'{hint} (known: {', '.join(known)})")
        text, label = res.read_text(encoding="utf-8"), f"models/cadre/{id_or_path}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{label}: not valid TOML ({exc})") from None
    return cadre_policy_from_dict(data, label)


def cadre_policy_from_dict(data: dict, label: str = "policy") -> CadrePolicy:
    """Validate a parsed cadre policy file."""
    if data.get("kind") != "cadre":
        raise PolicyError(f"{label}: not a cadre policy (it needs kind = \"cadre\")")
    known = {"kind", "id", "title", "title_en", "source", "region", "params", "objective", "mechanisms"}
    for key in data:
        if key not in known:
            raise PolicyError(f"{label}: unknown key '{key}' (known: {', '.join(sorted(known))})")
    params = {k: s.default for k, s in CADRE_PARAMS.items()}
    for key, value in (data.get("params") or {}).items():
        if key not in CADRE_PARAMS:
            raise PolicyError(f"{label}: unknown parameter '{key}'{_suggest(key)}")
        params[key] = _value(key, value, label)
    weights = dict(_DEFAULT_WEIGHTS)
    for key, value in (data.get("objective") or {}).items():
        if key not in CADRE_WEIGHTS:
            known_w = ", ".join(CADRE_WEIGHTS)
            raise PolicyError(f"{label}: unknown objective weight '{key}' (known: {known_w})")
        weights[key] = _weight(key, value, label)
    mechanisms = []
    for i, m in enumerate(data.get("mechanisms") or []):
        if not isinstance(m, dict) or not {"rule", "name", "status"} <= set(m):
            raise PolicyError(f"{label}: mechanisms[{i}] needs rule, name and status")
        if m["status"] not in MECHANISM_STATUS:
            raise PolicyError(f"{label}: mechanisms[{i}] status must be one of {', '.join(MECHANISM_STATUS)}")
        mechanisms.append(dict(m))
    _consistent(params, label)
    return CadrePolicy(id=str(data.get("id") or Path(label).stem), title=data.get("title", ""),
                       title_en=data.get("title_en", ""), source=data.get("source", ""),
                       region=data.get("region", ""), params=params, objective=weights,
                       mechanisms=tuple(mechanisms), path=label)

"""Policies: regional rules as data (``models/*.toml``), validated against the rule dataclasses.

A policy file has top-level metadata (``id``, ``title``, ``source`` …) and four sections:

* ``[eligibility]`` — :class:`teacher_match.eligibility.Eligibility`;
* ``[flows]`` — direction (``from``, ``to``) and ``max_commute_km``;
* ``[rules]`` — parameters of the rule modules (``backbone_min_share``, ``outflow_max_share`` …);
* ``[objective]`` — default weights of the objective terms;
* ``[money]`` — stipends, transport reimbursement and title credit (:mod:`teacher_match.rules.budget`);
* ``[cycle]`` — the rotation cycle (轮岗周期): ``years``, ``all_mandatory_within_cycle``, ``term_years`` …
  (:mod:`teacher_match.rules.cycle_obligation`, planned by :func:`teacher_match.cycle.plan_cycle`);
* ``[modes.<name>]`` — a rotation mode the core does not plan yet (upward study, itinerant teaching, paired
  exchange, diversion): its own ``[modes.<name>.eligibility]``, its rule ids and text. Recorded, not enforced;
* ``[[unenforced]]`` — rules of the source that are recorded but not enforced (``rule``, ``text``, optional
  ``mode``); :func:`teacher_match.solve` lists them in ``plan.solver_info["unenforced"]``.

Every key is unique across sections, so ``policy.with_(backbone_min_share=0.2)`` and
``--set backbone_min_share=0.2`` need no section. A value written ``"required"`` (a blank in the source,
e.g. Gangkou's "**%") loads, but :func:`teacher_match.solve` refuses until it is supplied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .eligibility import Eligibility
from .errors import PolicyError
from .output_files import remember_input
from .params import REQUIRED, coerce, weight_problem
from .rules import RULES, TERM_UNITS, rule_class

__all__ = ["Policy", "Mode", "load_policy", "policy_ids", "PARAMETERS"]

META_KEYS = {
    "id": "short identifier",
    "title": "title of the source document",
    "title_en": "English title",
    "region": "region the policy comes from",
    "source": "seed file and section the rules were taken from",
    "notes": "free text: how values were read, what is not from the source",
    "reference_date": "statistics cut-off date (统计截止日期), YYYY-MM-DD",
    "mode": "mode of the planned moves: rotation (交流轮岗) or support (支教)",
}
SECTIONS = ("eligibility", "flows", "rules", "objective", "money", "cycle")
PLANNED_MODES = ("rotation", "support")
MODE_KEYS = {"enforced", "text", "rules", "relation", "eligibility", "params", "from", "to"}
#: modes planned beside the main one when ``[modes.<name>] enforced = true`` (rules/itinerant.py)
SIDE_MODES = ("itinerant",)


@dataclass(frozen=True)
class ParamSpec:
    """Where a flat parameter key lives."""

    key: str
    section: str
    owner: str  # "eligibility" or a rule id
    field: str
    meta: dict


def _param_specs() -> dict[str, ParamSpec]:
    specs: dict[str, ParamSpec] = {}
    owners = [("eligibility", "eligibility", Eligibility)] + [
        (m.SECTION, m.RULE_ID, rule_class(m)) for m in RULES]
    for section, owner, cls in owners:
        for f in dataclasses.fields(cls):
            key = f.metadata.get("key") or f.name
            assert key not in specs, f"parameter key {key} declared twice"
            # only a parameter typed "… | None" can be switched off: every other one is read as a value
            meta = {**f.metadata, "nullable": "None" in str(f.type)}
            specs[key] = ParamSpec(key, section, owner, f.name, meta)
    return specs


#: every policy parameter key -> where it lives and its declaration
PARAMETERS: dict[str, ParamSpec] = _param_specs()


@dataclass(frozen=True)
class Policy:
    """A validated regional policy: eligibility, rule parameters and default objective weights.

    Examples
    --------
    >>> import teacher_match as tm
    >>> p = tm.load_policy("default").with_(backbone_min_share=0.25)
    >>> p.rule("backbone_ratio").backbone_min_share
    0.25
    """

    id: str
    title: str = ""
    source: str = ""
    region: str = ""
    notes: str = ""
    title_en: str = ""
    reference_date: dt.date | None = None
    eligibility: Eligibility = field(default_factory=Eligibility)
    rules: dict = field(default_factory=dict)
    objective: dict = field(default_factory=dict)
    path: str | None = None
    mode: str = "rotation"
    modes: dict = field(default_factory=dict)
    unenforced: tuple = ()

    def rule(self, rule_id: str):
        """Parameters of one rule module (e.g. ``"backbone_ratio"``)."""
        return self.rules[rule_id]

    def params(self) -> dict[str, Any]:
        """Flat ``key -> value`` view of every parameter (``"required"`` shown as such)."""
        out = {}
        for key, spec in PARAMETERS.items():
            obj = self.eligibility if spec.owner == "eligibility" else self.rules[spec.owner]
            out[key] = getattr(obj, spec.field)
        return out

    def missing(self) -> list[str]:
        """Keys still ``"required"``: supply them with ``with_`` or ``--set``."""
        return sorted(k for k, v in self.params().items() if v is REQUIRED)

    def require_complete(self) -> None:
        """Raise :class:`PolicyError` naming each key that is still ``"required"``."""
        miss = self.missing()
        if miss:
            listing = ", ".join(miss)
            example = " ".join(f"--set {k}=…" for k in miss)
            raise PolicyError(
                f"policy '{self.id}' leaves {listing} to be supplied (the source gives no value). "
                f"Use policy.with_({miss[0]}=…) or on the command line {example}")

    def with_(self, **changes: Any) -> Policy:
        """A copy with some parameters or objective weights changed (keys as in the policy file)."""
        return _apply(self, changes, source=f"with_() on policy '{self.id}'")

    def unenforced_rules(self) -> list[dict]:
        """Rules recorded but not enforced by ``solve``.

        The ``[[unenforced]]`` rules, plus every unplanned mode's rules.
        """
        out = [dict(r) for r in self.unenforced]
        for name, m in sorted(self.modes.items()):
            if not m.enforced:
                rec = {"rule": ", ".join(m.rules) or name, "mode": name, "text": m.text}
                if m.params:
                    rec["params"] = dict(m.params)
                out.append(rec)
        return out

    def __repr__(self) -> str:
        """The policy's id and title."""
        return f"Policy({self.id!r}, {self.title!r})"


@dataclass(frozen=True)
class Mode:
    """A rotation mode of a policy that the core records but does not plan (see module docstring).

    Its ``eligibility`` is evaluated by ``teacher_match.eligibility(problem, policy, mode=name)``.
    """

    name: str
    enforced: bool = False
    text: str = ""
    rules: tuple = ()
    relation: str = ""
    eligibility: Eligibility = field(default_factory=Eligibility)
    params: dict = field(default_factory=dict)
    from_: dict = field(default_factory=dict)
    to: dict = field(default_factory=dict)


def _suggest(key: str, choices) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def _apply(base: Policy, changes: dict, source: str, section_of: dict | None = None) -> Policy:
    """Validate and apply flat changes; collect every problem into one PolicyError."""
    problems: list[str] = []
    elig_changes: dict[str, Any] = {}
    rule_changes: dict[str, dict[str, Any]] = {}
    objective = dict(base.objective)
    for key, value in changes.items():
        if key in TERM_UNITS:
            if section_of and section_of.get(key) not in (None, "objective"):
                problems.append(f"'{key}' is an objective weight: put it under [objective]")
                continue
            problem = weight_problem(key, value)
            if problem:
                problems.append(problem)
                continue
            objective[key] = float(value)
            continue
        spec = PARAMETERS.get(key)
        if spec is None:
            problems.append(f"unknown key '{key}'{_suggest(key, list(PARAMETERS) + list(TERM_UNITS))}")
            continue
        if section_of and section_of.get(key) not in (None, spec.section):
            problems.append(f"'{key}' belongs under [{spec.section}], not [{section_of[key]}]")
            continue
        try:
            v = coerce(key, spec.meta, value)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if spec.owner == "eligibility":
            elig_changes[spec.field] = v
        else:
            rule_changes.setdefault(spec.owner, {})[spec.field] = v
    if problems:
        raise PolicyError(f"{source}: " + "; ".join(problems))
    rules = {rid: dataclasses.replace(obj, **rule_changes.get(rid, {})) for rid, obj in base.rules.items()}
    elig = dataclasses.replace(base.eligibility, **elig_changes)
    _consistency(elig, rules, source)
    return dataclasses.replace(base, eligibility=elig, rules=rules, objective=objective)


def _consistency(elig: Eligibility, rules: dict, source: str) -> None:
    """Contradictory thresholds are an error, not a silent empty plan."""
    problems = []
    if (elig.min_years_eligible is not None and elig.min_years_at_school is not None
            and elig.min_years_eligible > elig.min_years_at_school):
        problems.append(f"min_years_eligible {elig.min_years_eligible} is above the trigger "
                        f"min_years_at_school {elig.min_years_at_school}")
    cycle = rules.get("cycle_obligation")
    if cycle is not None and cycle.years is not None and cycle.years < 1:
        problems.append(f"the rotation cycle lasts at least 1 year (years = {cycle.years})")
    if cycle is not None and cycle.term_years is not None and cycle.term_years <= 0:
        problems.append(f"a rotation's term lasts more than 0 years (term_years = {cycle.term_years})")
    if isinstance(elig.max_age, (int, float)) and elig.max_age < 18:
        problems.append(f"max_age {elig.max_age} excludes every teacher")
    if problems:
        raise PolicyError(f"{source}: " + "; ".join(problems))


def _blank_policy(pid: str) -> Policy:
    rules = {m.RULE_ID: rule_class(m)() for m in RULES}
    return Policy(id=pid, rules=rules)


def _models_dir():
    return resources.files("teacher_match.models")


def policy_ids() -> list[str]:
    """Ids of the policy models shipped with teacher_match."""
    return sorted(p.name[:-5] for p in _models_dir().iterdir() if p.name.endswith(".toml"))


def load_policy(id_or_path: str | Path) -> Policy:
    """Load a shipped policy model by id, or any policy file by path.

    Raises
    ------
    PolicyError
        Unknown id, unreadable TOML, unknown key (with the closest valid key), wrong value type.
    """
    text, label = _read_policy_text(id_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{label}: not valid TOML ({exc})") from None
    return policy_from_dict(data, label)


def _read_policy_text(id_or_path) -> tuple[str, str]:
    path = Path(str(id_or_path))
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise PolicyError(f"policy file {path} does not exist")
        if path.stat().st_size > 1_000_000:
            raise PolicyError(f"{path}: a policy file is small text; this one is over 1 MB")
        try:
            text = path.read_text(encoding="utf-8")
            remember_input(path)  # the library's writers never write over a file read as input
            return text, str(path)
        except UnicodeDecodeError:
            raise PolicyError(f"{path}: policy files must be UTF-8 text") from None
        except OSError as exc:
            raise PolicyError(f"{path}: {exc.strerror or exc} — check the path and its permissions") from None
    res = _models_dir() / f"{id_or_path}.toml"
    if not res.is_file():
        ids = policy_ids()
        raise PolicyError(f"no policy model '{id_or_path}'{_suggest(str(id_or_path), ids)} "
                          f"(shipped: {', '.join(ids)}; or give a path to a .toml file)")
    return res.read_text(encoding="utf-8"), f"models/{id_or_path}.toml"


def policy_from_dict(data: dict, label: str = "policy") -> Policy:
    """Build a Policy from parsed TOML; every problem is reported at once."""
    problems = []
    meta = {}
    flat: dict[str, Any] = {}
    section_of: dict[str, str] = {}
    for key, value in data.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                problems.append(f"[{key}] must be a table")
                continue
            for k, v in value.items():
                flat[k] = v
                section_of[k] = key
        elif key in META_KEYS:
            meta[key] = value
        elif key in ("modes", "unenforced"):
            continue
        else:
            problems.append(f"unknown key '{key}'{_suggest(key, list(META_KEYS) + list(SECTIONS))}")
    if "id" not in meta:
        problems.append("missing 'id'")
    if problems:
        raise PolicyError(f"{label}: " + "; ".join(problems))
    ref = meta.get("reference_date")
    if ref is not None and not isinstance(ref, dt.date):
        try:
            ref = dt.date.fromisoformat(str(ref))
        except ValueError:
            raise PolicyError(f"{label}: reference_date must be YYYY-MM-DD, got {ref!r}") from None
    base = dataclasses.replace(
        _blank_policy(str(meta["id"])),
        title=str(meta.get("title", "")), title_en=str(meta.get("title_en", "")),
        source=str(meta.get("source", "")), region=str(meta.get("region", "")),
        notes=str(meta.get("notes", "")), reference_date=ref,
        path=label, mode=str(meta.get("mode", "rotation")),
        modes=_modes(data.get("modes", {}), label), unenforced=_unenforced(data.get("unenforced", []), label),
    )
    if base.mode not in PLANNED_MODES:
        raise PolicyError(f"{label}: mode must be one of {', '.join(PLANNED_MODES)}, got {base.mode!r} "
                          f"(record other modes under [modes.<name>])")
    return _apply(base, flat, source=label, section_of=section_of)


def _unenforced(records, label: str) -> tuple:
    """``[[unenforced]]`` records: each needs ``rule`` and ``text``; ``mode`` and ``params`` are optional."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise PolicyError(f"{label}: [[unenforced]] must be an array of tables with rule and text")
    out = []
    for i, r in enumerate(records):
        bad = set(r) - {"rule", "text", "mode", "params"}
        if (bad or not isinstance(r.get("rule"), str) or not isinstance(r.get("text"), str)
                or not isinstance(r.get("params", {}), dict)):
            raise PolicyError(f"{label}: [[unenforced]] #{i + 1} needs string 'rule' and 'text' "
                              f"(optionally 'mode' and a 'params' table)"
                              f"{f'; unknown {sorted(bad)}' if bad else ''}")
        rec = {"rule": r["rule"], "mode": str(r.get("mode", "")), "text": r["text"]}
        if r.get("params"):
            rec["params"] = dict(r["params"])
        out.append(rec)
    return tuple(out)


def _modes(table, label: str) -> dict:
    """``[modes.<name>]`` tables → :class:`Mode`, with the mode's eligibility validated like the main one."""
    if not isinstance(table, dict):
        raise PolicyError(f"{label}: [modes] must be a table of [modes.<name>] tables")
    out = {}
    for name, spec in table.items():
        where = f"{label} [modes.{name}]"
        if not isinstance(spec, dict):
            raise PolicyError(f"{where} must be a table")
        bad = set(spec) - MODE_KEYS
        if bad:
            raise PolicyError(f"{where}: unknown key '{sorted(bad)[0]}'{_suggest(sorted(bad)[0], MODE_KEYS)}")
        if spec.get("enforced", False) and name not in SIDE_MODES:
            raise PolicyError(f"{where}: the core plans only the policy's main mode; this mode can only be "
                              f"recorded (enforced = false)")
        elig = spec.get("eligibility", {})
        probe = _apply(_blank_policy(name), {k: v for k, v in elig.items()}, source=where,
                       section_of=dict.fromkeys(elig, "eligibility"))
        fl = PARAMETERS["from"]
        try:
            sel = {k: coerce(k, fl.meta, spec[k]) for k in ("from", "to") if k in spec}
        except ValueError as exc:
            raise PolicyError(f"{where}: {exc}") from None
        rules = spec.get("rules", [])
        if isinstance(rules, str):
            rules = [rules]
        params = spec.get("params", {})
        if not isinstance(params, dict):
            raise PolicyError(f"{where}: params must be a table")
        out[name] = Mode(name=name, enforced=bool(spec.get("enforced", False)),
                         text=str(spec.get("text", "")), rules=tuple(rules),
                         relation=str(spec.get("relation", "")), eligibility=probe.eligibility,
                         params=dict(params), from_=sel.get("from", {}), to=sel.get("to", {}))
    return out

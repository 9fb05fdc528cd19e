"""Policies: regional rules as data (``models/*.toml``), validated against the rule dataclasses.

A policy file has top-level metadata (``id``, ``title``, ``source`` …) and four sections:

* ``[eligibility]`` — :class:`teacher_match.eligibility.Eligibility`;
* ``[flows]`` — direction (``from``, ``to``) and ``max_commute_km``;
* ``[rules]`` — parameters of the rule modules (``backbone_min_share``, ``outflow_max_share`` …);
* ``[objective]`` — default weights of the objective terms;
* ``[money]`` — stipends, transport reimbursement and title credit (:mod:`teacher_match.rules.budget`);
* ``[cycle]`` — the rotation cycle (轮岗周期): ``years``, ``all_mandatory_within_cycle``, ``term_years`` …
  (:mod:`teacher_match.rules.cycle_obligation`, planned by :func:`teacher_match.cycle.plan_cycle`);
* ``[modes.<name>]`` — a rotation mode beside the main one: its own ``[modes.<name>.eligibility]``, its rule
  ids and text. With ``enforced = true`` it is planned in the same solve (:mod:`teacher_match.rules.modes`:
  its direction ``from`` / ``to``, ``kind`` post, study or paired, counts, term, relation and who pays);
  otherwise recorded, not enforced (itinerant teaching and diversion are recorded only);
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
MODE_KEYS = {"enforced", "text", "rules", "relation", "eligibility", "params", "from", "to",
             # a planned mode's keys (see Mode)
             "kind", "roles", "teachers", "leaders", "min", "max", "per_school_max", "per_stage", "hard",
             "term_years", "leader_term_years", "paid_by", "keeps_home_post", "staffing", "money", "group",
             "per_group_min", "per_group_max", "within_group",
             "term_min_years", "term_max_years", "leader_term_min_years",
             "leader_term_max_years"}
#: a mode's term bounds from its source (以上 / 不超过, inclusive), per role: the plan's term is checked
#: against them
TERM_BOUNDS = ("term_min_years", "term_max_years", "leader_term_min_years", "leader_term_max_years")
#: modes recorded only here: the diversion is planned apart from the rotation (teacher_match.diversion)
RECORDED_ONLY_MODES = ("diversion",)
#: how a planned mode places a teacher: a declared post (支教/交流), a place to study (上派/跟岗/挂职学习) or
#: the counterpart school of a pair (结对)
MODE_KINDS = ("post", "study", "paired")
#: modes planned beside the main one by a rule of their own, not by rules/modes.py: 走教 (rules/itinerant.py)
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

    def planned_modes(self) -> list[Mode]:
        """The ``[modes.<name>]`` planned beside the main mode (``enforced = true``), by name.

        Not the modes a rule of their own plans (:data:`SIDE_MODES`: 走教, rules/itinerant.py).
        """
        return [m for _, m in sorted(self.modes.items())
                if m.enforced and m.name != self.mode and m.name not in SIDE_MODES]

    def planned_end_to_end(self) -> bool:
        """Whether every rule of the policy is planned or checked: it records none (README's policy table)."""
        return not self.unenforced_rules()

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
    """A rotation mode of a policy: recorded (``enforced = false``) or planned beside the main mode.

    Its ``eligibility`` is evaluated by ``teacher_match.eligibility(problem, policy, mode=name)``. A planned
    mode (:mod:`teacher_match.rules.modes`) also has:

    * ``kind`` — ``post`` (fills a declared need in the teacher's subject; a leader takes a leadership post),
      ``study`` (上派/跟岗/挂职学习: any school of ``to``, no post filled) or ``paired`` (结对: the school's
      counterpart ``pair_id``, equal numbers each side);
    * ``roles`` — ``all``, ``teachers`` or ``leaders`` (principals, vice-principals, middle leaders);
    * counts — ``teachers`` and ``leaders`` (exactly so many), ``min`` / ``max`` (all of the mode),
      ``per_school_max`` (per sending school), ``per_group_min`` / ``per_group_max`` (per value of the
      schools column ``group``, e.g. ``"township"``: each group that has teachers the mode may move),
      ``per_stage`` (paired: each side, per school stage); ``within_group`` (a move stays inside its
      school's ``group``: a central school re-assigning its 学区's teachers); ``hard =
      false`` makes the minima soft (the shortfall is said first and weighed by ``mode_shortfall``);
    * ``term_years`` (``leader_term_years`` for leaders, when it differs), ``relation`` (``move`` /
      ``stay``: 人走关系动 / 不动), ``paid_by`` (``sending`` / ``receiving``) — plan columns;
    * ``term_min_years`` / ``term_max_years`` (``leader_term_min_years`` / ``leader_term_max_years``) — the
      source's range of a term (以上 / 不超过, inclusive): ``term_years`` must lie in it, and the checker
      flags a move whose ``term_years`` does not;
    * ``money`` — the policy's ``[money]`` (stipend, transport) priced for the mode's moves too (default: the
      main mode's moves only, as the sources price their main mode);
    * ``keeps_home_post`` (挂职: the leader keeps the home post, so the home school needs no replacement) and
      ``staffing`` (false: a short 挂职学习 with no staffing effect at either end).
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
    kind: str = "post"
    roles: str = "all"
    teachers: int | None = None
    leaders: int | None = None
    min: int | None = None
    max: int | None = None
    per_school_max: int | None = None
    per_stage: int | None = None
    hard: bool = True
    term_years: float | None = None
    leader_term_years: float | None = None
    paid_by: str = ""
    keeps_home_post: bool = False
    staffing: bool = True
    money: bool = False
    group: str = ""
    per_group_min: int | None = None
    per_group_max: int | None = None
    within_group: bool = False
    term_min_years: float | None = None
    term_max_years: float | None = None
    leader_term_min_years: float | None = None
    leader_term_max_years: float | None = None

    def term_bounds(self, leader: bool) -> tuple[float | None, float | None]:
        """The source's (minimum, maximum) term in years for a leader or a teacher (None: not bounded)."""
        if leader and (self.leader_term_min_years is not None or self.leader_term_max_years is not None):
            return self.leader_term_min_years, self.leader_term_max_years
        return self.term_min_years, self.term_max_years


def _suggest(key: str, choices) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def _apply(base: Policy, changes: dict, source: str, section_of: dict | None = None) -> Policy:
    """Validate and apply flat changes; collect every problem into one PolicyError."""
    problems: list[str] = []
    elig_changes: dict[str, Any] = {}
    rule_changes: dict[str, dict[str, Any]] = {}
    objective = dict(base.objective)
    modes = dict(base.modes)
    for key, value in changes.items():
        if key.startswith("modes."):
            # a planned mode's number (--set modes.upward_study.teachers=5): validated like the file's
            problem = _mode_change(modes, key, value)
            if problem:
                problems.append(problem)
            continue
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
    return dataclasses.replace(base, eligibility=elig, rules=rules, objective=objective, modes=modes)


#: the keys of a mode that ``with_`` / ``--set modes.<name>.<key>=…`` may change
MODE_SETTABLE = ("teachers", "leaders", "min", "max", "per_school_max", "per_stage", "per_group_min",
                 "per_group_max", "hard", "term_years",
                 "leader_term_years", "paid_by", "relation", "keeps_home_post", "staffing")


def _mode_change(modes: dict, key: str, value: Any) -> str | None:
    """Apply ``modes.<name>.<key> = value`` to ``modes`` in place; the problem in words, or None."""
    parts = key.split(".")
    if len(parts) != 3 or parts[1] not in modes:
        known = ", ".join(sorted(modes)) or "none"
        return f"'{key}': write modes.<name>.<key> with a mode of the policy ({known})"
    name, k = parts[1], parts[2]
    if k not in MODE_SETTABLE:
        return f"'{key}': a mode's {k!r} cannot be set here (settable: {', '.join(MODE_SETTABLE)})"
    m = modes[name]
    current = {f: getattr(m, f) for f in MODE_SETTABLE if getattr(m, f) is not None}
    current["kind"], current["roles"] = m.kind, m.roles
    if m.group:
        current["group"] = m.group
    try:
        checked = _planned_mode_keys({**current, k: value}, f"[modes.{name}]")
    except PolicyError as exc:
        return str(exc)
    modes[name] = dataclasses.replace(m, **{k: checked.get(k, value)})
    return None


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
    main = base.modes.get(base.mode)
    if main is not None and (main.from_ or main.to or any(
            getattr(main, k) is not None for k in ("teachers", "leaders", "min", "max", "per_stage"))):
        raise PolicyError(f"{label}: [modes.{base.mode}] describes the main mode (relation, paid_by, "
                          f"term_years): its direction and counts are those of [flows] and [rules]")
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
        enforced = spec.get("enforced", False)
        if not isinstance(enforced, bool):
            raise PolicyError(f"{where}: enforced must be true or false, got {enforced!r}")
        if enforced and name in RECORDED_ONLY_MODES:
            raise PolicyError(f"{where}: {name} is recorded, not planned, in this version (enforced = false)")
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
        out[name] = Mode(name=name, enforced=enforced, text=str(spec.get("text", "")), rules=tuple(rules),
                         relation=str(spec.get("relation", "")), eligibility=probe.eligibility,
                         params=dict(params), from_=sel.get("from", {}), to=sel.get("to", {}),
                         **_planned_mode_keys(spec, where))
    return out


def _planned_mode_keys(spec: dict, where: str) -> dict:
    """A mode's planning keys, validated (every problem of the table at once)."""
    problems = []
    out: dict[str, Any] = {}
    choices = {"kind": MODE_KINDS, "roles": ("all", "teachers", "leaders"), "paid_by": ("", "sending",
                                                                                      "receiving")}
    for k, allowed in choices.items():
        if k in spec:
            if spec[k] not in allowed:
                problems.append(f"{k} must be one of {', '.join(a for a in allowed if a)}, got {spec[k]!r}")
            else:
                out[k] = spec[k]
    if spec.get("relation", "") not in ("", "move", "stay"):
        problems.append(f"relation must be move (人走关系动) or stay (人走关系不动), "
                        f"got {spec['relation']!r}")
    for k in ("teachers", "leaders", "min", "max", "per_school_max", "per_stage", "per_group_min",
              "per_group_max"):
        if k in spec:
            v = spec[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                problems.append(f"{k} must be a whole number ≥ 0, got {v!r}")
            else:
                out[k] = v
    for k in ("hard", "keeps_home_post", "staffing", "money", "within_group"):
        if k in spec:
            if not isinstance(spec[k], bool):
                problems.append(f"{k} must be true or false, got {spec[k]!r}")
            else:
                out[k] = spec[k]
    for k in ("term_years", "leader_term_years", *TERM_BOUNDS):
        if k in spec:
            v = spec[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 10:
                problems.append(f"{k} must be a number of years above 0 and at most 10, got {v!r}")
            else:
                out[k] = float(v)
    for who in ("", "leader_"):
        t_lo, t_hi = out.get(f"{who}term_min_years"), out.get(f"{who}term_max_years")
        term = out.get(f"{who}term_years", out.get("term_years"))
        if t_lo is not None and t_hi is not None and t_lo > t_hi:
            problems.append(f"{who}term_min_years {t_lo:g} > {who}term_max_years {t_hi:g}")
        elif (t_lo is not None or t_hi is not None) and term is None:
            problems.append(f"{who}term_min_years / {who}term_max_years bound a term: give term_years")
        elif term is not None and ((t_lo is not None and term < t_lo) or (t_hi is not None and term > t_hi)):
            lo_, hi_ = ("…" if v is None else f"{v:g}" for v in (t_lo, t_hi))
            problems.append(f"the {who.rstrip('_') or 'teacher'} term {term:g} years lies outside the "
                            f"source's {lo_}–{hi_} years")
    lo = max(out.get("min") or 0, (out.get("teachers") or 0) + (out.get("leaders") or 0))
    if out.get("max") is not None and lo > out["max"]:
        problems.append(f"the counts cannot add up: at least {lo} but max = {out['max']}")
    if "group" in spec:
        if not isinstance(spec["group"], str) or not spec["group"]:
            problems.append(f"group must name a schools column (e.g. \"township\"), got {spec['group']!r}")
        else:
            out["group"] = spec["group"]
    grouped = out.get("per_group_min") is not None or out.get("per_group_max") is not None
    if out.get("within_group") and not out.get("group"):
        problems.append("within_group needs group (the schools column, e.g. \"township\")")
    if grouped and not out.get("group"):
        problems.append("per_group_min / per_group_max need group (the schools column, e.g. \"township\")")
    gmin, gmax = out.get("per_group_min"), out.get("per_group_max")
    if gmin is not None and gmax is not None and gmin > gmax:
        problems.append(f"the counts cannot add up: per_group_min {out['per_group_min']} > per_group_max "
                        f"{out['per_group_max']}")
    if out.get("per_stage") is not None and out.get("kind", "post") != "paired":
        problems.append("per_stage is a count of the paired kind (kind = \"paired\")")
    if out.get("roles") == "teachers" and out.get("leaders"):
        problems.append(f"roles = \"teachers\" but leaders = {out['leaders']}")
    if out.get("roles") == "leaders" and out.get("teachers"):
        problems.append(f"roles = \"leaders\" but teachers = {out['teachers']}")
    if problems:
        raise PolicyError(f"{where}: " + "; ".join(problems))
    return out

"""Typed policy parameters: declaration (:func:`param`), the ``"required"`` marker and value coercion.

Rule dataclasses declare their parameters with :func:`param`; :mod:`teacher_match.policy` uses
:func:`coerce` to turn TOML / ``--set`` values into typed values, with messages that name the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from fractions import Fraction
from typing import Any

__all__ = ["REQUIRED", "Required", "param", "coerce", "share_fraction", "parse_cli_value", "by_gender",
           "weight_problem"]


class Required:
    """Marker for a value the source leaves blank: the policy loads, but ``solve`` refuses until supplied."""

    _instance: Required | None = None

    def __new__(cls) -> Required:
        """The one marker: every ``Required()`` is the same object."""
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        """The marker as a policy file spells it."""
        return '"required"'

    def __reduce__(self) -> tuple[type[Required], tuple[()]]:
        """Unpickle to the same one marker."""
        return (Required, ())


REQUIRED = Required()

KINDS = ("share", "number", "int", "bool", "choice", "strlist", "by_gender", "selector", "date", "str",
         "table", "bands")


def param(default: Any, kind: str, doc: str, *, key: str | None = None, choices: tuple = (),
          optional: bool = True) -> Any:
    """Declare one policy parameter of a rule dataclass.

    Parameters
    ----------
    default : object
        Value when the policy file does not set it (``None`` = rule switched off).
    kind : str
        One of ``share`` (0..1), ``number`` (≥ 0), ``int`` (≥ 0), ``bool``, ``choice``, ``strlist``,
        ``by_gender`` (a number, or ``{ M = …, F = … }``), ``selector``
        (``{ category = [...], strength = [...] }``), ``date``, ``str``, ``table`` (``{ name = number, … }``)
        or ``bands`` (``[[threshold, value], …]``, thresholds strictly decreasing).
    doc : str
        One line: what the rule does with it, with the Chinese term where there is one.
    key : str, optional
        The TOML key when it differs from the field name (``from`` for ``from_``).
    """
    assert kind in KINDS, kind
    factory = None
    if isinstance(default, (list, dict)):
        value = default
        factory = lambda: type(value)(value)  # noqa: E731 - fresh mutable default per instance
    meta = {"kind": kind, "doc": doc, "key": key, "choices": tuple(choices), "optional": optional}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def by_gender(value: Any, gender: str) -> float | None:
    """Resolve a ``by_gender`` parameter (a number or ``{M: …, F: …}``) for one gender."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(gender)
    return value


def share_fraction(share: float) -> Fraction:
    """An exact fraction for a share, so ``floor(0.15 × 20)`` is 3 and not 2 (0.15·20 = 2.9999… in floats)."""
    return Fraction(str(share)).limit_denominator(10_000)


def parse_cli_value(text: str) -> Any:
    """Parse a ``--set key=value`` right-hand side: numbers, booleans, lists ``a;b``, tables ``M=55,F=50``."""
    raw = text.strip()
    low = raw.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no"):
        return False
    if low == "off":
        return "off"  # switches an optional rule off; a yes/no parameter reads it as false (see coerce)
    if low in ("none", "null", ""):
        return None
    if "=" in raw:
        out = {}
        for part in raw.split(","):
            k, _, v = part.partition("=")
            out[k.strip()] = parse_cli_value(v)
        return out
    if ";" in raw:
        return [parse_cli_value(p) for p in raw.split(";") if p.strip()]
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def coerce(key: str, meta: dict, value: Any) -> Any:
    """Check and convert one parameter value; raise ``ValueError`` with a message naming ``key``.

    ``meta["nullable"]`` (from the field's type, ``… | None``) says whether the parameter can be switched off:
    ``None`` (``--set key=none``, an empty ``--set key=``) or ``"off"`` for any other parameter is an error
    naming it, not a value that breaks a rule later.
    """
    if value is None:
        if not meta.get("optional", True) or not meta.get("nullable", True):
            raise ValueError(f"'{key}' cannot be empty or switched off — give it a value ({_expects(meta)})")
        return None
    if isinstance(value, str) and value.strip().lower() == "required":
        return REQUIRED
    if isinstance(value, str) and value.strip().lower() == "off" and meta["kind"] == "bool":
        return False
    if (isinstance(value, str) and value.strip().lower() == "off"
            and meta["kind"] not in ("str", "choice", "strlist") and meta.get("optional", True)):
        if not meta.get("nullable", True):
            raise ValueError(f"'{key}' cannot be switched off — give it a value ({_expects(meta)})")
        return None  # TOML has no null: "off" switches an optional rule off (e.g. no tenure trigger)
    if value is REQUIRED:
        return REQUIRED
    kind = meta["kind"]
    if kind == "share":
        num = _number(key, value)
        if not 0 <= num <= 1:
            raise ValueError(f"'{key}' is a share between 0 and 1, got {value!r} (write 0.2 for 20 %)")
        return num
    if kind == "number":
        num = _number(key, value)
        if num < 0:
            raise ValueError(f"'{key}' must be ≥ 0, got {value!r}")
        return num
    if kind == "int":
        num = _number(key, value)
        if not float(num).is_integer() or num < 0:
            raise ValueError(f"'{key}' must be a whole number ≥ 0, got {value!r}")
        return int(num)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"'{key}' must be true or false, got {value!r}")
        return value
    if kind == "choice":
        if value not in meta["choices"]:
            raise ValueError(f"'{key}' must be one of {', '.join(meta['choices'])}, got {value!r}")
        return value
    if kind == "str":
        return str(value)
    if kind == "strlist":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"'{key}' must be a list of names, got {value!r}")
        if meta["choices"]:
            bad = [v for v in value if v not in meta["choices"]]
            if bad:
                raise ValueError(f"'{key}': unknown {bad[0]!r}; choose from {', '.join(meta['choices'])}")
        return list(value)
    if kind == "by_gender":
        if isinstance(value, dict):
            unknown = set(value) - {"M", "F"}
            if unknown:
                raise ValueError(f"'{key}' takes M and F, got {sorted(unknown)}")
            if set(value) != {"M", "F"}:
                raise ValueError(f"'{key}' needs both M and F (write {{ M = 55, F = 50 }})")
            return {g: _number(f"{key}.{g}", v) for g, v in value.items()}
        return _number(key, value)
    if kind == "selector":
        if not isinstance(value, dict):
            raise ValueError(f"'{key}' must be a table like {{ category = [\"urban\"] }}, got {value!r}")
        allowed = {"category": ("urban", "town", "rural", "village"),
                   "strength": ("strong", "normal", "weak")}
        out = {}
        for k, v in value.items():
            if k not in allowed:
                raise ValueError(f"'{key}' selects by category or strength, not {k!r}")
            v = [v] if isinstance(v, str) else list(v)
            bad = [x for x in v if x not in allowed[k]]
            if bad:
                raise ValueError(f"'{key}.{k}': unknown {bad[0]!r}; choose from {', '.join(allowed[k])}")
            out[k] = v
        return out
    if kind == "table":
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"'{key}' must be a table like {{ name = 100 }}, got {value!r}")
        return {k: _number(f"{key}.{k}", v) for k, v in value.items()}
    if kind == "bands":
        if not isinstance(value, (list, tuple)) or not value or not all(
                isinstance(b, (list, tuple)) and len(b) == 2 for b in value):
            raise ValueError(f"'{key}' must be a list of [threshold, value] pairs, got {value!r}")
        bands = [(_number(f"{key}[{i}][0]", b[0]), _number(f"{key}[{i}][1]", b[1]))
                 for i, b in enumerate(value)]
        if any(a[0] <= b[0] for a, b in zip(bands, bands[1:], strict=False)):
            raise ValueError(f"'{key}': thresholds must be strictly decreasing, got {value!r}")
        return [list(b) for b in bands]
    if kind == "date":
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"'{key}' must be a date YYYY-MM-DD, got {value!r}") from None
    raise AssertionError(kind)


def _expects(meta: dict) -> str:
    """What a parameter of this kind takes, for messages."""
    kind = meta["kind"]
    if kind in ("choice", "strlist") and meta.get("choices"):
        return ("one of " if kind == "choice" else "a list of ") + ", ".join(meta["choices"])
    return {"share": "a share between 0 and 1", "number": "a number ≥ 0", "int": "a whole number ≥ 0",
            "bool": "true or false", "by_gender": "a number or { M = …, F = … }", "date": "a date YYYY-MM-DD",
            "selector": 'a table like { category = ["urban"] }', "table": "a table like { name = 100 }",
            "bands": "a list of [threshold, value] pairs", "str": "a text", "strlist": "a list of names",
            }.get(kind, kind)


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{key}' must be a number, got {value!r}")
    # TOML and --set accept nan and inf; a rule compared with nan silently holds for nobody ("within nan km")
    if not math.isfinite(value):
        raise ValueError(f"'{key}' must be a finite number, got {value!r} (a rule that can be switched off "
                         f"takes \"off\")")
    return value


def weight_problem(term: str, value: Any) -> str | None:
    """Why ``value`` cannot be the weight of objective term ``term`` (``None`` when it can).

    A weight is a finite number with ``|weight| ≤ MAX_WEIGHT`` (see :mod:`teacher_match.scaling` for
    why): nan and ±inf cannot be priced, and a larger weight overflows the solver's integer objective.
    """
    from .scaling import MAX_WEIGHT

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"objective weight '{term}' must be a number, got {value!r}"
    if not math.isfinite(value) or abs(value) > MAX_WEIGHT:
        return (f"objective weight '{term}' must be a finite number between {-MAX_WEIGHT:,.0f} and "
                f"{MAX_WEIGHT:,.0f}, got {value!r} (only the ratios between weights matter: scale them all "
                f"down)")
    return None

"""The tie stage: among the plans of the objective found, the one the published tie order prefers.

The last lexicographic level of every search (:mod:`teacher_match.tie_order`): with
``w_t = position(t) + 1`` the stage minimises

    tie(plan) = Σ_{t rotated} w_t      subject to   objective(plan) ≤ objective found

so it never trades objective for order. In a model of teacher Booleans the cost is ``Σ w_t · x[t, s]``.
A class ``c`` of interchangeable teachers (:mod:`teacher_match.model.aggregation`) sends
``k_c = Σ_s y[c, s]`` of its members, and the plan sends its earliest ones (``disaggregate`` follows the
order), so with its members' weights ascending, ``w_(1) < … < w_(m)``, the class costs the prefix sum

    P_c(k) = Σ_{j ≤ k} w_(j),

a convex function of ``k``, encoded exactly by one variable ``z_c`` and its tangents

    z_c ≥ P_c(j) + w_(j+1) · (k_c − j)        j = 0 … k̄_c − 1   (k̄_c: the most the class can send)

(minimised, ``z_c`` is the largest line, ``P_c(k_c)`` at every integer ``k_c``; the LP relaxation is the
convex envelope, so nothing is lost to it). The constraint and the cost are written on the model that is
searched: on the reformulated model (:mod:`teacher_match.model.flow_reformulation`) a class's ``k_c`` is its
class total ``n[B, c]`` (every flow splits back with the same totals, so the stage is exact there too), and
when the search ran by independent parts (:mod:`teacher_match.model.decomposition`) the objective is capped
part by part — the lexicographic optimum of a sum of independent parts is each part at its own optimum — so
the tie model splits into the same parts.

Proving the tie stage can take as long as the objective stage (the cap leaves the LP the slack of the
objective's integrality gap: measured on a 10,000-teacher county, bound 894,279 against 909,097 after 60 s).
The ties met in practice are local, though: teachers of one sending school who could take the same place
(same destination, same commute). So the stage first searches that neighbourhood exactly — every plan with
the objective found that sends the same number of teachers of each subject from each school to each school
(:func:`destination_groups`), which only chooses *who* of a school goes — and then the whole face from that
plan, in the time it has (measured on that county: the neighbourhood proven in 0.13 s, cost 905,114, better
than the whole face's best after 60 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

__all__ = ["TieClasses", "tie_classes", "on_searched_model", "tie_model", "prefix_cost", "destination_groups",
           "with_groups_fixed"]


@dataclass
class TieClasses:
    """The classes a plan's tie cost is read from.

    Attributes
    ----------
    columns : list of ndarray
        Per class, the variables of the searched model whose sum is ``k_c`` (how many of it rotate).
    weights : list of ndarray
        Per class, its members' weights ``position + 1``, ascending.
    """

    columns: list
    weights: list


def tie_classes(ctx) -> TieClasses:
    """Per class of ``ctx.model_pairs`` (a teacher without aggregation): its rows' variables and weights."""
    w = ctx.tie_order.weights()
    c = ctx.model_pairs["c"].to_numpy()
    uc, inv = np.unique(c, return_inverse=True)
    rows = np.argsort(inv, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(inv, minlength=len(uc)))]
    columns = [ctx.x_index[rows[bounds[i]:bounds[i + 1]]] for i in range(len(uc))]
    if ctx.classes is None:
        weights = [np.array([w[t]], dtype=np.int64) for t in uc]  # every teacher its own class (c = t)
    else:
        movable = np.flatnonzero(ctx.elig["status"].isin(["mandatory", "eligible"]).to_numpy())
        mc = np.asarray(ctx.classes)[movable]
        order = np.lexsort((w[movable], mc))
        mc, mw = mc[order], w[movable][order]
        lo, hi = np.searchsorted(mc, uc, "left"), np.searchsorted(mc, uc, "right")
        weights = [mw[a:b].astype(np.int64) for a, b in zip(lo, hi, strict=True)]
    return TieClasses(columns, weights)


def on_searched_model(tc: TieClasses, ref) -> TieClasses:
    """The classes' ``k_c`` on the reformulated model: kept variables, or the class's total ``n[B, c]``."""
    if ref is None:
        return tc
    new = np.full(ref.n_old, -1, dtype=np.int64)
    new[ref.kept] = np.arange(len(ref.kept))
    new[ref.cell_col] = ref.n_start[ref.cell_block] + ref.cell_k  # every cell of a class: one total
    return TieClasses([np.unique(new[col]) for col in tc.columns], tc.weights)


def prefix_cost(weights: np.ndarray, k: int) -> int:
    """``P(k)``: the sum of the ``k`` smallest weights (``weights`` ascending)."""
    return int(np.asarray(weights[:k], dtype=np.int64).sum())


def _value(values: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """Values of references (a negated reference ``-v-1`` stands for ``-x_v``)."""
    idx = np.where(refs < 0, -refs - 1, refs)
    return np.where(refs < 0, -values[idx], values[idx])


def tie_model(searched: cp_model.CpModel, tc: TieClasses, values: np.ndarray,
              part_of: np.ndarray | None = None) -> tuple[cp_model.CpModel, int]:
    """The tie stage's model: ``searched``, its objective capped at that of ``values``, the tie cost its own.

    ``part_of`` labels each variable with its independent part (when the search ran by parts): the objective
    is then capped part by part, so the parts stay independent. The plan ``values`` is the hint (completed for
    the new variables). Returns the model and the tie cost of the hinted plan.
    """
    m = searched.clone()
    proto = m.proto
    n = len(proto.variables)
    values = np.asarray(values, dtype=np.int64)
    refs = np.asarray(list(proto.objective.vars), dtype=np.int64)
    coefs = np.asarray(list(proto.objective.coeffs), dtype=np.int64)
    label = (np.zeros(len(refs), dtype=np.int64) if part_of is None
             else part_of[np.where(refs < 0, -refs - 1, refs)])
    contrib = coefs * _value(values, refs)
    for lab in np.unique(label):
        sel = label == lab
        # the objective's own terms (without its constant), at most what the plan found has: exactly the best
        # found when that plan is optimal
        ct = proto.constraints.add()
        ct.linear.vars.extend(refs[sel].tolist())
        ct.linear.coeffs.extend(coefs[sel].tolist())
        ct.linear.domain.extend([cp_model.INT_MIN, int(contrib[sel].sum())])
    proto.clear_objective()
    hint = values.tolist()  # the new variables' values follow, in the order they are made
    lin_vars: list[np.ndarray] = []
    lin_coefs: list[np.ndarray] = []
    z_vars: list[int] = []
    # (the proto's repeated fields take no negative index: domain[-1] reads 0)
    ub = np.fromiter((v.domain[len(v.domain) - 1] for v in proto.variables), dtype=np.int64, count=n)
    hinted_cost = 0
    for cols, w in zip(tc.columns, tc.weights, strict=True):
        if not len(cols) or not len(w):
            continue
        k_hint = int(values[cols].sum())
        hinted_cost += prefix_cost(w, k_hint)
        kmax = min(len(w), int(ub[cols].sum()))
        if kmax <= 1:
            # at most one member can rotate: the cost is linear, w_(1) · k
            lin_vars.append(np.asarray(cols, dtype=np.int64))
            lin_coefs.append(np.full(len(cols), int(w[0]), dtype=np.int64))
            continue
        if len(cols) == 1:
            k = m.get_int_var_from_proto_index(int(cols[0]))
        else:
            k = m.new_int_var(0, kmax, "")
            m.add(cp_model.LinearExpr.sum([m.get_int_var_from_proto_index(int(j)) for j in cols]) == k)
            hint.append(k_hint)
        z = m.new_int_var(0, prefix_cost(w, kmax), "")
        hint.append(prefix_cost(w, k_hint))
        for j in range(kmax):
            # the tangent of segment j → j+1, of slope w_(j+1) (0-based: w[j])
            m.add(z - int(w[j]) * k >= prefix_cost(w, j) - j * int(w[j]))
        z_vars.append(z.index)
    vars_ = np.concatenate(lin_vars + [np.asarray(z_vars, dtype=np.int64)])
    coefs_ = np.concatenate(lin_coefs + [np.ones(len(z_vars), dtype=np.int64)])
    proto.objective.vars.extend(vars_.tolist())
    proto.objective.coeffs.extend(coefs_.tolist())
    assert len(hint) == len(proto.variables)
    m.clear_hints()
    proto.solution_hint.vars.extend(range(len(hint)))
    proto.solution_hint.values.extend(hint)
    return m, hinted_cost


def destination_groups(ctx, ref) -> list[np.ndarray]:
    """Per (sending school, receiving school, subject): the searched model's variables summing to who goes.

    On the reformulated model a block's rows to one destination are its flow ``f[B, s]``; other rows are their
    own (kept) variables.
    """
    mp = ctx.model_pairs
    cols = np.asarray(ctx.x_index, dtype=np.int64)
    if ref is not None:
        new = np.full(ref.n_old, -1, dtype=np.int64)
        new[ref.kept] = np.arange(len(ref.kept))
        new[ref.cell_col] = ref.f_start[ref.cell_block] + ref.cell_d
        cols = new[cols]
    subj = pd.factorize(mp["subject"])[0]
    key = pd.DataFrame({"a": mp["from_s"].to_numpy(), "s": mp["s"].to_numpy(), "j": subj, "col": cols})
    key = key.drop_duplicates("col").sort_values(["a", "s", "j", "col"], kind="stable")
    group = key.groupby(["a", "s", "j"], sort=False).ngroup().to_numpy()
    cuts = np.flatnonzero(np.diff(group)) + 1
    return np.split(key["col"].to_numpy(dtype=np.int64), cuts) if len(key) else []


def with_groups_fixed(model: cp_model.CpModel, groups: list[np.ndarray],
                      values: np.ndarray) -> cp_model.CpModel:
    """A copy of ``model`` where every group's sum keeps its value in ``values`` (the neighbourhood)."""
    m = model.clone()
    proto = m.proto
    for cols in groups:
        ct = proto.constraints.add()
        ct.linear.vars.extend(cols.tolist())
        ct.linear.coeffs.extend([1] * len(cols))
        v = int(np.asarray(values)[cols].sum())
        ct.linear.domain.extend([v, v])
    return m

"""The published tie order: who rotates when two plans are equally good.

Among plans of equal objective the solver's choice would be arbitrary, and a publicity list (公示) cannot
say "the solver chose". So every plan follows a stated order of the teachers, applied as a last
lexicographic level below the objective (never a weight that could trade against it):

    among the plans of the best objective, the plan minimises  Σ_{t rotated} (position(t) + 1)

where ``position`` is each teacher's place (0 = first) in the order below. Two consequences a teacher can
check: of two teachers who could take the same place at the same cost, the one earlier in the order
rotates; and no teacher is moved whom an equally good plan, otherwise the same, leaves in place.

The order is

1. the policy's own ordering principles (``priority_keys``, e.g. 先骨干后普通, youngest first), when it
   states them;
2. then the documented default: mandatory before eligible (应交流 before 可交流), more years at the current
   school first, then the teacher id (ascending) — so the order is strict and never follows roster order.

:meth:`TieOrder.decide` says, in English and Chinese, which key puts one teacher before another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .rules import priority

__all__ = ["TieOrder", "DEFAULT_KEYS", "KEY_ZH"]

#: the default keys, after the policy's own principles
DEFAULT_KEYS = ("mandatory_first", "most_years_at_school_first", "teacher_id")

#: each key as the summary prints it (English, Chinese)
KEY_WORDS = {
    "teachers_before_leaders": ("teachers before cadres (先教师后干部)", "先教师后干部"),
    "leaders_before_teachers": ("principals and middle leaders first (带头流动)", "干部带头先流动"),
    "primary_before_junior": ("primary-school staff before junior-middle staff (先小学后初中)",
                              "先小学后初中"),
    "backbone_before_ordinary": ("backbone before ordinary teachers (先骨干后普通)", "先骨干后普通"),
    "no_rural_experience_first": ("teachers without rural or weak-school service first",
                                  "无农村或薄弱学校任教经历者优先"),
    "honours_first": ("holders of a county-or-higher honour first", "获县级以上荣誉者优先"),
    "volunteers_first": ("volunteers first (自愿)", "自愿者优先"),
    "substandard_credentials_first": ("teachers whose qualification or degree is below standard first",
                                      "学历或资格未达标者优先"),
    "no_prior_support_first": ("teachers who never did support teaching first", "未曾支教者优先"),
    "youngest_first": ("youngest first", "按年龄从小到大"),
    "mandatory_first": ("mandatory before eligible (应交流先于可交流)", "应交流人员先于可交流人员"),
    "most_years_at_school_first": ("more years at the current school first", "在本校任教年限长者优先"),
    "teacher_id": ("teacher id, ascending", "按教师编号顺序"),
}
KEY_ZH = {k: zh for k, (_, zh) in KEY_WORDS.items()}

#: what the favoured side of a yes/no principle is (English, Chinese), for the sentence that decides
_FAVOURED = {
    "teachers_before_leaders": ("is a teacher, not a cadre", "为普通教师（非干部）"),
    "leaders_before_teachers": ("is a principal or middle leader", "为学校干部"),
    "primary_before_junior": ("works at a primary school", "在小学任教"),
    "backbone_before_ordinary": ("is a backbone teacher", "为骨干教师"),
    "no_rural_experience_first": ("has no rural or weak-school service", "无农村或薄弱学校任教经历"),
    "honours_first": ("holds a county-or-higher honour", "获县级以上荣誉"),
    "volunteers_first": ("volunteered", "为自愿报名者"),
    "substandard_credentials_first": ("has a qualification or degree below standard", "学历或资格未达标"),
    "no_prior_support_first": ("never did support teaching", "未曾支教"),
    "mandatory_first": ("must rotate (mandatory)", "属应交流人员"),
}


@dataclass
class TieOrder:
    """The published tie order of one roster under one policy.

    Attributes
    ----------
    keys : list of str
        The keys, most important first (the policy's principles, then :data:`DEFAULT_KEYS`).
    values : ndarray
        ``n_teachers × len(keys)``: each teacher's value of each key, smaller first.
    position : ndarray
        Each teacher's place in the order (0 = first, strict).
    teacher_id, age, years : ndarray
        What the sentences quote.
    """

    keys: list
    values: np.ndarray
    position: np.ndarray
    teacher_id: np.ndarray
    age: np.ndarray
    years: np.ndarray

    @classmethod
    def of(cls, teachers: pd.DataFrame, schools: pd.DataFrame, policy_keys=(),
           status: np.ndarray | None = None) -> TieOrder:
        """The order of ``teachers`` (a roster, or ``ctx.teachers``) under the policy's ``priority_keys``.

        ``status`` is the eligibility status per teacher (``mandatory`` first); without it every teacher
        counts as eligible.

        Examples
        --------
        >>> t = pd.DataFrame({"teacher_id": ["B", "A", "C"], "school_id": "S1", "role": "teacher",
        ...                   "backbone": [False, False, True], "age": [30, 41, 35], "gender": "F",
        ...                   "years_at_school": [6, 9, 9]})
        >>> o = TieOrder.of(t, pd.DataFrame({"school_id": ["S1"]}))
        >>> o.position.tolist()
        [2, 0, 1]
        >>> o.decide(1, 0)[0]
        'A has more years at this school (9 vs 6)'
        """
        keys = [k for k in policy_keys if k in priority.KEYS] + list(DEFAULT_KEYS)
        own = [k for k in keys if k in priority.KEYS]
        n = len(teachers)
        cols = [priority.key_values(teachers, schools, own)] if own else []
        status = np.asarray(status if status is not None else np.full(n, "eligible"), dtype=object)
        years = pd.to_numeric(teachers.get("years_at_school", pd.Series(0.0, index=teachers.index)),
                              errors="coerce").fillna(0.0).to_numpy(dtype=float)
        ids = teachers["teacher_id"].astype(str).to_numpy()
        _, id_rank = np.unique(ids, return_inverse=True)
        default = np.column_stack([(status != "mandatory").astype(np.int64),
                                   -np.round(years * 100).astype(np.int64),
                                   id_rank.astype(np.int64)])
        values = np.column_stack(cols + [default]) if cols else default
        order = np.lexsort(values.T[::-1])
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        age = pd.to_numeric(teachers.get("age", pd.Series(np.nan, index=teachers.index)),
                            errors="coerce").to_numpy(dtype=float)
        return cls(keys, values, pos, ids, age, years)

    @classmethod
    def of_context(cls, ctx) -> TieOrder:
        """The order of a formulation's roster (its policy's principles and its eligibility)."""
        keys = ctx.policy.rule("priority").priority_keys if "priority" in ctx.policy.rules else []
        return cls.of(ctx.teachers, ctx.schools, keys, ctx.elig["status"].to_numpy())

    def weights(self) -> np.ndarray:
        """The last level's cost of rotating each teacher: ``position + 1``."""
        return self.position + 1

    def cost(self, rotated: np.ndarray) -> int:
        """The last level's cost of a plan: Σ (position + 1) over the rotated teachers (mask or index)."""
        return int(self.weights()[rotated].sum())

    def describe(self) -> tuple[str, str]:
        """The order as the plan summary and the 公示 workbook print it (English, Chinese)."""
        en = ("ties between equally good plans are broken by a published order: "
              + "; then ".join(KEY_WORDS[k][0] for k in self.keys)
              + " (the plan moves the teachers with the smallest total position in this order)")
        zh = ("同等优劣的方案按公布的顺序取舍：" + "，其次".join(KEY_WORDS[k][1] for k in self.keys)
              + "（方案选择在此顺序中位次之和最小的教师交流）")
        return en, zh

    def deciding_key(self, a: int, b: int) -> str:
        """The first key on which teacher ``a`` and teacher ``b`` differ."""
        diff = np.flatnonzero(self.values[a] != self.values[b])
        return self.keys[int(diff[0])] if len(diff) else "teacher_id"

    def decide(self, a: int, b: int) -> tuple[str, str]:
        """Why teacher ``a`` comes before teacher ``b`` (``a`` must be earlier), in English and Chinese."""
        k = self.deciding_key(a, b)
        ta = self.teacher_id[a]
        if k == "youngest_first":
            return (f"{ta} is younger ({self.age[a]:g} vs {self.age[b]:g}; youngest first)",
                    f"{ta} 更年轻（{self.age[a]:g} 岁，本人 {self.age[b]:g} 岁；按年龄从小到大）")
        if k == "most_years_at_school_first":
            return (f"{ta} has more years at this school ({self.years[a]:g} vs {self.years[b]:g})",
                    f"{ta} 在本校任教年限更长（{self.years[a]:g} 年，本人 {self.years[b]:g} 年）")
        if k == "teacher_id":
            return (f"{ta} comes first by teacher id (all other keys equal)",
                    f"其余条件相同，按教师编号 {ta} 在前")
        en, zh = _FAVOURED[k]
        return (f"{ta} {en} ({KEY_WORDS[k][0]})", f"{ta} {zh}（{KEY_WORDS[k][1]}）")

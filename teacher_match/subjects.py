"""Subject vocabulary: canonical subject names, their Chinese names and the spellings rosters use.

Rosters write a subject with its stage (小学语文, 初中数学, 数学(初中), 高中英语), in full-width
characters, or in a free English spelling (Maths, P.E.). :func:`normalize_subject` maps each to one
canonical name, so that a ``初中数学`` teacher fills a ``math`` need. Teachers and needs carry no stage
column, so a stripped stage is not kept (a school's stage is in the schools table). A spelling outside this
vocabulary is kept as written and reported as a warning with :func:`closest_subject`: it may be a local
subject (舞蹈, 围棋) or a typo.
No solver code lives here.

Examples
--------
>>> [normalize_subject(s) for s in ["初中数学", "数学（初中）", "Maths", "ＰＥ", "体育与健康", "思品"]]
['math', 'math', 'math', 'pe', 'pe', 'morality']
>>> normalize_subject("舞蹈"), is_known_subject("舞蹈")
('舞蹈', False)
"""

from __future__ import annotations

import difflib
import re
import unicodedata

__all__ = ["SUBJECT_ZH", "SUBJECT_ALIASES", "KNOWN_SUBJECTS", "normalize_subject", "is_known_subject",
           "closest_subject"]

#: canonical subject -> its Chinese name (the complete vocabulary: every subject the schema accepts)
SUBJECT_ZH = {
    "chinese": "语文", "math": "数学", "english": "英语", "science": "科学",
    "physics": "物理", "chemistry": "化学", "biology": "生物", "geography": "地理",
    "history": "历史", "morality": "道德与法治", "pe": "体育", "music": "音乐", "art": "美术",
    "it": "信息技术", "psychology": "心理健康", "labour": "劳动", "practice": "综合实践",
    "calligraphy": "书法",
}

#: accepted spelling (NFKC, lower case, single spaces) -> canonical subject; the canonical names and the
#: Chinese names of SUBJECT_ZH are added below
SUBJECT_ALIASES = {
    "外语": "english", "英文": "english", "体育与健康": "pe", "信息科技": "it", "计算机": "it",
    "信息": "it", "道法": "morality", "思想品德": "morality", "思品": "morality",
    "政治": "morality", "品德与社会": "morality", "品德与生活": "morality",
    "思想政治": "morality", "道德与法制": "morality", "生物学": "biology", "心理": "psychology",
    "心理健康教育": "psychology", "综合实践活动": "practice", "劳动教育": "labour",
    "劳动技术": "labour", "艺术": "art", "绘画": "art",
    "physical education": "pe", "p.e.": "pe", "p.e": "pe", "sports": "pe", "sport": "pe",
    "physical education and health": "pe", "information technology": "it", "ict": "it",
    "computer": "it", "computing": "it", "computer science": "it", "maths": "math",
    "mathematics": "math", "chinese language": "chinese", "english language": "english",
    "fine art": "art", "fine arts": "art", "arts": "art", "morality and law": "morality",
    "moral education": "morality", "ethics": "morality", "politics": "morality", "labor": "labour",
    "general science": "science", "psychological health": "psychology",
    "comprehensive practice": "practice",
}
SUBJECT_ALIASES.update({name: name for name in SUBJECT_ZH})
SUBJECT_ALIASES.update({zh: name for name, zh in SUBJECT_ZH.items()})
#: canonical subject names
KNOWN_SUBJECTS = frozenset(SUBJECT_ZH)
assert set(SUBJECT_ALIASES.values()) == KNOWN_SUBJECTS

#: stage words before or after a subject (小学语文, 数学(初中), junior math); not kept (see module doc)
_STAGE = r"(?:小学|初中|初级中学|高中|高级中学|中学|九年一贯制?|幼儿园|primary|junior|senior|middle|high)"
_STAGE_PREFIX = re.compile(rf"^{_STAGE}(?:\s*school)?\s*[-_/·:]?\s*")
_STAGE_SUFFIX = re.compile(rf"\s*(?:[-_/·:]\s*{_STAGE}|[(\[]\s*{_STAGE}(?:\s*school)?\s*[)\]])$")
#: words around a subject that do not change it (数学学科, 数学课, 数学教师, maths teacher)
_NOISE = re.compile(r"(?:学科|课程|课|教师|老师)$|\s+(?:teacher|lessons?)$")


def _canon(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()  # full-width letters and brackets to half-width
    return re.sub(r"\s+", " ", text).lower()


def normalize_subject(value: object) -> str:
    """The canonical subject of a roster's spelling, or the spelling itself (folded) when it is unknown.

    Full-width characters are folded (NFKC), stage prefixes and suffixes removed (小学, 初中, 高中, (初中)),
    and the remaining word looked up in :data:`SUBJECT_ALIASES`.
    """
    text = _canon(value)
    if text in SUBJECT_ALIASES:
        return SUBJECT_ALIASES[text]
    core = text
    for _ in range(2):  # a stage before and a noise word after: 初中数学教师
        core = _STAGE_SUFFIX.sub("", _STAGE_PREFIX.sub("", core)).strip()
        core = _NOISE.sub("", core).strip() or core
        if core in SUBJECT_ALIASES:
            return SUBJECT_ALIASES[core]
    return text


def is_known_subject(value: object) -> bool:
    """Whether a spelling names one of the canonical subjects."""
    return normalize_subject(value) in KNOWN_SUBJECTS


def closest_subject(value: object) -> str | None:
    """The known subject closest to an unknown spelling (difflib over every accepted spelling), or None."""
    text = _canon(value)
    close = difflib.get_close_matches(text, list(SUBJECT_ALIASES), n=1, cutoff=0.5)
    if not close:
        # a Chinese spelling sharing a character with a known one (体操 → 体育) is a useful hint, too
        shared = [k for k in SUBJECT_ALIASES if not k.isascii() and set(k) & set(text)]
        close = sorted(shared, key=lambda k: (-len(set(k) & set(text)), len(k)))[:1]
    return SUBJECT_ALIASES[close[0]] if close else None

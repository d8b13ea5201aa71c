"""Before against after: compare two analyses of the same runner (``runform compare``).

The stage reads analysis documents only (``runform.analysis/1``), like the findings, the
report and the plan. :func:`compare_analyses` is pure: two dicts in, the comparison
document (``runform.compare/1``) out. :func:`write_compare` reads two analysis folders or
files and writes ``compare.json``, ``compare.html``, ``compare.pdf``, the side-by-side
video ``compare.mp4`` and key-frame stills side by side. See ``docs/compare.md``.

Examples
--------
>>> from runform.compare import compare_analyses, write_compare        # doctest: +SKIP
>>> doc = compare_analyses(before_dict, after_dict)                     # doctest: +SKIP
>>> doc["summary"]["headline"]                                          # doctest: +SKIP
'No real change: every difference is within the smallest change these videos can detect.'
>>> write_compare("first/", "retest/", "compare/").paths["html"]        # doctest: +SKIP
PosixPath('compare/compare.html')
"""

from runform.compare.document import SCHEMA_ID, compare_analyses
from runform.compare.load import Session, load_session
from runform.compare.outputs import CompareOutputs, write_compare

__all__ = [
    "SCHEMA_ID",
    "CompareOutputs",
    "Session",
    "compare_analyses",
    "load_session",
    "write_compare",
]

"""The claims in vector form, checked before they are exported.

Each vector form is read as a row of a file is: lowered entry by entry
(derive.meaning.lower, shapes first), decided on the report's network and proved
for all widths. An exported vector form is never one derive did not check.
"""

from __future__ import annotations

from checks.derivation import check_text
from checks.results import Report, StepResult

__all__ = ["vector_forms"]


def vector_forms(report: Report) -> dict[str, StepResult]:
    """Claim id -> the check of its vector form, for each claim of ``report`` that has one."""
    claims = [r.claim for r in report.results if r.claim.vector]
    if not claims:
        return {}
    text = "\n\n".join(f"$$\n{c.vector}\n$$" for c in claims)
    checked = check_text(text, "vector forms", (report.net,), report.settings).results
    by_text = {r.step.text: r for r in checked}  # one row, one equation each
    return {c.id: by_text[c.vector] for c in claims}

"""Which exercises, and how they fill two session templates (rules 2-5 of
:mod:`runform.plan.generator`).

Each library exercise is scored against the focus findings, fitted to the runner
(equipment, spared body parts, level: swapped for an easier or home variant, or dropped),
and placed coverage first: every focus finding gets its best exercise before anything
else, the strongest go in every session, and each template gets one exercise of every
phase where the minutes and the per-category caps allow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from runform.plan.library import LEVELS, MAINTENANCE, Exercise, Library
from runform.plan.model import Focus
from runform.plan.profile import Profile
from runform.plan.progression import N_WEEKS, SWITCH_WEEK, WeekDose, week_dose
from runform.plan.wording import UPKEEP_GROUP

KEY_SHARE = 0.75
N_TEMPLATES = 2
MAINTENANCE_TIEBREAK = 0.01
PHASE_OF: dict[str, str] = {
    "mobility": "activation",
    "activation": "activation",
    "strength": "strength",
    "core": "strength",
    "drill": "drills",
    "stretch": "stretch",
}
PHASES: tuple[str, ...] = ("activation", "strength", "drills", "stretch")
CATEGORY_ORDER: tuple[str, ...] = ("mobility", "activation", "strength", "core", "drill", "stretch")
CATEGORY_CAP: dict[str, int] = {
    "mobility": 1,
    "activation": 2,
    "strength": 3,
    "core": 1,
    "drill": 3,
    "stretch": 2,
}
MAX_EXERCISES_PER_SESSION = 8
UPKEEP_FILL_SHARE = 0.6  # general-upkeep exercises fill a session only up to this share


@dataclass
class Candidate:
    """An exercise chosen for the plan (possibly standing in for a library entry)."""

    exercise: Exercise
    source: Exercise
    score: float
    findings: tuple[str, ...]
    switch_to: Exercise | None
    why: str = ""
    note: str = ""
    group: str = UPKEEP_GROUP
    lead_side: str = ""

    def relevance(self, target: str) -> int:
        return max(self.exercise.relevance(target), self.source.relevance(target))

    def dose(self, week: int) -> tuple[Exercise, WeekDose]:
        if self.switch_to is not None and week >= SWITCH_WEEK:
            return self.switch_to, week_dose(self.switch_to.dose, week, switched=True)
        return self.exercise, week_dose(self.exercise.dose, week)

    @property
    def max_seconds(self) -> float:
        return max(self.dose(week)[1].seconds for week in range(1, N_WEEKS + 1))

    @property
    def category(self) -> str:
        return self.exercise.category

    @property
    def phase(self) -> str:
        return PHASE_OF[self.exercise.category]


@dataclass
class Template:
    """A session blueprint filled under the minute budget and category caps."""

    budget_s: float
    items: list[Candidate] = field(default_factory=list)

    @property
    def used_s(self) -> float:
        return sum(item.max_seconds for item in self.items)

    def has(self, cand: Candidate) -> bool:
        return any(item.exercise.id == cand.exercise.id for item in self.items)

    def has_phase(self, phase: str) -> bool:
        return any(item.phase == phase for item in self.items)

    def fits(self, cand: Candidate) -> bool:
        if self.has(cand) or len(self.items) >= MAX_EXERCISES_PER_SESSION:
            return False
        same = sum(1 for item in self.items if item.category == cand.category)
        if same >= CATEGORY_CAP[cand.category]:
            return False
        return self.used_s + cand.max_seconds <= self.budget_s + 1e-9


def _eligible(ex: Exercise, profile: Profile, max_level: int) -> bool:
    if ex.level_rank > max_level:
        return False
    if ex.equipment and not set(ex.equipment) & set(profile.equipment):
        return False
    return not set(ex.loads) & set(profile.spare)


def _resolve(ex: Exercise, library: Library, profile: Profile) -> Exercise | None:
    """``ex`` itself if it fits the runner, else its easier variants, then its alternatives."""
    queue, seen = [ex.id], set()
    while queue:
        current = library[queue.pop(0)]
        if current.id in seen:
            continue
        seen.add(current.id)
        if _eligible(current, profile, profile.level_rank):
            return current
        queue.extend(current.regressions)
        queue.extend(current.alternatives)
    return None


def _switch_target(ex: Exercise, library: Library, profile: Profile) -> Exercise | None:
    for other_id in ex.progressions:
        other = library[other_id]
        if _eligible(other, profile, min(profile.level_rank + 1, len(LEVELS) - 1)):
            return other
    return None


def substitution_note(source: Exercise, chosen: Exercise, profile: Profile) -> str:
    if source.id == chosen.id:
        return ""
    if source.equipment and not set(source.equipment) & set(profile.equipment):
        reason = "you have no " + " or ".join(e.replace("_", " ") for e in source.equipment)
    elif set(source.loads) & set(profile.spare):
        spared = sorted(set(source.loads) & set(profile.spare))
        reason = "it spares your " + " and ".join(p.replace("_", " ") for p in spared)
    else:
        reason = f"it suits the {profile.level} level"
    return f"In place of {source.name}, because {reason}."


def why_text(cand: Candidate, focus_by_id: Mapping[str, Focus]) -> str:
    purpose = cand.exercise.purpose.rstrip(".")
    purpose = purpose[0].upper() + purpose[1:]
    if not cand.findings:
        return f"General upkeep: {purpose}."
    reasons = [focus_by_id[f].plain for f in cand.findings[:2]]
    return f"Because {' and '.join(reasons)}. {purpose}."


def leading_side(cand: Candidate, focus_by_id: Mapping[str, Focus]) -> str:
    """The side to start each set with: that of the one-sided finding it is listed under,
    else of the first other one-sided finding it serves (used for one-sided doses only)."""
    for fid in sorted(cand.findings, key=lambda f: f != cand.group):
        side = focus_by_id[fid].side
        if side in ("left", "right"):
            return side
    return ""


def side_note(side: str, per: str | None) -> str:
    if not side or not per:
        return ""
    return f"The {side} side showed this more: start each set with the {side} {per}."


def select_candidates(
    library: Library, profile: Profile, focus: Sequence[Focus]
) -> tuple[list[Candidate], list[str]]:
    """Exercises for the plan, best first, one variant per movement; plus unserved focus ids."""
    if focus:
        weights = {f.id: f.priority for f in focus}
        weights[MAINTENANCE] = MAINTENANCE_TIEBREAK
    else:
        weights = {MAINTENANCE: 1.0}

    def score(ex: Exercise) -> float:
        return sum(w * ex.relevance(t) for t, w in weights.items())

    ranked = sorted(library.values(), key=lambda ex: (-score(ex), ex.order))
    used_groups: set[str] = set()
    chosen: list[Candidate] = []
    for source in ranked:
        source_score = score(source)
        if source_score <= 0 or library.group(source.id) in used_groups:
            continue
        exercise = _resolve(source, library, profile)
        if exercise is None:
            continue
        used_groups.add(library.group(source.id))
        cand = Candidate(
            exercise=exercise,
            source=source,
            score=source_score,
            findings=(),
            switch_to=_switch_target(exercise, library, profile),
        )
        cand.findings = tuple(f.id for f in focus if cand.relevance(f.id) > 0)
        chosen.append(cand)
    served = {fid for cand in chosen for fid in cand.findings}
    unserved = [f.id for f in focus if f.id not in served]
    return chosen, unserved


def _coverage_first(cands: list[Candidate], focus: Sequence[Focus]) -> list[Candidate]:
    """Each focus finding's best exercise, in the findings' priority order."""
    first: list[Candidate] = []
    for f in focus:
        options = [c for c in cands if c.relevance(f.id) > 0 and c not in first]
        if options:
            first.append(max(options, key=lambda c: (c.relevance(f.id), c.score, -c.source.order)))
    return first


def _place(cand: Candidate, templates: list[Template], everywhere: bool) -> None:
    if everywhere:
        for template in templates:
            if template.fits(cand):
                template.items.append(cand)
        return
    order = sorted(
        range(len(templates)),
        key=lambda i: (-(templates[i].budget_s - templates[i].used_s), len(templates[i].items), i),
    )
    for i in order:
        if templates[i].fits(cand):
            templates[i].items.append(cand)
            return


def _balance(templates: list[Template], options_in_order: list[Candidate]) -> None:
    """Give each template one exercise of every phase it lacks, preferring unused ones."""
    for template in templates:
        for phase in PHASES:
            if template.has_phase(phase):
                continue
            options = [c for c in options_in_order if c.phase == phase and template.fits(c)]
            unused = [c for c in options if not any(t.has(c) for t in templates)]
            pick = (unused or options or [None])[0]
            if pick is not None:
                template.items.append(pick)


def build_templates(cands: list[Candidate], focus: Sequence[Focus], minutes: int) -> list[Template]:
    """Fill the A/B session templates.

    Order of placement: each focus finding's best exercise; the key exercises (score ≥
    :data:`KEY_SHARE` of the best) in every template; a targeted exercise for each phase a
    template lacks; the other targeted exercises by score; a general-upkeep exercise for
    each phase still missing; and more upkeep, which in a targeted plan only fills a
    template while it is under :data:`UPKEEP_FILL_SHARE` of its minutes.
    """
    templates = [Template(budget_s=minutes * 60.0) for _ in range(N_TEMPLATES)]
    top = max((c.score for c in cands), default=0.0)
    key_threshold = KEY_SHARE * top if focus else float("inf")
    coverage = _coverage_first(cands, focus)
    ordered = coverage + [c for c in cands if c not in coverage]

    def is_key(cand: Candidate) -> bool:
        return cand.score >= key_threshold

    for cand in coverage:
        _place(cand, templates, everywhere=is_key(cand))
    for cand in ordered:
        if is_key(cand):
            _place(cand, templates, everywhere=True)
    targeted = [c for c in ordered if c.findings]
    _balance(templates, targeted)
    for cand in targeted:
        if not any(t.has(cand) for t in templates):
            _place(cand, templates, everywhere=False)
    _balance(templates, ordered)
    for cand in ordered:
        if cand.findings or any(t.has(cand) for t in templates):
            continue
        share = UPKEEP_FILL_SHARE if focus else 1.0
        roomy = [t for t in templates if t.used_s < share * t.budget_s]
        _place(cand, roomy, everywhere=False)
    for template in templates:
        template.items.sort(
            key=lambda c: (CATEGORY_ORDER.index(c.category), -c.score, c.source.order)
        )
    return templates

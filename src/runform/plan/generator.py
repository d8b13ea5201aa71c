"""Build a six-week plan from findings and a profile.

The rules (also in ``docs/plan.md``):

1. **Focus.** Each finding's priority is severity × confidence; findings below
   :data:`FOCUS_THRESHOLD` are left out. No finding left → a *maintenance* plan.
2. **Scoring.** An exercise scores Σ priority × relevance over the focus findings (relevance
   1–3 from the library), plus a small maintenance term that only breaks ties.
3. **Fitting the runner.** Exercises go in best score first, one variant per movement. A
   variant that needs missing equipment, loads a spared body part or is above the runner's
   level is swapped for its easier variant (regressions), then its home alternative; if
   none fits, the movement is dropped.
4. **Coverage first.** Each focus finding, in priority order, gets its best exercise
   before anything else is placed; the strongest exercises (score ≥ 75 % of the best)
   go in every session.
5. **Balanced sessions.** Two alternating session templates (A, B). Each gets, where
   possible, one exercise of every phase (activation → strength → drills → stretch), then
   the rest by score, within per-category caps and the minutes: every exercise is costed
   at its heaviest week, so no week runs over.
6. **Progression.** Doses climb through each exercise's range (weeks 1, 2, 3, 5, 6); week 4
   is a lighter consolidation week; in week 5 an exercise moves to its harder variant when
   that fits the equipment, spared parts and level (one step above the runner's level is
   allowed by then), restarting at the low dose.
7. **Re-test.** The last session of week 6 is a re-test: warm-up exercises, then filming the
   same way as before, ``runform analyze`` and ``runform compare`` with the first analysis.
8. **Groups.** Each exercise is listed under the focus finding it serves most (priority ×
   relevance); the reason, the runner's numbers and the re-test target are given once per
   group. Exercises serving no finding form the general-upkeep group.
9. **The runner's numbers.** With the analysis at hand, drill settings come from the
   runner's own values (the metronome at their cadence + 5 %, up to + 10 % from week 5)
   and each group shows what was measured; without them the wording is generic.
10. **Determinism.** No randomness; ties are broken by library order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runform.errors import InputError
from runform.plan.lessons import lessons_for_week
from runform.plan.library import (
    FINDING_IDS,
    LEVELS,
    MAINTENANCE,
    Exercise,
    Library,
    load_library,
)
from runform.plan.model import Focus, Group, GroupItem, Plan, PlannedExercise, Session, Week
from runform.plan.profile import Profile, profile_from_options
from runform.plan.progression import N_WEEKS, SWITCH_WEEK, WeekDose, week_dose
from runform.plan.schedule import choose_weekdays, session_dates
from runform.plan.targets import Measurements, exercise_target, finding_numbers

FOCUS_THRESHOLD = 0.05
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
RETEST_BLOCK_MINUTES = 15.0  # easy warm-up run + filming

FINDING_PLAIN: dict[str, str] = {
    "limited_extension": "your thigh does not travel far behind your body at push-off",
    "weak_drive": "your push from the hip into the ground looks weak",
    "forced_extension": "your leg gets behind you by arching the back or leaning the trunk back",
    "overstriding": "your foot lands well ahead of your body",
    "heel_recovery_low": "your heel stays low as the leg swings through",
    "heel_recovery_high": "your heel is pulled up higher than your speed needs",
    "low_cadence": "your step rate is low for your speed",
    "high_vertical_oscillation": "you bounce up and down a lot at each step",
    "trunk_lean_forward": "your trunk leans forward a lot",
    "trunk_lean_backward": "your trunk leans back",
    "stiff_landing": "your knee bends little as the foot lands (a stiff landing)",
    "asymmetry": "your left and right legs move differently",
}
FINDING_TITLES: dict[str, str] = {
    "limited_extension": "Limited thigh extension",
    "weak_drive": "Weak hip drive",
    "forced_extension": "Forced extension",
    "overstriding": "Overstriding",
    "heel_recovery_low": "Low heel recovery",
    "heel_recovery_high": "High heel recovery",
    "low_cadence": "Low cadence",
    "high_vertical_oscillation": "High vertical bounce",
    "trunk_lean_forward": "Forward trunk lean",
    "trunk_lean_backward": "Backward trunk lean",
    "stiff_landing": "Stiff landing",
    "asymmetry": "Left-right asymmetry",
}
#: Why the plan's exercises work on each finding: said once, at the head of its group.
FINDING_APPROACH: dict[str, str] = {
    "limited_extension": "Glute and hamstring strength and a supple front of the hip make "
    "extension available; the drills let the leg finish behind you through the push, never "
    "by reaching back for it.",
    "weak_drive": "Hip-extensor strength and drills that push the ground down and back under "
    "the hips build the drive. It matters more the faster you run: the hip's share of the "
    "work grows with speed (Schache 2015; Dorn 2012).",
    "forced_extension": "Core work keeps the pelvis and lower back still while the leg moves, "
    "and the hip-flexor stretches are done with a flat back, so extension comes from the "
    "hip rather than from arching (Schache 2000).",
    "overstriding": "A slightly quicker step brings the landing closer under the hip: a "
    "5–10 % higher step rate lowered step length, braking and knee load (Heiderscheit "
    "2011). The drills teach landing under the body.",
    "heel_recovery_low": "The heel rises by itself when the knee relaxes after push-off; the "
    "hamstrings are quiet then (Schache 2013), so the drills teach a loose fold, not a pull.",
    "heel_recovery_high": "A relaxed lower leg and drills that bring the foot forward under "
    "the hip save the effort of pulling the heel up.",
    "low_cadence": "Quicker, shorter steps at the same speed: a 5–10 % higher step rate "
    "lowered bounce, braking and knee load (Heiderscheit 2011).",
    "high_vertical_oscillation": "A slightly higher step rate reduces bounce by itself "
    "(Heiderscheit 2011); calf and hip strength help direct the push forward, not up.",
    "trunk_lean_forward": "Trunk strength and tall-posture drills help you run tall and lean "
    "from the ankles rather than bend at the waist.",
    "trunk_lean_backward": "A slight lean from the ankles with a steady trunk puts the feet "
    "under the body instead of in front of it.",
    "stiff_landing": "Slow lowering strength for the thigh and calf and soft-landing drills "
    "teach the knee to give on landing (runners bend it about 46° in stance, Heiderscheit "
    "2011).",
    "asymmetry": "Single-leg work trains each side on its own, so the weaker side can catch up.",
}
UPKEEP_GROUP = "upkeep"
UPKEEP_TITLE = "General upkeep"
UPKEEP_REASON = (
    "Balanced strength, mobility and drills for the rest of your running, so every session "
    "covers each phase."
)
MAINTENANCE_REASON = (
    "Nothing in your analysis needs specific work: these keep you strong, mobile and "
    "well-drilled, so your form stays as it is."
)
WEEK_THEMES: dict[int, tuple[str, str]] = {
    1: ("Learn", "Low doses: learn each movement and its cues."),
    2: ("Build", "A little more volume; keep the technique."),
    3: ("Build", "More repetitions or distance, and an extra set where the range allows."),
    4: (
        "Consolidate",
        "Lighter week: fewer sets and low doses so the body absorbs the work. Focus on quality.",
    ),
    5: ("Progress", "Back to building; harder variants replace easier ones where they fit."),
    6: ("Peak and re-test", "Top doses, then the re-test: film yourself again and compare."),
}
RETEST_STEPS: tuple[str, ...] = (
    "Warm up with about 10 minutes of easy running, then do the warm-up exercises listed.",
    "Set up the camera exactly as for your first video: side view, square to your running "
    "line, at hip height, 3–5 m away, landscape, whole body in the frame from head to feet, "
    "slow motion if your phone has it.",
    "Use the same shoes, surface and pace as the first video; film 20–30 seconds on a "
    "treadmill, or several passes of at least 6–8 steps outdoors.",
    "Run runform analyze on the new video, then compare the two analyses with "
    "runform compare BEFORE AFTER --out DIR (BEFORE: your first analysis, AFTER: the new "
    "one); this week's lesson explains how to read the changes.",
)
SAFETY_NOTE = (
    "Stop any exercise that causes sharp or increasing pain, and see a physiotherapist or "
    "doctor if pain lasts; mild muscle soreness a day or two after new exercises is normal."
)
RULES: tuple[str, ...] = (
    "Findings are ranked by severity × confidence; each gets its best-matching exercise first.",
    "Every session runs activation → strength → drills → stretch and fits your minutes at "
    "its heaviest week.",
    "Doses rise through weeks 1–3, drop in the lighter week 4, and rise again to the top of "
    "each range in week 6; harder variants can start in week 5.",
    "Exercises needing equipment you do not have, loading a body part you spare, or above "
    "your level are swapped for an easier or home version, or left out.",
    "The last session of week 6 is a re-test: film yourself the same way and compare.",
)


@dataclass
class _Candidate:
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
class _Template:
    """A session blueprint filled under the minute budget and category caps."""

    budget_s: float
    items: list[_Candidate] = field(default_factory=list)

    @property
    def used_s(self) -> float:
        return sum(item.max_seconds for item in self.items)

    def has(self, cand: _Candidate) -> bool:
        return any(item.exercise.id == cand.exercise.id for item in self.items)

    def has_phase(self, phase: str) -> bool:
        return any(item.phase == phase for item in self.items)

    def fits(self, cand: _Candidate) -> bool:
        if self.has(cand) or len(self.items) >= MAX_EXERCISES_PER_SESSION:
            return False
        same = sum(1 for item in self.items if item.category == cand.category)
        if same >= CATEGORY_CAP[cand.category]:
            return False
        return self.used_s + cand.max_seconds <= self.budget_s + 1e-9


# ----------------------------------------------------------------------------- focus


def _number(finding: Mapping[str, Any], key: str) -> float:
    value = finding.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InputError(
            f"Finding {finding.get('id')!r} has {key}={value!r}; findings need a {key} "
            "between 0 and 1 (re-run `runform analyze` to regenerate them)."
        )
    return float(value)


def focus_from_findings(
    findings: Sequence[Mapping[str, Any]],
) -> tuple[tuple[Focus, ...], tuple[str, ...]]:
    """Rank findings by priority (severity × confidence).

    Returns the focus list (priority ≥ :data:`FOCUS_THRESHOLD`, highest first, ties by
    finding id) and notes about findings that were ignored.
    """
    if not isinstance(findings, Sequence) or isinstance(findings, str | bytes):
        raise InputError("The findings must be a list of finding objects (see analysis.json).")
    best: dict[str, Focus] = {}
    notes: list[str] = []
    for finding in findings:
        if not isinstance(finding, Mapping) or "id" not in finding:
            raise InputError("Each finding must be an object with an 'id' (see analysis.json).")
        fid = str(finding["id"])
        if fid not in FINDING_IDS:
            notes.append(f"The finding {fid!r} is not one the exercise library knows; ignored.")
            continue
        severity = _number(finding, "severity")
        confidence = _number(finding, "confidence")
        focus = Focus(
            id=fid,
            title=str(finding.get("title") or FINDING_TITLES[fid]),
            plain=FINDING_PLAIN[fid],
            severity=severity,
            confidence=confidence,
            priority=severity * confidence,
            side=str(finding.get("side") or "both"),
        )
        if fid not in best or focus.priority > best[fid].priority:
            best[fid] = focus
    ranked = sorted(best.values(), key=lambda f: (-f.priority, FINDING_IDS.index(f.id)))
    kept = tuple(f for f in ranked if f.priority >= FOCUS_THRESHOLD)
    return kept, tuple(notes)


# ----------------------------------------------------------------------------- selection


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


def _substitution_note(source: Exercise, chosen: Exercise, profile: Profile) -> str:
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


def _why(cand: _Candidate, focus_by_id: Mapping[str, Focus]) -> str:
    purpose = cand.exercise.purpose.rstrip(".")
    purpose = purpose[0].upper() + purpose[1:]
    if not cand.findings:
        return f"General upkeep: {purpose}."
    reasons = [focus_by_id[f].plain for f in cand.findings[:2]]
    return f"Because {' and '.join(reasons)}. {purpose}."


def _lead_side(cand: _Candidate, focus_by_id: Mapping[str, Focus]) -> str:
    """The side to start each set with: that of the one-sided finding it is listed under,
    else of the first other one-sided finding it serves (used for one-sided doses only)."""
    for fid in sorted(cand.findings, key=lambda f: f != cand.group):
        side = focus_by_id[fid].side
        if side in ("left", "right"):
            return side
    return ""


def _side_note(side: str, per: str | None) -> str:
    if not side or not per:
        return ""
    return f"The {side} side showed this more: start each set with the {side} {per}."


def select_candidates(
    library: Library, profile: Profile, focus: Sequence[Focus]
) -> tuple[list[_Candidate], list[str]]:
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
    chosen: list[_Candidate] = []
    for source in ranked:
        source_score = score(source)
        if source_score <= 0 or library.group(source.id) in used_groups:
            continue
        exercise = _resolve(source, library, profile)
        if exercise is None:
            continue
        used_groups.add(library.group(source.id))
        cand = _Candidate(
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


def _coverage_first(cands: list[_Candidate], focus: Sequence[Focus]) -> list[_Candidate]:
    """Each focus finding's best exercise, in the findings' priority order."""
    first: list[_Candidate] = []
    for f in focus:
        options = [c for c in cands if c.relevance(f.id) > 0 and c not in first]
        if options:
            first.append(max(options, key=lambda c: (c.relevance(f.id), c.score, -c.source.order)))
    return first


def _place(cand: _Candidate, templates: list[_Template], everywhere: bool) -> None:
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


def _balance(templates: list[_Template], options_in_order: list[_Candidate]) -> None:
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


def build_templates(
    cands: list[_Candidate], focus: Sequence[Focus], minutes: int
) -> list[_Template]:
    """Fill the A/B session templates.

    Order of placement: each focus finding's best exercise; the key exercises (score ≥
    :data:`KEY_SHARE` of the best) in every template; a targeted exercise for each phase a
    template lacks; the other targeted exercises by score; a general-upkeep exercise for
    each phase still missing; and more upkeep, which in a targeted plan only fills a
    template while it is under :data:`UPKEEP_FILL_SHARE` of its minutes.
    """
    templates = [_Template(budget_s=minutes * 60.0) for _ in range(N_TEMPLATES)]
    top = max((c.score for c in cands), default=0.0)
    key_threshold = KEY_SHARE * top if focus else float("inf")
    coverage = _coverage_first(cands, focus)
    ordered = coverage + [c for c in cands if c not in coverage]

    def is_key(cand: _Candidate) -> bool:
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


# ----------------------------------------------------------------------------- sessions


def _planned(cand: _Candidate, week: int, measurements: Measurements) -> PlannedExercise:
    exercise, dose = cand.dose(week)
    return PlannedExercise(
        exercise_id=exercise.id,
        name=exercise.name,
        category=exercise.category,
        phase=PHASE_OF[exercise.category],
        dose=dose,
        why=cand.why,
        findings=cand.findings,
        note=cand.note,
        group=cand.group,
        target=exercise_target(exercise.id, measurements, week),
        lead_side=cand.lead_side if exercise.dose.per else "",
    )


def _primary_group(cand: _Candidate, focus_by_id: Mapping[str, Focus]) -> str:
    """The focus finding an exercise serves most (priority × relevance; ties: focus order)."""
    if not cand.findings:
        return UPKEEP_GROUP
    return max(cand.findings, key=lambda f: focus_by_id[f].priority * cand.relevance(f))


def build_groups(
    templates: Sequence[_Template],
    focus: Sequence[Focus],
    measurements: Measurements,
    findings: Sequence[Mapping[str, Any]] = (),
) -> tuple[Group, ...]:
    """One group per focus finding (priority order) and one for general upkeep.

    Each exercise of the sessions is listed once, under its primary finding; a harder
    variant that takes over in week 5 is listed after it. A group also names the exercises
    listed elsewhere that help it (``shared``).
    """
    used: list[_Candidate] = []
    for template in templates:
        for cand in template.items:
            if cand not in used:
                used.append(cand)
    used.sort(key=lambda c: (CATEGORY_ORDER.index(c.category), -c.score, c.source.order))
    groups: list[Group] = []
    group_ids = [f.id for f in focus] + [UPKEEP_GROUP]
    for gid in group_ids:
        items: list[GroupItem] = []
        for cand in (c for c in used if c.group == gid):
            also = tuple(f for f in cand.findings if f != gid)
            switch = cand.switch_to
            items.append(
                GroupItem(
                    exercise_id=cand.exercise.id,
                    weeks=f"weeks 1–{SWITCH_WEEK - 1}" if switch else "",
                    target=exercise_target(cand.exercise.id, measurements, N_WEEKS, short=False),
                    note=" ".join(
                        part
                        for part in (cand.note, _side_note(cand.lead_side, cand.exercise.dose.per))
                        if part
                    ),
                    also=also,
                )
            )
            if switch is not None:
                items.append(
                    GroupItem(
                        exercise_id=switch.id,
                        weeks=f"weeks {SWITCH_WEEK}–{N_WEEKS}",
                        target=exercise_target(switch.id, measurements, N_WEEKS, short=False),
                        note=_side_note(cand.lead_side, switch.dose.per),
                        also=also,
                    )
                )
        if gid == UPKEEP_GROUP:
            if not items:
                continue
            reason = UPKEEP_REASON if focus else MAINTENANCE_REASON
            groups.append(
                Group(
                    id=gid,
                    title=UPKEEP_TITLE,
                    label=UPKEEP_TITLE,
                    reason=reason,
                    items=tuple(items),
                )
            )
            continue
        f = next(f for f in focus if f.id == gid)
        numbers = finding_numbers(gid, measurements, _raw_finding(findings, f))
        shared = tuple(c.exercise.id for c in used if c.group != gid and gid in c.findings)
        groups.append(
            Group(
                id=gid,
                title=f.title,
                label=FINDING_TITLES[gid],
                reason=f"{f.plain[:1].upper()}{f.plain[1:]}. {FINDING_APPROACH[gid]}",
                measured=numbers.measured,
                goal=numbers.goal,
                side=f.side,
                items=tuple(items),
                shared=shared,
            )
        )
    return tuple(groups)


def _raw_finding(findings: Sequence[Mapping[str, Any]], focus: Focus) -> Mapping[str, Any] | None:
    """The finding dict a focus entry came from (the highest-priority one of its id)."""
    for finding in findings:
        if (
            isinstance(finding, Mapping)
            and finding.get("id") == focus.id
            and _number(finding, "severity") * _number(finding, "confidence") == focus.priority
        ):
            return finding
    return None


def retest_steps(groups: Sequence[Group]) -> tuple[str, ...]:
    """The re-test steps, ending with the runner's own targets when there are any."""
    goals = [g.goal for g in groups if g.goal]
    if not goals:
        return RETEST_STEPS
    return (*RETEST_STEPS, "In the new analysis, check your targets: " + "; ".join(goals) + ".")


def _retest_session(
    template: _Template,
    number: int,
    index: int,
    day: Any,
    steps: tuple[str, ...],
    measurements: Measurements,
) -> Session:
    budget_s = template.budget_s - RETEST_BLOCK_MINUTES * 60.0
    warm_up: list[PlannedExercise] = []
    for cand in template.items:
        if cand.phase != "activation":
            continue
        item = _planned(cand, N_WEEKS, measurements)
        if item.dose.seconds <= budget_s:
            warm_up.append(item)
            budget_s -= item.dose.seconds
    return Session(
        number=number,
        week=N_WEEKS,
        index=index,
        date=day,
        kind="retest",
        title=f"Week {N_WEEKS}, session {index}: re-test",
        exercises=tuple(warm_up),
        extra_minutes=RETEST_BLOCK_MINUTES,
        steps=steps,
    )


def _plan_id(focus: Sequence[Focus], profile: Profile, start: Any) -> str:
    payload = {
        "focus": [[f.id, round(f.severity, 4), round(f.confidence, 4), f.side] for f in focus],
        "profile": {**profile.to_dict(), "start": start.isoformat()},
    }
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _coerce_profile(profile: Profile | Mapping[str, Any] | None) -> Profile:
    if profile is None:
        return Profile()
    if isinstance(profile, Profile):
        return profile
    return profile_from_options(**dict(profile))


def build_plan(
    findings: Sequence[Mapping[str, Any]],
    profile: Profile | Mapping[str, Any] | None = None,
    *,
    library: Library | None = None,
    analysis: Mapping[str, Any] | None = None,
) -> Plan:
    """Build the six-week plan for these findings and this runner.

    Parameters
    ----------
    findings
        Finding dicts as in ``analysis.json["findings"]`` (``id``, ``severity``,
        ``confidence``, ``side``, optional ``title``).
    profile
        A :class:`Profile`, a dict of :func:`profile_from_options` keywords, or ``None``
        for the defaults. Without a start date the plan starts next Monday.
    library
        Another exercise library (default: the packaged one).
    analysis
        The ``analysis.json`` dict the findings come from, if at hand: its ``summary``
        gives numbers the findings' evidence lacks (the cadence for the metronome drill).
        Without it, numbers come from the findings' evidence alone, and drills whose
        setting needs a missing number get generic wording.

    Returns
    -------
    Plan
        Six weeks of dated sessions; the same inputs always give the same plan.

    Example
    -------
    >>> plan = build_plan([{"id": "overstriding", "severity": 0.6, "confidence": 0.9,
    ...                     "side": "both"}], {"start": "2025-03-03"})
    >>> len(plan.sessions), plan.sessions[0].date.isoformat()
    (18, '2025-03-03')
    """
    profile = _coerce_profile(profile)
    library = library or load_library()
    focus, notes = focus_from_findings(findings)
    start = profile.start_date()
    focus_by_id = {f.id: f for f in focus}
    measurements = Measurements.from_analysis(analysis, findings)

    cands, unserved = select_candidates(library, profile, focus)
    for cand in cands:
        cand.why = _why(cand, focus_by_id)
        cand.group = _primary_group(cand, focus_by_id)
        cand.lead_side = _lead_side(cand, focus_by_id)
        cand.note = _substitution_note(cand.source, cand.exercise, profile)
    templates = build_templates(cands, focus, profile.minutes)
    groups = build_groups(templates, focus, measurements, findings)
    steps = retest_steps(groups)

    plan_notes = list(notes)
    for fid in unserved:
        plan_notes.append(
            f"No exercise for {FINDING_TITLES[fid].lower()} fits your equipment, level and "
            "spared body parts; a coach or physiotherapist can suggest one."
        )
    for f in focus:
        if f.id not in unserved and not any(f.id in c.findings for t in templates for c in t.items):
            plan_notes.append(
                f"{FINDING_TITLES[f.id]} gets no exercise within {profile.minutes} minutes; "
                "more minutes per session would make room for it."
            )
    if not focus:
        plan_notes.insert(
            0,
            "No finding needs work, so this is a maintenance plan: balanced strength, "
            "mobility and drills to keep your form as it is.",
        )
    plan_notes.append(SAFETY_NOTE)

    weekdays = choose_weekdays(profile.sessions_per_week, profile.avoid_days)
    dates = session_dates(start, weekdays, N_WEEKS)
    weeks: list[Week] = []
    number = 0
    for week_index, week_dates in enumerate(dates):
        week = week_index + 1
        sessions: list[Session] = []
        for index, day in enumerate(week_dates, start=1):
            template = templates[number % N_TEMPLATES]
            number += 1
            if week == N_WEEKS and index == len(week_dates):
                sessions.append(_retest_session(template, number, index, day, steps, measurements))
                continue
            letter = "AB"[(number - 1) % N_TEMPLATES]
            sessions.append(
                Session(
                    number=number,
                    week=week,
                    index=index,
                    date=day,
                    kind="training",
                    title=f"Week {week}, session {index} ({letter})",
                    exercises=tuple(_planned(c, week, measurements) for c in template.items),
                )
            )
        theme, description = WEEK_THEMES[week]
        weeks.append(
            Week(
                number=week,
                theme=theme,
                description=description,
                sessions=tuple(sessions),
                lessons=lessons_for_week(week),
            )
        )

    used_ids: list[str] = []
    for session in (s for w in weeks for s in w.sessions):
        for item in session.exercises:
            if item.exercise_id not in used_ids:
                used_ids.append(item.exercise_id)
    used_ids.sort(key=lambda i: library[i].order)
    return Plan(
        plan_id=_plan_id(focus, profile, start),
        mode="targeted" if focus else "maintenance",
        profile=profile,
        start=start,
        focus=focus,
        weeks=tuple(weeks),
        exercises=tuple(library[i] for i in used_ids),
        notes=tuple(plan_notes),
        rules=RULES,
        retest_steps=steps,
        groups=groups,
    )

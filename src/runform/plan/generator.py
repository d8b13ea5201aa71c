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
from typing import Any

from runform.errors import InputError
from runform.findings import assess_areas, no_finding_summary
from runform.plan.lessons import lessons_for_week
from runform.plan.library import (
    FINDING_IDS,
    Library,
    load_library,
)
from runform.plan.model import Focus, Group, GroupItem, Plan, PlannedExercise, Session, Week
from runform.plan.profile import Profile, profile_from_options
from runform.plan.progression import N_WEEKS, SWITCH_WEEK
from runform.plan.schedule import choose_weekdays, session_dates
from runform.plan.selection import (
    CATEGORY_ORDER,
    N_TEMPLATES,
    PHASE_OF,
    Candidate,
    Template,
    build_templates,
    leading_side,
    select_candidates,
    side_note,
    substitution_note,
    why_text,
)
from runform.plan.targets import Measurements, exercise_target, finding_numbers
from runform.plan.wording import (
    FINDING_APPROACH,
    FINDING_PLAIN,
    FINDING_TITLES,
    MAINTENANCE_REASON,
    RETEST_STEPS,
    RULES,
    SAFETY_NOTE,
    UPKEEP_GROUP,
    UPKEEP_REASON,
    UPKEEP_TITLE,
    WEEK_THEMES,
)

FOCUS_THRESHOLD = 0.05
RETEST_BLOCK_MINUTES = 15.0  # easy warm-up run + filming

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


# ----------------------------------------------------------------------------- sessions


def _planned(cand: Candidate, week: int, measurements: Measurements) -> PlannedExercise:
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


def _primary_group(cand: Candidate, focus_by_id: Mapping[str, Focus]) -> str:
    """The focus finding an exercise serves most (priority × relevance; ties: focus order)."""
    if not cand.findings:
        return UPKEEP_GROUP
    return max(cand.findings, key=lambda f: focus_by_id[f].priority * cand.relevance(f))


def build_groups(
    templates: Sequence[Template],
    focus: Sequence[Focus],
    measurements: Measurements,
    findings: Sequence[Mapping[str, Any]] = (),
) -> tuple[Group, ...]:
    """One group per focus finding (priority order) and one for general upkeep.

    Each exercise of the sessions is listed once, under its primary finding; a harder
    variant that takes over in week 5 is listed after it. A group also names the exercises
    listed elsewhere that help it (``shared``).
    """
    used: list[Candidate] = []
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
                        for part in (cand.note, side_note(cand.lead_side, cand.exercise.dose.per))
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
                        note=side_note(cand.lead_side, switch.dose.per),
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
    template: Template,
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


def _analysis_note(analysis: Mapping[str, Any] | None) -> str:
    """For a maintenance plan: what the analysis could and could not tell, in the report's
    words (areas not assessed, areas at their range's edge)."""
    if not analysis:
        return ""
    try:
        return " From your analysis: " + no_finding_summary(assess_areas(dict(analysis)))
    except InputError:
        return ""


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
        cand.why = why_text(cand, focus_by_id)
        cand.group = _primary_group(cand, focus_by_id)
        cand.lead_side = leading_side(cand, focus_by_id)
        cand.note = substitution_note(cand.source, cand.exercise, profile)
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
            "mobility and drills for every phase of the stride." + _analysis_note(analysis),
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

"""Stances into steps: pairing, the checks a running step must pass, and the reasons.

Used by :class:`runform.gait.events.FootClearanceDetector` once every stance is timed. A
contact and its toe-off make a step; each step is checked (contact time plausible, no
double support beyond a tolerance, no step or stride that spans a missed contact, a duty
factor of running, each contact where its foot's rhythm puts it) and a step that fails is
rejected with its reason, never kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from runform.gait.types import RejectedStep, Step


@dataclass(frozen=True)
class StepLimits:
    """What a running step may be (see :class:`~runform.gait.events.FootClearanceDetector`,
    whose parameters of the same names fill it)."""

    min_contact_s: float = 0.08
    max_contact_s: float = 0.60
    max_double_support_s: float = 0.06
    max_interval_ratio: float = 1.5
    duty_factor_range: tuple[float, float] = (0.12, 0.62)
    min_contact_ratio: float = 0.5
    max_rhythm_offset: float = 0.15


#: Fewer contacts than this (both feet) give no median contact time to judge a stance by
#: (:func:`reject_impossible`, :func:`~runform.gait.stances.cut_short`).
MIN_CONTACTS_FOR_MEDIAN = 4


def pair_stances(
    stances: dict,
    limits: StepLimits,
    witnesses: dict | None = None,
    lost: dict | None = None,
    stride_period: float | None = None,
) -> tuple[list[Step], list[RejectedStep]]:
    """Pair and check the stances; ``witnesses`` (side -> per stance, a list of single
    witnesses' own contacts ``(time, frame)``: the foot speed's, the knee's) may rescue
    one that overlaps the other foot's. ``lost`` (side -> mid-times of stances whose
    foot points were missing) are stances known to have happened: a step's next contact
    of that foot is not the one after them (unknown instead, so the step keeps its own
    timing and has no step or stride time that spans them). A stance rejected for a
    contact time no runner has happened too, only its timing is wrong: it counts as lost
    for the steps around it."""
    rejected: list[RejectedStep] = []
    lost = {side: list(times) for side, times in (lost or {}).items()}
    good: list[tuple] = []  # (side, tc, fc, tt, ft, conf, witnesses' contacts)
    for side, items in stances.items():
        alone = (witnesses or {}).get(side) or [[]] * len(items)
        previous_toe_off = -np.inf
        for (tc, fc, tt, ft, conf), own in sorted(
            zip(items, alone, strict=True), key=lambda pair: pair[0][0]
        ):
            if tc < previous_toe_off:
                # a foot is in one stance at a time: two windows refined onto the same
                # landing are one stance, kept once
                continue
            previous_toe_off = tt
            ct = tt - tc
            if not (limits.min_contact_s <= ct <= limits.max_contact_s):
                rejected.append(
                    RejectedStep(
                        side, tc, f"contact time {ct * 1000:.0f} ms is implausible for running"
                    )
                )
                lost.setdefault(side, []).append(0.5 * (tc + tt))
                continue
            good.append((side, tc, fc, tt, ft, conf, own))
    good.sort(key=lambda g: g[1])
    # double support: a contact before the other foot's toe-off is not running.
    kept: list[tuple] = []
    for g in good:
        if kept and kept[-1][0] == g[0]:
            # two stances of the same foot in a row: the other foot's stance was missed
            kept.append(g)
            continue
        if kept and g[1] < kept[-1][3] - limits.max_double_support_s:
            # a slow foot skimming the belt in late swing can look landed early; it has
            # not stopped sliding, nor the knee straightened for the landing yet: one
            # witness's contact alone may end the overlap
            latest = kept[-1][3] - limits.max_double_support_s
            rescue = next(
                (
                    c
                    for c in g[6]
                    if c[0] >= latest
                    and limits.min_contact_s <= g[3] - c[0] <= limits.max_contact_s
                ),
                None,
            )
            if rescue is not None:
                kept.append((g[0], rescue[0], rescue[1], *g[3:]))
                continue
            rejected.append(
                RejectedStep(g[0], g[1], "overlaps the other foot's stance (double support)")
            )
            continue
        kept.append(g)
    steps: list[Step] = []
    for i, (side, tc, fc, tt, ft, conf, _own) in enumerate(kept):
        nxt_other = next((k[1] for k in kept[i + 1 :] if k[0] != side), None)
        nxt_same = next((k[1] for k in kept[i + 1 :] if k[0] == side), None)
        # the other foot's contact must come before this foot's next contact
        if nxt_other is not None and nxt_same is not None and nxt_other > nxt_same:
            nxt_other = None
        other = "right" if side == "left" else "left"
        if nxt_same is not None and lost_between(lost, side, tt, nxt_same):
            nxt_same = None
        if nxt_other is not None and lost_between(lost, other, tc, nxt_other):
            nxt_other = None
        steps.append(
            Step(
                side=side,  # type: ignore[arg-type]
                contact_s=tc,
                toe_off_s=tt,
                contact_frame=fc,
                toe_off_frame=ft,
                next_contact_s=nxt_other,
                next_same_contact_s=nxt_same,
                confidence=float(np.clip(conf, 0.0, 1.0)),
            )
        )
    return reject_impossible(steps, rejected, limits, stride_period)


def reject_impossible(
    steps: list[Step],
    rejected: list[RejectedStep],
    limits: StepLimits,
    stride_period: float | None = None,
) -> tuple[list[Step], list[RejectedStep]]:
    """Drop steps whose timing no runner produces, with the reason.

    First the contacts themselves: a contact shorter than
    :attr:`StepLimits.min_contact_ratio` of the clip's median contact time is a stance cut
    short (the foot lost or a swing taken for a stance), not a change of pace within one
    clip; a contact more than :attr:`StepLimits.max_rhythm_offset` of a stride away from
    where its own foot's neighbouring contacts put it is mistimed
    (:func:`off_rhythm_contacts`, judged without the stances cut short). Their steps are
    rejected, and no other step's step or stride time is measured to them (it becomes
    unknown). Then the steps: a step or stride far longer than the clip's own median spans
    a contact that was not detected (a 1.5 s "stride" at 170 steps/min); a duty factor
    (contact time over stride time) outside :attr:`StepLimits.duty_factor_range` is not
    running.
    """
    # the expected stride comes from the feet's rhythm, not from the detected steps: a
    # split stance would pull a median of detected steps down and reject good steps
    med_stride = stride_period
    if med_stride is None:
        stride_t = [
            s.next_same_contact_s - s.contact_s for s in steps if s.next_same_contact_s is not None
        ]
        med_stride = float(np.median(stride_t)) if len(stride_t) >= 3 else None
    med_step = med_stride / 2.0 if med_stride is not None else None
    lo_df, hi_df = limits.duty_factor_range
    contacts = [s.contact_time_s for s in steps]
    med_contact = float(np.median(contacts)) if len(contacts) >= MIN_CONTACTS_FOR_MEDIAN else None
    untrusted: dict[tuple[str, float], str] = {}
    if med_contact is not None:
        for s in steps:
            if s.contact_time_s < limits.min_contact_ratio * med_contact:
                untrusted[(s.side, s.contact_s)] = (
                    f"contact time {s.contact_time_s * 1000:.0f} ms is less than "
                    f"{limits.min_contact_ratio:.0%} of the clip's median "
                    f"({med_contact * 1000:.0f} ms): the stance was cut short"
                )
    if med_stride is not None:
        timed = [s for s in steps if (s.side, s.contact_s) not in untrusted]
        untrusted.update(off_rhythm_contacts(timed, med_stride, limits.max_rhythm_offset))
    kept: list[Step] = []
    for s in steps:
        reason = untrusted.get((s.side, s.contact_s))
        other = "right" if s.side == "left" else "left"
        if s.next_contact_s is not None and (other, s.next_contact_s) in untrusted:
            s = replace(s, next_contact_s=None)
        if s.next_same_contact_s is not None and (s.side, s.next_same_contact_s) in untrusted:
            s = replace(s, next_same_contact_s=None)
        if reason is None and s.next_contact_s is not None and med_step is not None:
            dt = s.next_contact_s - s.contact_s
            if dt > limits.max_interval_ratio * med_step:
                reason = (
                    f"step time {dt * 1000:.0f} ms is {dt / med_step:.1f}x the median "
                    f"({med_step * 1000:.0f} ms): a contact was missed"
                )
        if reason is None and s.next_same_contact_s is not None:
            stride = s.next_same_contact_s - s.contact_s
            if med_stride is not None and stride > limits.max_interval_ratio * med_stride:
                reason = (
                    f"stride time {stride * 1000:.0f} ms is {stride / med_stride:.1f}x the "
                    f"median ({med_stride * 1000:.0f} ms): a contact was missed"
                )
            elif not (lo_df <= s.contact_time_s / stride <= hi_df):
                reason = (
                    f"duty factor {100 * s.contact_time_s / stride:.0f} % is outside running "
                    f"({100 * lo_df:.0f}–{100 * hi_df:.0f} %)"
                )
        if reason is None:
            kept.append(s)
        else:
            rejected.append(RejectedStep(s.side, s.contact_s, reason))
    return kept, rejected


def off_rhythm_contacts(
    steps: list[Step], stride_s: float, max_offset: float
) -> list[tuple[tuple[str, float], str]]:
    """Contacts too far from where their own foot's neighbouring contacts put them.

    A runner's strides vary by a few per cent within a clip, so a contact is expected
    midway between the same foot's previous and next contacts (one stride after the
    previous, or one before the next, at the ends of a run of contacts). One more than
    ``max_offset`` x ``stride_s`` from there was mistimed: a foot skimming the belt taken
    for landed, or a landing missed until late in the stance. The worst is flagged first and
    its neighbours are judged again without it, so a good contact next to a bad one is not
    blamed for it. Two contacts less than half or more than one and a half strides apart
    are not neighbours (more than that: a contact was missed between them).

    Returns ``((side, contact_s), reason)`` pairs.

    >>> from runform.gait.types import Step
    >>> steps = [Step("left", t, t + 0.25, 0, 0) for t in (0.268, 1.18, 1.90, 2.62, 3.34)]
    >>> [key for key, _ in off_rhythm_contacts(steps, 0.72, 0.15)]
    [('left', 0.268)]
    """
    flagged: list[tuple[tuple[str, float], str]] = []
    for side in ("left", "right"):
        times = [s.contact_s for s in steps if s.side == side]
        for when, off in off_rhythm_times(times, stride_s, max_offset):
            flagged.append(
                (
                    (side, when),
                    f"contact is {abs(off) * 1000:.0f} ms {'early' if off < 0 else 'late'} "
                    f"for this foot's rhythm (a stride of {stride_s * 1000:.0f} ms): it was "
                    "mistimed",
                )
            )
    return flagged


def off_rhythm_times(
    contacts: list[float], stride_s: float, max_offset: float
) -> list[tuple[float, float]]:
    """One foot's contacts more than ``max_offset`` x ``stride_s`` from where their
    neighbours put them, worst first, each judged without the worse ones
    (:func:`off_rhythm_contacts`): ``(contact_s, offset_s)`` pairs, a negative offset early.

    >>> found = off_rhythm_times([0.268, 1.18, 1.90, 2.62, 3.34], 0.72, 0.15)
    >>> [(t, round(off, 3)) for t, off in found]
    [(0.268, -0.192)]
    """
    times = sorted(set(contacts))
    out: list[tuple[float, float]] = []
    while len(times) >= 2:
        offsets = [_rhythm_offset(times, i, stride_s) for i in range(len(times))]
        worst = max(range(len(times)), key=lambda i: abs(offsets[i]))
        off = offsets[worst]
        if not abs(off) > max_offset * stride_s:
            break
        out.append((times[worst], off))
        del times[worst]
    return out


def _rhythm_offset(times: list[float], i: int, stride_s: float) -> float:
    """How far ``times[i]`` is from where its neighbours put it (s; 0 with none)."""

    def neighbour(j: int) -> float | None:
        if 0 <= j < len(times) and 0.5 * stride_s <= abs(times[j] - times[i]) <= 1.5 * stride_s:
            return times[j]
        return None

    before, after = neighbour(i - 1), neighbour(i + 1)
    if before is not None and after is not None:
        return times[i] - 0.5 * (before + after)
    if before is not None:
        return times[i] - (before + stride_s)
    if after is not None:
        return times[i] - (after - stride_s)
    return 0.0


def lost_between(lost: dict | None, side: str, after: float, before: float) -> bool:
    """Whether a stance of ``side`` whose foot points were missing lies between the times."""
    return any(after < t < before for t in (lost or {}).get(side, ()))

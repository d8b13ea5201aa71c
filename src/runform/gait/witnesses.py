"""The witnesses averaged into a stance's contact and toe-off, as plain functions.

:class:`~runform.gait.events.FootClearanceDetector` times each stance from the foot's
clearance, then averages in the other witnesses, each with its calibrated offset:

- :func:`knee_blend` — the knee (:mod:`runform.gait.knee_extension`): for toe-off its peak
  extension at the end of stance and its flexion 15° past that peak, for contact its last
  extension in late swing;
- :func:`speed_blend` — the foot's speed for contact (:mod:`runform.gait.foot_speed`),
  leaving out a clearance contact that lands far from it;
- :func:`pitch_blend` — the foot's rotation for toe-off (:mod:`runform.gait.foot_pitch`);
- :func:`own_contacts` — each witness's own contact, which may rescue a stance that overlaps
  the other foot's.

A stance is ``(contact_s, contact_frame, toe_off_s, toe_off_frame, confidence)``; a witness
that shows nothing (NaN) leaves the others' average.
"""

from __future__ import annotations

import numpy as np

from runform.gait.knee_extension import knee_peaks
from runform.gait.time_grid import frame_of
from runform.track import PoseTrack


def _average(own: tuple[float, float], *others: tuple[float, float]) -> float:
    """``own`` ``(weight, time)`` averaged with the ``others`` that show something (a
    weight above 0 and a finite time), each by its weight; ``own``'s time when none does."""
    parts = [own, *(p for p in others if p[0] > 0 and np.isfinite(p[1]))]
    total = sum(weight for weight, _ in parts)
    if len(parts) == 1 or total <= 0:
        return own[1]
    return sum(weight * time for weight, time in parts) / total


def knee_blend(
    track: PoseTrack,
    side: str,
    items: list,
    *,
    knee_weight: float,
    knee_offset_s: float,
    flexion_weight: float,
    flexion_offset_s: float,
    contact_knee_weight: float,
    contact_knee_offset_s: float,
    due: list[tuple[float, float]] | None = None,
) -> tuple[list, list, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Contact and toe-off of one leg's stances averaged with the knee's.

    The toe-off is ``(1 - knee_weight - flexion_weight)`` x its own + ``knee_weight`` x
    (peak extension + ``knee_offset_s``) + ``flexion_weight`` x (flexion past it +
    ``flexion_offset_s``); the contact ``(1 - contact_knee_weight)`` x its own +
    ``contact_knee_weight`` x (late-swing extension + ``contact_knee_offset_s``).

    ``due`` (per stance ``(contact_s, toe_off_s)``, NaN for most) marks the stances the
    clearance cut short, with where the end it got wrong was due
    (:func:`~runform.gait.stances.cut_short`): the knee looks for that event around that
    time, and the clearance's own time is left out of its average. Where the knee shows
    no witness of it there, the stance keeps its clearance time (and the step checks
    reject it as cut short, unless the foot's speed times its contact).

    Returns the stances, per stance the knee's own contact ``(time, frame)`` or ``None``,
    and the knee's times (:func:`~runform.gait.knee_extension.knee_peaks`).
    """
    due_at = list(due) if due is not None else [(float("nan"), float("nan"))] * len(items)
    before, peaks, flexed = knee_peaks(track, side, due_spans(items, due_at))
    w = float(np.clip(knee_weight, 0.0, 1.0))
    wf = float(np.clip(flexion_weight, 0.0, 1.0 - w))
    wc = float(np.clip(contact_knee_weight, 0.0, 1.0))
    out, knees = [], []
    for (tc, fc, tt, ft, conf), early, peak, flex, (due_c, due_t) in zip(
        items, before, peaks, flexed, due_at, strict=True
    ):
        knee = early + contact_knee_offset_s
        # a stance cut short: the clearance's time of the end it got wrong is no witness
        own_t = 0.0 if np.isfinite(due_t) else 1.0 - w - wf
        toe_off = _average((own_t, tt), (w, peak + knee_offset_s), (wf, flex + flexion_offset_s))
        own_c = 0.0 if np.isfinite(due_c) else 1.0 - wc
        contact = _average((own_c, tc), (wc, knee))
        if toe_off != tt:
            tt, ft = toe_off, frame_of(track.time, toe_off)
        if contact != tc:
            tc, fc = contact, frame_of(track.time, contact)
        out.append((tc, fc, tt, ft, conf))
        knees.append((knee, frame_of(track.time, knee)) if wc > 0 and np.isfinite(knee) else None)
    return out, knees, (before, peaks, flexed)


def due_spans(items: list, due: list[tuple[float, float]] | None) -> list[tuple[float, float]]:
    """Each stance's ``(contact_s, toe_off_s)``, with an end the clearance cut short
    replaced by where it was due (``due``, per stance, NaN where an end stands;
    :func:`~runform.gait.stances.cut_short`): where the witnesses look for the events."""
    if due is None:
        return [(i[0], i[2]) for i in items]
    return [
        (c if np.isfinite(c) else i[0], t if np.isfinite(t) else i[2])
        for i, (c, t) in zip(items, due, strict=True)
    ]


#: The foot's pitch toe-off is read on a foot only when, on at least this fraction of its
#: stances, it lands within ``pitch_disagreement_s`` of the leg's toe-off: a pose model
#: whose foot points do not show the push-off (BlazePose at 30 fps on the example clip) gives
#: pitch times scattered 30-180 ms late, and the foot is then timed by the leg alone.
PITCH_AGREEMENT_FRACTION = 0.75
#: ...and at least this many stances must show it.
PITCH_MIN_STANCES = 3


def pitch_blend(
    track: PoseTrack,
    items: list,
    found: list[float],
    *,
    pitch_weight: float,
    pitch_offset_s: float,
    pitch_disagreement_s: float,
) -> tuple[list, bool]:
    """Each toe-off averaged with the foot's pitch toe-off (``found``, NaN for none: the
    toe-off stands): ``(1 - pitch_weight)`` x it + ``pitch_weight`` x (pitch toe-off +
    ``pitch_offset_s``).

    The foot's pitch is used only where it is readable: on at least
    :data:`PITCH_AGREEMENT_FRACTION` of the foot's stances (and :data:`PITCH_MIN_STANCES`)
    it lands within ``pitch_disagreement_s`` of the leg's toe-off; a stance where it does
    not keeps the leg's. Returns the stances and whether the pitch was used on this foot.
    """
    w = float(np.clip(pitch_weight, 0.0, 1.0))
    shifted = np.array([p + pitch_offset_s for p in found], dtype=float)
    leg = np.array([item[2] for item in items], dtype=float)
    agree = np.isfinite(shifted) & (np.abs(shifted - leg) <= pitch_disagreement_s)
    used = (
        w > 0
        and int(agree.sum()) >= PITCH_MIN_STANCES
        and agree.sum() >= PITCH_AGREEMENT_FRACTION * len(items)
    )
    if not used:
        return items, False
    out = []
    for (tc, fc, tt, ft, conf), ok, pitch in zip(items, agree, shifted, strict=True):
        if ok:
            tt = (1.0 - w) * tt + w * float(pitch)
            ft = frame_of(track.time, tt)
        out.append((tc, fc, tt, ft, conf))
    return out, True


def own_contacts(
    track: PoseTrack,
    speed_contacts: list[float],
    knees: list | None,
    n: int,
    contact_speed_offset_s: float,
) -> list[list[tuple[float, float]]]:
    """Per stance, the single witnesses' own contacts ``(time, frame)``, the foot speed's
    first (``speed_contacts``, NaN for none), then the knee's: what may rescue a stance
    from an overlap."""
    out = []
    for k in range(n):
        own = []
        found = speed_contacts[k]
        if np.isfinite(found):
            c = found + contact_speed_offset_s
            own.append((c, frame_of(track.time, c)))
        if knees and knees[k] is not None:
            own.append(knees[k])
        out.append(own)
    return out


def speed_blend(
    track: PoseTrack,
    items: list,
    found: list[float],
    clearance: list[float] | None,
    knees: list | None,
    *,
    contact_speed_weight: float,
    contact_speed_offset_s: float,
    contact_knee_weight: float,
    clearance_disagreement_s: float,
    due: list[tuple[float, float]] | None = None,
) -> list:
    """Each contact averaged with the foot-speed contact (``found``, NaN for none: the
    contact stands): ``(1 - contact_speed_weight)`` x it + ``contact_speed_weight`` x
    (foot-speed contact + ``contact_speed_offset_s``). A ``clearance`` contact further than
    ``clearance_disagreement_s`` from the foot speed's is left out: the contact is then the
    foot speed's and the knee's (``knees``: per stance ``(time, frame)`` or ``None``) in
    their own proportions; so is the contact of a stance the clearance cut short at its
    landing (``due``, as in :func:`knee_blend`)."""
    w = float(np.clip(contact_speed_weight, 0.0, 1.0))
    wk = (1.0 - w) * float(np.clip(contact_knee_weight, 0.0, 1.0))
    out = []
    for k, ((tc, fc, tt, ft, conf), speed) in enumerate(zip(items, found, strict=True)):
        if np.isfinite(speed):
            own = speed + contact_speed_offset_s
            knee = knees[k][0] if knees and knees[k] is not None else float("nan")
            if (due is not None and np.isfinite(due[k][0])) or (
                clearance is not None
                and clearance_disagreement_s > 0
                and abs(clearance[k] - own) > clearance_disagreement_s
            ):
                tc = _average((w, own), (wk, knee))  # the clearance left out
            else:
                tc = _average((1.0 - w, tc), (w, own))
            fc = frame_of(track.time, tc)
        out.append((tc, fc, tt, ft, conf))
    return out

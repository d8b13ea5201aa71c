"""Foot contact and toe-off detection from a 2-D side-view pose track.

Algorithm (:class:`FootClearanceDetector`; sources and validation in
``docs/algorithms.md``):

1. **Foot clearance.** For each foot, the height of the heel and of the toe
   (``foot_index``) above their own ground line, in leg lengths; the clearance is the lower
   of the two, so it is ~0 whenever *any* part of the foot is on the ground. This is the
   running version of the "lowest foot point" idea (Fellin 2010) made independent of strike
   type: rearfoot strikers land on the heel and push off the toe, forefoot strikers land on
   the toe (Leitch 2011 shows single-marker methods are biased by strike type). The ground
   line is fitted per point in ``x`` and ``y`` (:func:`ground_line`), so a rolled camera or a
   belt seen slightly from above does not tilt the stance plateau.
2. **Stance windows.** Runs where a more strongly smoothed clearance is under a threshold
   set from the foot's own swing clearance; short blips are merged.
3. **Sub-frame timing.** The stance plateau is the median clearance over the middle of the
   window; contact is where the clearance, walking back from mid-stance, rises above
   plateau + ``contact_level``, and toe-off where, walking forward, it rises above plateau
   + ``toe_off_level``, linearly interpolated between frames. Both levels grow with the
   noise measured on the plateau (``noise_factor`` × robust SD), so noisy phone tracks do
   not split stances.
4. **The knee too.** Each clearance time is averaged with the knee's: the toe-off with
   the leg's peak knee extension at the end of stance (Fellin 2010), the contact with the
   knee's last extension in late swing, as the leg reaches for the ground
   (:mod:`runform.gait.knee_extension`). A foot point's height depends on the shoe and on
   where the model or the marker puts the heel and toe, so a clearance time comes early
   for one runner and late for another; the knee does not share that error. Held out,
   the average narrows the spread of event bias between runners (``docs/validation.md``).
   The toe-off has a third witness from the knee: the moment it has flexed 15° past that
   extension peak, early in swing (:func:`~runform.gait.knee_extension.flexion_after`). It
   lies on the steep flank of the knee angle, where noise moves a crossing less than it
   moves a peak on its plateau; the three are averaged in equal parts.
5. **The foot's speed too, for contact.** That contact is then averaged (weight
   ``contact_speed_weight``, 3/4) with the moment the foot stops sliding: its heel's
   horizontal velocity reaching the stance velocity (:mod:`runform.gait.foot_speed`; the
   heel is what lands in a heel strike, while the toe keeps coming forward as the foot
   rotates down flat), which depends
   neither on the shoe's height nor on how the runner reaches for the ground. Held out, it
   brought the contact error at 60 fps with pixel noise from 12.7 to 8.3 ms, and on the
   real clip the contacts of the clip and its mirror image from 30 to 3-5 ms apart. A
   clearance contact more than ``clearance_disagreement_s`` (50 ms) from the foot speed's
   is an outlier (in pixel noise a slow foot skimming the belt looks landed early) and is
   left out of that stance's average.
6. **The foot's pitch too, for toe-off.** The toe-off is then averaged, in halves
   (``pitch_weight``), with the moment the heel-to-toe line has pitched 40° past its
   mid-stance angle in push-off (:mod:`runform.gait.foot_pitch`): an angle, which needs no
   scale and does not care where the heel and toe points sit on the shoe; held out, its
   trial biases spread a third as much as the leg's. Only on a foot whose pitch times agree
   with the leg's on most stances (a pose model whose feet do not show the push-off leaves
   the leg's toe-offs as they are; ``pitch_used_``).
   A stance the clearance cut short (under half the clip's median contact time) keeps the
   end that lies on its foot's rhythm; the other end is looked for by these witnesses
   where it was due, one median contact time away, and timed without the clearance
   (:func:`~runform.gait.stances.cut_short`).
7. **Steps.** Contacts and toe-offs are paired per foot and checked: contact time
   plausible, alternation with the other foot, no double support beyond a tolerance.
   A stance that overlaps the other foot's is kept with one witness's contact alone (the
   foot speed's, else the knee's) when that one ends the overlap (a slow foot skimming the
   belt looks landed early). Steps that fail are rejected with the reason, not kept. A
   stance whose foot points are missing still happened: the step before it keeps its own
   timing but gets no stride or step time across it.
8. **Impossible steps** (a step or stride far longer than the clip's median, which spans a
   missed contact; a duty factor outside running; a contact under half the clip's median
   contact time, a stance cut short) are rejected with the reason.

**Calibration.** The two levels are lines in the stance foot's speed under the hips,
measured in the track in leg lengths per second
(:func:`~runform.gait.clearance.running_speed`, both feet's stances pooled): how high the
foot is when the force plate sees it land or leave changes with pace; outside the speeds
they were fitted on (:data:`CALIBRATED_SPEEDS`) the level at the nearer end is used. Their
four constants, and the witnesses' offsets, are fitted on 36 runners at 2-5 m/s against
force plates (Fukuchi 2017: 27 runners; Hamner & Delp 2013: 9) and validated
leave-one-runner-out: the constants that score a runner were fitted without that runner
(``bench/events_loro.py``, ``docs/validation.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runform.gait.clearance import (
    plateau_noise,
    reconcile_rhythms,
    running_speed,
    stride_rhythm,
)
from runform.gait.foot_pitch import LEVEL_DEG, pitch_toe_offs
from runform.gait.foot_speed import speed_contacts
from runform.gait.pairing import StepLimits, pair_stances
from runform.gait.stances import (
    MISSING_POINTS,
    cut_short,
    first_crossings,
    foot_clearance,
    stance_windows,
    template_retime,
)
from runform.gait.time_grid import on_frames, to_grid
from runform.gait.types import GaitEvent, GaitEvents, RejectedStep, Side
from runform.gait.witnesses import (
    due_spans,
    knee_blend,
    own_contacts,
    pitch_blend,
    speed_blend,
)
from runform.geometry import leg_length
from runform.keypoints import SIDES
from runform.track import PoseTrack

#: Stance speeds (leg lengths per second) the levels' lines were fitted on: the 36
#: force-plate runners at 2-5 m/s measure 2.0-6.2. Outside, a line is not extrapolated: the
#: level at the nearer end is used (a track whose stance foot barely moves under the hips,
#: as in a synthetic runner or a wrongly tracked foot, would otherwise get levels no runner
#: was calibrated on).
CALIBRATED_SPEEDS = (2.0, 6.2)

#: A stance is looked at as cut short (its off-rhythm end re-timed by the witnesses,
#: :func:`~runform.gait.stances.cut_short`) under this many times the share of the median
#: contact time under which the step checks reject it (``StepLimits.min_contact_ratio``):
#: the clearance's stances, before the witnesses lengthen them, have a shorter median than
#: the steps the checks judge, so a stance at just over half the first was neither
#: re-timed nor kept (the real clip's far foot, 133 ms against 266 and then 270 ms).
CUT_SHORT_SLACK = 1.2


@dataclass
class FootClearanceDetector:
    """Detect contacts and toe-offs; configure, then call :meth:`detect`.

    Parameters
    ----------
    threshold_fraction:
        Stance threshold as a fraction of the foot's typical swing clearance.
    ground_percentile:
        Percentile of a foot point's image ``y`` taken as its ground level.
    min_contact_s, max_contact_s:
        Plausible contact-time range for running; stances outside it are rejected.
    contact_level, toe_off_level, contact_level_per_speed, toe_off_level_per_speed:
        The crossing levels (leg lengths above the stance plateau) are ``level +
        level_per_speed * v`` with ``v`` the stance speed in leg lengths per second;
        calibrated leave-one-runner-out (see the module docstring).
    merge_gap_s, same_stance_fraction:
        Stance windows closer than ``merge_gap_s``, or starting within this fraction of
        the foot's stride time of the previous one, are one stance (noise split it).
    missed_stance_search:
        Where two of a foot's stances are a stride or more too far apart, look for the
        stance between them that noise or a raised ground level kept above the threshold,
        where the foot's rhythm says it was due (:func:`~runform.gait.clearance.missed_stances`).
    max_interval_ratio, duty_factor_range:
        A step or stride longer than this many times the median, or a duty factor outside
        the range, is rejected as impossible.
    max_gap_s:
        On a track whose frames are unevenly spaced, the longest real gap bridged on the
        even grid (as the cleaning's ``max_gap_s``); see :meth:`detect`.
    max_rhythm_offset:
        A contact further than this fraction of a stride from where its foot's neighbouring
        contacts put it is mistimed: its step is rejected and no step or stride time is
        measured to it (:func:`~runform.gait.pairing.off_rhythm_contacts`).
    contact_offset_s, toe_off_offset_s:
        Constant corrections added to the refined times (0: none is needed).
    knee_weight, knee_offset_s, contact_knee_weight, contact_knee_offset_s:
        The toe-off is ``(1 - knee_weight - flexion_weight)`` x the clearance toe-off +
        ``knee_weight`` x (the leg's peak knee extension at the end of stance +
        ``knee_offset_s``) + ``flexion_weight`` x (the knee flexed
        :data:`~runform.gait.knee_extension.FLEXION_DROP_DEG` past that peak +
        ``flexion_offset_s``), the contact likewise with the knee's last extension peak
        before it (:mod:`runform.gait.knee_extension`); a witness that shows nothing leaves
        the others' average. The offsets are calibrated leave-one-runner-out, the weights
        fixed at the mean of the witnesses.
    flexion_weight, flexion_offset_s:
        See above.
    contact_speed_weight, contact_speed_offset_s:
        The contact is then ``(1 - contact_speed_weight)`` x that + ``contact_speed_weight``
        x (the foot-speed contact + ``contact_speed_offset_s``): where the foot's horizontal
        velocity reaches its stance velocity (:mod:`runform.gait.foot_speed`); the offset
        is calibrated leave-one-runner-out.
    pitch_weight, pitch_offset_s, pitch_level_deg, pitch_disagreement_s:
        The toe-off is then ``(1 - pitch_weight)`` x that + ``pitch_weight`` x (when the
        foot has pitched ``pitch_level_deg`` past its mid-stance angle + ``pitch_offset_s``)
        (:mod:`runform.gait.foot_pitch`), on a foot whose pitch times land within
        ``pitch_disagreement_s`` of the leg's on most stances
        (:func:`~runform.gait.witnesses.pitch_blend`); the offset is calibrated
        leave-one-runner-out, the weight fixed at a half.
    clearance_disagreement_s:
        A clearance contact further than this from the foot speed's is an outlier (with
        pixel noise a slow foot skimming the belt in late swing looks landed 60-120 ms
        early) and is left out of that stance's average: the foot speed's and the knee's
        contacts are averaged in their own proportions. ``0`` keeps every clearance
        contact.

    Attributes (after :meth:`detect`)
    ----------
    result_: GaitEvents
    clearance_: dict side -> (T,) clearance in leg lengths
    time_: the times of the per-frame attributes (the track's, or its even grid's)
    pitch_used_: dict side -> whether the foot's pitch timed that foot's toe-offs
    due_: dict side -> per stance ``(contact_s, toe_off_s)``, where an end the clearance cut
        short was due (NaN where the end stands; :func:`~runform.gait.stances.cut_short`)

    Examples
    --------
    >>> from runform.synthetic import synthetic_runner  # doctest: +SKIP
    >>> run = synthetic_runner(fps=120)                  # doctest: +SKIP
    >>> FootClearanceDetector().detect(run.track, direction=+1).result_.steps[:1]  # doctest: +SKIP
    """

    threshold_fraction: float = 0.1
    ground_percentile: float = 90.0
    min_contact_s: float = 0.08
    max_contact_s: float = 0.60
    max_double_support_s: float = 0.06
    merge_gap_s: float = 0.04
    same_stance_fraction: float = 0.5
    segment_cutoff_hz: float = 6.0
    drift_window_s: float = 1.2
    contact_level: float = 0.00025
    toe_off_level: float = 0.03007
    contact_level_per_speed: float = 0.004031
    toe_off_level_per_speed: float = -0.003632
    max_interval_ratio: float = 1.5
    duty_factor_range: tuple[float, float] = (0.12, 0.62)
    max_rhythm_offset: float = 0.15
    noise_factor: float = 2.5
    template_refine: bool = True
    missed_stance_search: bool = True
    contact_offset_s: float = 0.0
    toe_off_offset_s: float = 0.0
    knee_weight: float = 1 / 3
    knee_offset_s: float = 0.0
    flexion_weight: float = 1 / 3
    flexion_offset_s: float = -0.0533
    contact_knee_weight: float = 0.5
    contact_knee_offset_s: float = 0.0141
    contact_speed_weight: float = 0.75
    contact_speed_offset_s: float = -0.0268
    pitch_weight: float = 0.5
    pitch_offset_s: float = 0.0090
    pitch_level_deg: float = LEVEL_DEG
    pitch_disagreement_s: float = 0.05
    clearance_disagreement_s: float = 0.05
    max_gap_s: float = 0.1
    result_: GaitEvents = field(default_factory=GaitEvents, init=False)
    clearance_: dict = field(default_factory=dict, init=False)
    heights_: dict = field(default_factory=dict, init=False)
    noise_: dict = field(default_factory=dict, init=False)
    running_speed_: float = field(default=float("nan"), init=False)
    knee_peaks_: dict = field(default_factory=dict, init=False)
    speed_contacts_: dict = field(default_factory=dict, init=False)
    levels_: dict = field(default_factory=dict, init=False)
    stride_period_: float | None = field(default=None, init=False)
    pitch_used_: dict = field(default_factory=dict, init=False)
    due_: dict = field(default_factory=dict, init=False)
    time_: np.ndarray = field(default_factory=lambda: np.zeros(0), init=False)

    # ----------------------------------------------------------------- public
    def detect(self, track: PoseTrack, direction: int = 1) -> FootClearanceDetector:
        """Find the track's contacts and toe-offs (``result_``).

        A track whose frames are unevenly spaced (a phone's variable frame rate) is read
        on an even grid at its nominal rate (:func:`~runform.gait.time_grid.to_grid`,
        gaps longer than ``max_gap_s`` left missing): the filters and the windows counted
        in frames then see real time. The events' times are real seconds either way, and
        their frames the track's own (:func:`~runform.gait.time_grid.on_frames`); the
        per-frame attributes (``clearance_``...) are on the times ``time_``.
        """
        grid = to_grid(track, self.max_gap_s)
        self._detect(grid, direction)
        self.time_ = grid.time
        if grid is not track:
            self.result_ = on_frames(self.result_, track.time)
        return self

    # ----------------------------------------------------------------- internals
    def _detect(self, track: PoseTrack, direction: int) -> None:
        leg = leg_length(track)
        events: list[GaitEvent] = []
        rejected: list[RejectedStep] = []
        stances: dict[str, list[tuple[float, float, float, float, float]]] = {}
        lost: dict[str, list[float]] = {side: [] for side in SIDES}  # mid-times, points lost
        windows: dict[str, list[tuple[int, int]]] = {}
        confidences: dict[str, np.ndarray | None] = {}
        feet = {
            side: foot_clearance(track, side, leg, self.ground_percentile, self.drift_window_s)
            for side in SIDES
        }
        # each foot's stride, from its clearance's rhythm; one runner's where the feet
        # disagree (a noisy far foot's read over two strides)
        own = reconcile_rhythms(
            {
                s: None if f is None else stride_rhythm(track.time, f.clearance)
                for s, f in feet.items()
            }
        )
        periods = [p for p in own.values() if p is not None]
        for side in SIDES:
            foot = feet[side]
            clear = foot.clearance if foot is not None else None
            confidences[side] = foot.confidence if foot is not None else None
            self.clearance_[side] = clear
            stances[side] = []
            if foot is not None:
                self.heights_[side] = foot.heights
                period = own[side]
                windows[side] = stance_windows(
                    track.time,
                    foot.clearance,
                    period,
                    threshold_fraction=self.threshold_fraction,
                    segment_cutoff_hz=self.segment_cutoff_hz,
                    merge_gap_s=self.merge_gap_s,
                    same_stance_fraction=self.same_stance_fraction,
                    min_contact_s=self.min_contact_s,
                    max_contact_s=self.max_contact_s,
                    missed_stance_search=self.missed_stance_search,
                )
                self.noise_[side] = plateau_noise(foot.clearance, windows[side])
        # one runner, one speed: both feet's stances measure it, and both feet's levels use it
        self.running_speed_ = running_speed(track, windows, leg)
        v = (
            float(np.clip(self.running_speed_, *CALIBRATED_SPEEDS))
            if np.isfinite(self.running_speed_)
            else float(np.mean(CALIBRATED_SPEEDS))  # unknown: the middle of the range
        )
        levels = (
            self.contact_level + self.contact_level_per_speed * v,
            self.toe_off_level + self.toe_off_level_per_speed * v,
        )
        for side, side_windows in windows.items():
            clear, conf = self.clearance_[side], confidences[side]
            self.levels_[side] = levels
            for start, stop in side_windows:
                refined = first_crossings(
                    track.time,
                    clear,
                    start,
                    stop,
                    levels=levels,
                    margin=self.noise_factor * self.noise_[side],
                    offsets_s=(self.contact_offset_s, self.toe_off_offset_s),
                )
                if isinstance(refined, str):
                    rejected.append(RejectedStep(side, float(track.time[start]), refined))
                    if refined == MISSING_POINTS:
                        lost[side].append(float(track.time[(start + stop) // 2]))
                    continue
                tc, fc, tt, ft = refined
                c = float(np.nanmean(conf[start:stop])) if conf is not None else 1.0
                stances[side].append((tc, fc, tt, ft, c))
        self.stride_period_ = float(np.median(periods)) if periods else None
        if self.template_refine:
            for side, items in stances.items():
                stances[side] = template_retime(track.time, self.clearance_[side], items, levels)
        clearance_contacts = {side: [i[0] for i in items] for side, items in stances.items()}
        # a stance the clearance cut short is read where its wrong end was due
        self.due_ = cut_short(
            stances,
            self.limits.min_contact_ratio * CUT_SHORT_SLACK,
            self.stride_period_,
            self.max_rhythm_offset,
            (float(track.time[0]), float(track.time[-1])),
        )
        spans = {side: due_spans(items, self.due_[side]) for side, items in stances.items()}
        knee_contacts: dict[str, list] = {}
        for side, items in stances.items():
            self.speed_contacts_[side] = (
                speed_contacts(track, side, spans[side], direction)
                if self.contact_speed_weight > 0
                else [float("nan")] * len(items)
            )
        # read on the clearance's stances, before the knee moves their ends
        pitch_found = (
            {
                side: pitch_toe_offs(track, side, spans[side], direction, self.pitch_level_deg)
                for side in stances
            }
            if self.pitch_weight > 0
            else {}
        )
        if self.knee_weight > 0 or self.contact_knee_weight > 0:
            for side, items in stances.items():
                stances[side], knee_contacts[side] = self._knee_blend(track, side, items)
        self.pitch_used_ = {}
        if self.pitch_weight > 0:
            for side, items in stances.items():
                stances[side], self.pitch_used_[side] = pitch_blend(
                    track,
                    items,
                    pitch_found[side],
                    pitch_weight=self.pitch_weight,
                    pitch_offset_s=self.pitch_offset_s,
                    pitch_disagreement_s=self.pitch_disagreement_s,
                )
        if self.contact_speed_weight > 0:
            for side, items in stances.items():
                stances[side] = self._speed_blend(
                    track,
                    items,
                    self.speed_contacts_[side],
                    clearance_contacts[side],
                    knee_contacts.get(side),
                    self.due_.get(side),
                )
        witnesses = {
            side: self._own_contacts(track, side, knee_contacts.get(side), len(items))
            for side, items in stances.items()
        }
        steps, more_rejected = pair_stances(
            stances, self.limits, witnesses, lost, self.stride_period_
        )
        rejected.extend(more_rejected)
        for st in steps:
            events.append(
                GaitEvent(st.side, "contact", st.contact_s, st.contact_frame, st.confidence)
            )
            events.append(
                GaitEvent(st.side, "toe_off", st.toe_off_s, st.toe_off_frame, st.confidence)
            )
        events.sort(key=lambda e: e.time_s)
        rejected.sort(key=lambda r: r.time_s)
        self.result_ = GaitEvents(events=events, steps=steps, rejected=rejected)

    @property
    def pitch_timed_toe_offs(self) -> bool:
        """Whether the foot's pitch timed the toe-offs of every foot with steps (after
        :meth:`detect`): the pose model's feet showed the push-off
        (:func:`~runform.gait.witnesses.pitch_blend`). Otherwise some toe-offs rest on the
        leg alone, whose error at a jog is larger
        (:data:`~runform.metrics.event_timing.ENGINE_EVENT_ERROR`)."""
        sides = {s.side for s in self.result_.steps}
        return bool(sides) and all(self.pitch_used_.get(side, False) for side in sides)

    def _knee_blend(self, track: PoseTrack, side: str, items: list) -> tuple[list, list]:
        """:func:`~runform.gait.witnesses.knee_blend` with this detector's weights."""
        if not items:
            return items, []
        out, knees, self.knee_peaks_[side] = knee_blend(
            track,
            side,
            items,
            knee_weight=self.knee_weight,
            knee_offset_s=self.knee_offset_s,
            flexion_weight=self.flexion_weight,
            flexion_offset_s=self.flexion_offset_s,
            contact_knee_weight=self.contact_knee_weight,
            contact_knee_offset_s=self.contact_knee_offset_s,
            due=self.due_.get(side),
        )
        return out, knees

    def _own_contacts(
        self, track: PoseTrack, side: str, knees: list | None, n: int
    ) -> list[list[tuple[float, float]]]:
        """:func:`~runform.gait.witnesses.own_contacts` with this detector's weights."""
        return own_contacts(
            track, self.speed_contacts_[side], knees, n, self.contact_speed_offset_s
        )

    def _speed_blend(
        self,
        track: PoseTrack,
        items: list,
        found: list[float],
        clearance: list[float] | None = None,
        knees: list | None = None,
        due: list | None = None,
    ) -> list:
        """:func:`~runform.gait.witnesses.speed_blend` with this detector's weights."""
        return speed_blend(
            track,
            items,
            found,
            clearance,
            knees,
            contact_speed_weight=self.contact_speed_weight,
            contact_speed_offset_s=self.contact_speed_offset_s,
            contact_knee_weight=self.contact_knee_weight,
            clearance_disagreement_s=self.clearance_disagreement_s,
            due=due,
        )

    @property
    def limits(self) -> StepLimits:
        """The step checks' limits, from this detector's parameters."""
        return StepLimits(
            self.min_contact_s,
            self.max_contact_s,
            self.max_double_support_s,
            self.max_interval_ratio,
            self.duty_factor_range,
            max_rhythm_offset=self.max_rhythm_offset,
        )


def detect_events(track: PoseTrack, direction: int = 1, **params: float) -> GaitEvents:
    """Functional shortcut: ``FootClearanceDetector(**params).detect(track, direction).result_``."""
    return FootClearanceDetector(**params).detect(track, direction).result_


__all__ = ["FootClearanceDetector", "Side", "detect_events"]

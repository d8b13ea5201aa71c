"""Marker motion capture + force plate -> side-view keypoints and true gait events.

One harness for every running trial with force-plate truth that runform is validated on
(``../shared/data``; see its README for licences):

- **Fukuchi et al. 2017** (PeerJ 5:e3298, CC BY 4.0): RBDS0041 at 2.5 m/s, RBDS002 at 2.5
  and 4.5 m/s. Tab-separated text, markers at 150 Hz in mm, a treadmill force plate at
  300 Hz that sums both feet (:mod:`fukuchi_data`).
- **Hamner & Delp 2013** (J Biomech 46:780; data as redistributed by Fox 2024, R Soc Open
  Sci 11:231909): subjects 01, 02, 03, 04 and 08 at 2, 3, 4 and 5 m/s. OpenSim TRC markers
  at 100/120 Hz, **each foot's own** vertical force at 960-2000 Hz (:mod:`hamner_data`).

What every trial goes through, the same way (each data set's trial ``build`` in
:mod:`fukuchi_data` and :mod:`hamner_data`, called by :func:`load_trials`):

1. **Lab axes from the data** (:func:`rigid_body.lab_axes`): the vertical is the axis along
   which the pelvis sits highest above the feet, forward is the sign of ASIS - PSIS along
   the horizontal axis they differ most in, and the third axis is lateral.
2. **Marker label swaps** (:func:`rigid_body.fix_label_swaps`): two markers of one rigid
   cluster whose labels were exchanged in a running trial keep the static trial's distances
   to the rest of the cluster only if swapped back; each pair is tested over the whole
   trial.
3. **Rigid-body fits** (:func:`rigid_body.carry_points`): per segment, the least-squares
   rotation and translation (SVD; Söderkvist & Wedin 1993) of the static trial's cluster
   onto each running frame carries the anatomical points (joint centres, epicondyle,
   malleolus) and the **sole-level foot points** into every frame. A frame whose fit leaves
   a marker more than ``max_residual_m`` off (a gap that the original processing filled
   with a ramp, a marker knocked loose) is fitted again without it; with fewer than three
   good markers the frame is missing.
4. **Sole-level foot points** (:mod:`mocap_keypoints`): markers sit on the shoe (Hamner's
   heel marker ~100 mm and toe marker ~70 mm above the floor). A video pose model's heel
   and toe points lie at the sole, at the back and the front of the shoe. In the static
   trial, where the foot stands flat, the heel and forefoot markers are dropped vertically
   onto the floor (height 0) and those floor points are carried with the foot cluster.
5. **Force-plate truth per foot** (:mod:`force_truth`): intervals above a threshold,
   interpolated linearly between samples; per foot where the plate gives each foot
   (Hamner), otherwise from the summed force with the side taken from the lower foot.
6. **Checks** (``Trial.checks``, :func:`finish_trial`; :mod:`harness_checks`): fit
   residuals, label swaps, frames lost, belt speed measured from the stance foot, the
   force/marker clock lag (cross-correlation of the vertical force with body weight x
   (pelvis vertical acceleration + g)) over the whole trial and around the toe-offs only
   (:func:`harness_checks.event_lag_ms`: does the force unload when the body does?), the
   sole's height at mid-stance, and how long the force takes over its last quarter before
   toe-off (:func:`harness_checks.unloading_tail_ms`).

:func:`project` then draws a trial as a side camera would see it: an orthographic view of
the sagittal plane, image x along the travel (facing left or right), y down, at a chosen
frame rate and pixel noise, as a :class:`runform.track.PoseTrack`.

This module holds the :class:`Trial`, its projection and the loading of every trial; the
steps live in :mod:`rigid_body` (1-3), :mod:`mocap_keypoints` (the keypoints built from
them, 3-4), :mod:`force_truth` (5) and :mod:`harness_checks` (6, and the table printed
below).

Command line::

    python bench/mocap.py            # build all trials and print the checks
    python bench/mocap.py --only hamner01
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


from _common import EXTERNAL_DATA, SHARED_DATA, format_table, log
from harness_checks import (
    belt_speed,
    check_rows,
    clock_lag_ms,
    event_lag_ms,
    floor_shift_note,
    harness_problem,
    sole_plateau_mm,
    unloading_tail_ms,
)
from runform.track import PoseTrack, TrackMeta

GRAVITY = 9.81

#: Image used by :func:`project`: 1920x1080, belt at y = 1000 px, 450 px per metre (a 1.8 m
#: runner fills ~80 % of the frame height).
FRAME_WIDTH, FRAME_HEIGHT = 1920, 1080
GROUND_Y_PX = 1000.0
DEFAULT_PX_PER_M = 450.0


# ----------------------------------------------------------------------------- the trial
@dataclass
class Trial:
    """One running trial: keypoints in the lab (m), true events, and how they were made.

    Attributes
    ----------
    runner, dataset:
        Runner id (``"RBDS0041"``, ``"hamner01"``...) and data set (``"fukuchi"``,
        ``"hamner"``).
    speed_label:
        Belt speed as the data set names it (m/s).
    time:
        Marker clock (s), (T,).
    points:
        ``{"left_hip": (T, 3), ...}`` in metres, axes (forward, up, lateral-right); the
        keypoints are hip, knee, ankle, heel (sole level), foot_index (sole level) and, where
        the markers allow, shoulder.
    events:
        True events ``[{"side", "kind", "time_s"}]`` in time order.
    truth_method:
        How the events were obtained (threshold, filter, side rule), in words.
    checks:
        Numbers printed by ``python bench/mocap.py`` (see the module docstring).
    attribution:
        Citation of the data.
    """

    runner: str
    dataset: str
    speed_label: float
    time: np.ndarray
    points: dict[str, np.ndarray]
    events: list[dict]
    truth_method: str
    attribution: str
    checks: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.runner} {self.speed_label:g} m/s"

    @property
    def rate_hz(self) -> float:
        return float(1.0 / np.median(np.diff(self.time)))

    @property
    def belt_speed(self) -> float:
        """Belt speed measured from the stance foot (m/s), or the label when unmeasured."""
        v = self.checks.get("belt_speed_mps")
        return float(v) if v is not None and np.isfinite(v) else self.speed_label


# ----------------------------------------------------------------------------- checks
def finish_trial(trial: Trial, force_t: np.ndarray | None, total_force: np.ndarray | None) -> Trial:
    """Add the checks that need both the keypoints and the truth (:mod:`harness_checks`)."""
    trial.checks["belt_speed_mps"] = belt_speed(trial.time, trial.points, trial.events)
    trial.checks["sole_mid_stance_mm"] = sole_plateau_mm(trial)
    if force_t is not None and total_force is not None:
        pelvis = 0.5 * (trial.points["left_hip"][:, 1] + trial.points["right_hip"][:, 1])
        trial.checks["clock_lag_ms"] = clock_lag_ms(trial.time, pelvis, force_t, total_force)
        offs = [e["time_s"] for e in trial.events if e["kind"] == "toe_off"]
        trial.checks["toe_off_lag_ms"] = event_lag_ms(
            trial.time, pelvis, force_t, total_force, offs
        )
        trial.checks["unloading_tail_ms"] = unloading_tail_ms(force_t, total_force, trial.events)
    return trial


# ----------------------------------------------------------------------------- projection
def draw_points(
    time: np.ndarray,
    points: Mapping[str, np.ndarray],
    frames: np.ndarray,
    direction: float,
    x_ref: float,
    px_per_m: float,
    noise_px: float,
    rng: np.random.Generator,
    score: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Lab points (forward, up; metres) at ``frames`` as image pixels and scores.

    Linear in time between samples, missing inside gaps; x along the travel about the frame
    centre (``direction`` +1 faces right), y down from the belt at :data:`GROUND_Y_PX`;
    Gaussian noise of ``noise_px``. Points missing throughout are left out.
    """
    xy_points, scores = {}, {}
    for name, xyz in points.items():
        missing = np.isnan(xyz[:, 0])
        if missing.all():
            continue
        x_m = np.interp(frames, time[~missing], xyz[~missing, 0])
        y_m = np.interp(frames, time[~missing], xyz[~missing, 1])
        in_gap = np.interp(frames, time, missing.astype(float)) > 0
        x_m[in_gap] = np.nan
        y_m[in_gap] = np.nan
        xy = np.stack(
            [FRAME_WIDTH / 2 + direction * (x_m - x_ref) * px_per_m, GROUND_Y_PX - y_m * px_per_m],
            axis=1,
        )
        if noise_px > 0:
            xy = xy + rng.normal(0.0, noise_px, size=xy.shape)
        xy_points[name] = xy
        scores[name] = np.where(np.isnan(xy[:, 0]), 0.0, score)
    return xy_points, scores


def project(
    trial: Trial,
    rate_hz: float | None = None,
    noise_px: float = 0.0,
    facing: str = "left",
    seed: int = 0,
    phase: float = 0.5,
    px_per_m: float = DEFAULT_PX_PER_M,
) -> PoseTrack:
    """Draw a trial as an orthographic side camera sees it (a runform ``PoseTrack``).

    Parameters
    ----------
    trial:
        From :func:`load_trials`.
    rate_hz:
        Frame rate; ``None`` keeps the marker samples. Otherwise the points are linearly
        interpolated at ``t0 + (phase + k) / rate_hz``, so frames fall between marker
        samples as they do for a camera that is not synchronised with anything.
    noise_px:
        SD of independent Gaussian noise added to every coordinate (pixels).
    facing:
        ``"left"`` (forward = image -x) or ``"right"``.
    seed:
        Noise seed.
    px_per_m:
        Image scale.

    Returns
    -------
    PoseTrack
        Keypoints ``{left,right}_{hip,knee,ankle,heel,foot_index}`` (and shoulders when the
        trial has them) in pixels, x right, y down, belt at y = 1000 px; scores 1 (clean) or
        0.9 (noisy), 0 where a point is missing.
    """
    if facing not in ("left", "right"):
        raise ValueError(f"facing must be 'left' or 'right', not {facing!r}")
    time = trial.time
    direction = 1.0 if facing == "right" else -1.0
    hips = 0.5 * (trial.points["left_hip"] + trial.points["right_hip"])
    x_ref = float(np.nanmedian(hips[:, 0]))
    if rate_hz is None:
        frames = time.copy()
    else:
        frames = np.arange(time[0] + phase / rate_hz, time[-1] + 1e-9, 1.0 / rate_hz)
    rng = np.random.default_rng(seed)
    score = 1.0 if noise_px == 0 else 0.9
    xy_points, scores = draw_points(
        time, trial.points, frames, direction, x_ref, px_per_m, noise_px, rng, score
    )
    meta = TrackMeta(
        source=f"{trial.dataset}-markers",
        width=FRAME_WIDTH,
        height=FRAME_HEIGHT,
        fps=float(rate_hz) if rate_hz else trial.rate_hz,
        units="px",
        time_base="marker clock (s)",
        path=trial.name,
        extra={
            "facing": facing,
            "px_per_m": px_per_m,
            "noise_px": noise_px,
            "seed": seed,
            "phase": phase if rate_hz is not None else 0.0,
            "camera": "orthographic sagittal projection",
            "attribution": trial.attribution,
        },
    )
    return PoseTrack.from_points(frames, xy_points, scores, meta)


# ----------------------------------------------------------------------------- all trials
def load_trials(
    data_dir: Path = SHARED_DATA,
    only: Sequence[str] | None = None,
    with_forces: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Trial]:
    """Every trial with force-plate truth (23 when all of ``../shared/data`` is there).

    ``only`` keeps the runners named (``"RBDS0041"``, ``"RBDS002"``, ``"hamner01"``...).
    Trials whose data is absent are skipped. ``with_forces=False`` adds RBDS0041's 3.5 and
    4.5 m/s marker trials (no force plate: empty ``events``).
    """
    trials: list[Trial] = []
    for spec in _specs(data_dir, with_forces):
        if only and spec.runner not in only:
            continue
        if progress:
            progress(f"{spec.runner} {spec.speed_label:g} m/s")
        trials.append(spec.build())
    return trials


def _specs(data_dir: Path, with_forces: bool = True) -> Iterator:
    """The trials present under ``data_dir``, described and not yet built (cheap)."""
    import fukuchi_data
    import hamner_data

    for loader in (fukuchi_data.trials, hamner_data.trials):
        yield from loader(data_dir, with_forces=with_forces)


def available_runners(data_dir: Path = SHARED_DATA) -> list[str]:
    """The runners with force-plate trials under ``data_dir``, without building them."""
    out: list[str] = []
    for spec in _specs(data_dir):
        if spec.runner not in out:
            out.append(spec.runner)
    return out


def calibration_runners(external: Path | None = EXTERNAL_DATA) -> list[str]:
    """The runners :func:`load_calibration_trials` reads, without building their trials."""
    names = available_runners()
    if external is not None and external.is_dir():
        names += [r for r in available_runners(external) if r not in names]
    return names


def load_calibration_trials(
    external: Path | None = EXTERNAL_DATA,
    progress: Callable[[str], None] | None = None,
    only: Sequence[str] | None = None,
    with_forces: bool = True,
) -> tuple[list[Trial], dict[str, str]]:
    """The trials the event constants are calibrated and validated on: every trial of
    ``../shared/data`` and, when ``external`` holds any, of the same data sets' other runners
    there (:func:`calibration_runners`; ``only`` keeps the runners named, ``with_forces`` as
    in :func:`load_trials`). Returns the trials and ``{trial name: why}`` for those the
    harness could not build (:func:`harness_checks.harness_problem`), which are left out."""
    trials = load_trials(only=only, with_forces=with_forces, progress=progress)
    shared = available_runners()
    new = [r for r in calibration_runners(external) if r not in shared and (not only or r in only)]
    if new:
        trials += load_trials(external, only=new, progress=progress)
    skipped = {t.name: why for t in trials if (why := harness_problem(t))}
    return [t for t in trials if t.name not in skipped], skipped


def bench_trials(
    shared_only: bool, only: Sequence[str] | None = None, say: Callable[[str], None] = log
) -> list[Trial]:
    """The trials a benchmark's command line asks for: those of ``../shared/data`` alone
    (``--shared-only``) or with the calibration runners of ``../external_data``
    (:func:`load_calibration_trials`); ``only`` keeps the runners named. What is built, and
    what the harness leaves out and why, is said through ``say``."""
    building = lambda name: say(f"building {name}")  # noqa: E731
    if shared_only:
        return load_trials(only=only, progress=building)
    trials, skipped = load_calibration_trials(progress=building, only=only)
    for name, why in skipped.items():
        say(f"not used: {name}: {why}")
    return trials


def runners(trials: Iterable[Trial]) -> list[str]:
    """Distinct runner ids in first-seen order."""
    out: list[str] = []
    for t in trials:
        if t.runner not in out:
            out.append(t.runner)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="runner ids to build")
    args = parser.parse_args(argv)
    trials = load_trials(only=args.only, progress=lambda s: print(f"building {s}", file=sys.stderr))
    if not trials:
        print(f"No trial data found under {SHARED_DATA}.", file=sys.stderr)
        return 2
    header, rows = check_rows(trials)
    print(format_table(header, rows))
    note = floor_shift_note()
    if note:
        print(note)
    for t in trials:
        print(f"{t.name}: {t.truth_method}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

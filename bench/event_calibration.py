"""The calibration of the event detector's constants for ``bench/events_loro.py``.

- :data:`CALIBRATED`: the grids of contact and toe-off levels searched.
- :data:`LEVELS`, and each witness's fixed weight, detector parameters and "alone"
  constants (:data:`KNEE_WEIGHTS`, :data:`KNEE_PARAMS`, :data:`KNEE_ONLY`,
  :data:`FLEXION_WEIGHT`, :data:`FLEXION_PARAMS`, :data:`FLEXION_ONLY`,
  :data:`PITCH_WEIGHT`, :data:`PITCH_PARAMS`, :data:`PITCH_ONLY`, :data:`SPEED_WEIGHT`,
  :data:`SPEED_PARAMS`, :data:`SPEED_ONLY`).
- :class:`Grid` and :func:`grid_errors`: every trial's mean signed error at every grid
  level, and each witness's own bias (:func:`mean_errors`), at the native rate.
- :func:`calibrate`: the constants fitted on some trials (:func:`zero_bias_level` per
  trial, then a line in the stance speed, each runner weighing the same by
  :func:`trial_weights`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from events_protocol import FACINGS, TOLERANCE_S, run_engine
from mocap import Trial, project

#: Detector constants that are calibrated, with the grid searched for each (contact and
#: toe-off levels are searched independently: each moves only its own event).
CALIBRATED: dict[str, tuple[float, ...]] = {
    "contact_level": tuple(float(v) for v in np.round(np.arange(0.0, 0.0401, 0.002), 4)),
    "toe_off_level": tuple(float(v) for v in np.round(np.arange(0.0, 0.0601, 0.003), 4)),
}

#: The calibrated constants: each event's level is ``base + per_speed * v``, with ``v`` the
#: stance foot's speed under the hips in leg lengths per second (measured by the detector).
LEVELS = {
    "contact": ("contact_level", "contact_level_per_speed"),
    "toe_off": ("toe_off_level", "toe_off_level_per_speed"),
}


#: Weight of the knee's flexion past its end-of-stance peak in the toe-off
#: (:func:`runform.gait.knee_extension.flexion_after`), and the detector's parameters for
#: it; its offset is fitted per fold like the knee's.
FLEXION_WEIGHT = 1 / 3
FLEXION_PARAMS = ("flexion_weight", "flexion_offset_s")
#: The flexion toe-off alone (weight 1, no offset), to measure its bias.
FLEXION_ONLY = {
    "knee_weight": 0.0,
    "flexion_weight": 1.0,
    "flexion_offset_s": 0.0,
    "pitch_weight": 0.0,
}
#: Weight of the foot's pitch toe-off (:mod:`runform.gait.foot_pitch`) in the toe-off
#: (fixed, not fitted), and the detector's parameters for it; its offset is fitted per fold.
PITCH_WEIGHT = 0.5
PITCH_PARAMS = ("pitch_weight", "pitch_offset_s")
#: The pitch toe-off alone (weight 1, no offset), to measure its bias.
PITCH_ONLY = {"pitch_weight": 1.0, "pitch_offset_s": 0.0, "pitch_disagreement_s": 1.0}
#: Weight of the knee's own time in each event (fixed, not fitted: the mean of the
#: witnesses, two for contact before the foot speed's, three for toe-off), and the
#: detector's parameters for the weight and the knee's offset.
KNEE_WEIGHTS = {"contact": 0.5, "toe_off": 1 / 3}
KNEE_PARAMS = {
    "contact": ("contact_knee_weight", "contact_knee_offset_s"),
    "toe_off": ("knee_weight", "knee_offset_s"),
}
#: The knee's times alone (weight 1, no offset), to measure their bias.
KNEE_ONLY = {
    "contact_knee_weight": 1.0,
    "contact_knee_offset_s": 0.0,
    "knee_weight": 1.0,
    "knee_offset_s": 0.0,
    "contact_speed_weight": 0.0,
    "pitch_weight": 0.0,
}
#: Weight of the foot-speed contact (:mod:`runform.gait.foot_speed`) in the contact (fixed,
#: not fitted), and the detector's parameters for it; its offset is fitted per fold.
SPEED_WEIGHT = 0.75
SPEED_PARAMS = ("contact_speed_weight", "contact_speed_offset_s")
#: The foot-speed contact alone (weight 1, no offset), to measure its bias.
SPEED_ONLY = {"contact_speed_weight": 1.0, "contact_speed_offset_s": 0.0}


@dataclass
class Grid:
    """Native-rate mean signed error (ms) of every trial at every grid level, per event."""

    values: dict[str, tuple[float, ...]]  # event -> levels tried
    bias: dict[str, dict[str, np.ndarray]]  # event -> trial name -> (len(levels),) ms
    speed: dict[str, float]  # trial name -> stance speed (leg lengths / s)
    runner: dict[str, str]
    knee_bias: dict[str, dict[str, float]]  # trial -> event -> mean error (ms), knee alone
    speed_bias: dict[str, float]  # trial -> mean contact error (ms), foot speed alone
    flexion_bias: dict[str, float]  # trial -> mean toe-off error (ms), knee flexion alone
    pitch_bias: dict[str, float]  # trial -> mean toe-off error (ms), the foot's pitch alone


def grid_errors(
    trials: Sequence[Trial],
    calibrated: Mapping[str, Sequence[float]] = CALIBRATED,
    progress: Callable[[str], None] | None = None,
) -> Grid:
    """Mean signed error (ms) of contacts and toe-offs of every trial at the native rate,
    both facings, with constant levels taken in step from the two grids (each level moves
    only its own event)."""
    from runform.evaluation import match_events

    grids = {"contact": calibrated["contact_level"], "toe_off": calibrated["toe_off_level"]}
    n = max(len(v) for v in grids.values())
    bias: dict[str, dict[str, np.ndarray]] = {k: {} for k in grids}
    speed: dict[str, float] = {}
    knee_bias: dict[str, dict[str, float]] = {}
    speed_bias: dict[str, float] = {}
    flexion_bias: dict[str, float] = {}
    pitch_bias: dict[str, float] = {}
    for trial in trials:
        if progress:
            progress(f"grid {trial.name}")
        tracks = [project(trial, None, 0.0, facing) for facing in FACINGS]
        rows = {k: np.full(n, np.nan) for k in grids}
        speeds = []
        for i in range(n):
            params = {
                "contact_level": grids["contact"][min(i, len(grids["contact"]) - 1)],
                "toe_off_level": grids["toe_off"][min(i, len(grids["toe_off"]) - 1)],
                "contact_level_per_speed": 0.0,
                "toe_off_level_per_speed": 0.0,
                "knee_weight": 0.0,
                "flexion_weight": 0.0,
                "contact_knee_weight": 0.0,
                "contact_speed_weight": 0.0,
                "pitch_weight": 0.0,
            }
            errs: dict[str, list[float]] = {k: [] for k in grids}
            for track in tracks:
                res = run_engine(track, params)
                speeds.append(res["stance_speed"])
                m = match_events(res["events"], trial.events, TOLERANCE_S)
                for k in grids:
                    errs[k] += list(m[k].errors_ms)
            for k in grids:
                rows[k][i] = np.mean(errs[k]) if errs[k] else np.nan
        for k in grids:
            bias[k][trial.name] = rows[k]
        speed[trial.name] = float(np.nanmedian(speeds))
        # the knee's and the foot speed's own times (weight 1, no offset): they do not
        # depend on the levels
        knee_bias[trial.name] = mean_errors(trial, tracks, KNEE_ONLY)
        speed_bias[trial.name] = mean_errors(trial, tracks, SPEED_ONLY)["contact"]
        flexion_bias[trial.name] = mean_errors(trial, tracks, FLEXION_ONLY)["toe_off"]
        pitch_bias[trial.name] = mean_errors(trial, tracks, PITCH_ONLY)["toe_off"]
    return Grid(
        {k: tuple(v) for k, v in grids.items()},
        bias,
        speed,
        {t.name: t.runner for t in trials},
        knee_bias,
        speed_bias,
        flexion_bias,
        pitch_bias,
    )


def mean_errors(trial: Trial, tracks: Sequence, params: Mapping[str, float]) -> dict[str, float]:
    """Mean signed error (ms) of the trial's contacts and toe-offs over ``tracks`` (its
    projections) with detector constants ``params``; NaN for an event never matched."""
    from runform.evaluation import match_events

    errs: dict[str, list[float]] = {"contact": [], "toe_off": []}
    for track in tracks:
        m = match_events(run_engine(track, params)["events"], trial.events, TOLERANCE_S)
        for k in errs:
            errs[k] += list(m[k].errors_ms)
    return {k: float(np.mean(v)) if v else float("nan") for k, v in errs.items()}


def zero_bias_level(levels: Sequence[float], bias: np.ndarray) -> float:
    """The level at which a trial's mean error crosses zero (linear between grid values);
    the level of the smallest |error| when it never does."""
    x = np.asarray(levels, float)
    b = np.asarray(bias, float)[: len(x)]
    ok = np.isfinite(b)
    x, b = x[ok], b[ok]
    if x.size == 0:
        return float("nan")
    for j in range(len(x) - 1):
        if b[j] == 0 or (b[j] < 0) != (b[j + 1] < 0):
            return float(x[j] + b[j] / (b[j] - b[j + 1]) * (x[j + 1] - x[j]))
    return float(x[int(np.argmin(np.abs(b)))])


def _unbiasing_offset_ms(biases: Sequence[float], w: np.ndarray) -> float:
    """The offset (ms) that makes a witness's own times unbiased on some trials: minus its
    mean bias over them, weighted ``w`` (0 when it was measured on none)."""
    b = np.asarray(biases, float)
    ok = np.isfinite(b)
    return -float(np.sum(w[ok] * b[ok]) / np.sum(w[ok])) if ok.any() else 0.0


def trial_weights(grid: Grid, names: Sequence[str]) -> np.ndarray:
    """Each trial's weight in a fit over ``names``: each runner weighs the same, shared
    among its trials."""
    runner = [grid.runner[n] for n in names]
    return np.array([1.0 / runner.count(r) for r in runner])


def calibrate(grid: Grid, names: Sequence[str], model: str = "speed") -> dict[str, float]:
    """Constants fitted on the trials ``names``: per trial the level that zeroes its mean
    error, then a least-squares line of that level against the trial's stance speed
    (``model="speed"``) or its mean (``"constant"``), each runner weighing the same."""
    out: dict[str, float] = {}
    w = trial_weights(grid, names)
    for event, (base_key, slope_key) in LEVELS.items():
        # the knee's offset: what makes its own time unbiased on these runners
        weight_key, offset_key = KNEE_PARAMS[event]
        kw = KNEE_WEIGHTS[event]
        knee_offset_ms = _unbiasing_offset_ms([grid.knee_bias[n][event] for n in names], w)
        out[weight_key] = kw
        out[offset_key] = round(knee_offset_ms / 1000.0, 4)
        fw, flex_offset_ms = 0.0, 0.0
        if event == "toe_off":  # the knee flexion's offset and the foot pitch's, likewise
            fw = FLEXION_WEIGHT
            flex_offset_ms = _unbiasing_offset_ms([grid.flexion_bias[n] for n in names], w)
            out[FLEXION_PARAMS[0]] = fw
            out[FLEXION_PARAMS[1]] = round(flex_offset_ms / 1000.0, 4)
            # the pitch is not in the level fitted below, which is the leg's own (clearance,
            # knee peak and flexion): where a pose model's feet do not show the push-off and
            # the pitch is not used, the toe-off stays unbiased
            pitch_offset_ms = _unbiasing_offset_ms([grid.pitch_bias[n] for n in names], w)
            out[PITCH_PARAMS[0]] = PITCH_WEIGHT
            out[PITCH_PARAMS[1]] = round(pitch_offset_ms / 1000.0, 4)
        sw, speed_offset_ms = 0.0, 0.0
        if event == "contact":  # the foot-speed contact's offset, likewise
            sw = SPEED_WEIGHT
            speed_offset_ms = _unbiasing_offset_ms([grid.speed_bias[n] for n in names], w)
            out[SPEED_PARAMS[0]] = sw
            out[SPEED_PARAMS[1]] = round(speed_offset_ms / 1000.0, 4)

        def blended(
            n: str,
            event: str = event,
            kw: float = kw,
            off: float = knee_offset_ms,
            sw: float = sw,
            soff: float = speed_offset_ms,
            fw: float = fw,
            foff: float = flex_offset_ms,
        ) -> np.ndarray:
            b = np.asarray(grid.bias[event][n], float)
            k = grid.knee_bias[n][event]
            f = grid.flexion_bias[n] if fw > 0 else float("nan")
            parts = [(1 - kw - fw, b)]
            if kw > 0 and np.isfinite(k):
                parts.append((kw, k + off))
            if fw > 0 and np.isfinite(f):
                parts.append((fw, f + foff))
            total = sum(weight for weight, _ in parts)
            b = sum(weight * value for weight, value in parts) / total
            sp = grid.speed_bias.get(n, float("nan")) if event == "contact" else float("nan")
            return b if sw == 0 or not np.isfinite(sp) else (1 - sw) * b + sw * (sp + soff)

        lv = np.array([zero_bias_level(grid.values[event], blended(n)) for n in names])
        v = np.array([grid.speed[n] for n in names])
        ok = np.isfinite(lv) & np.isfinite(v)
        if model == "speed" and ok.sum() >= 3 and np.ptp(v[ok]) > 0:
            slope, base = np.polyfit(v[ok], lv[ok], 1, w=np.sqrt(w[ok]))
        else:
            slope, base = 0.0, float(np.sum(w[ok] * lv[ok]) / np.sum(w[ok]))
        out[base_key] = round(float(base), 5)
        out[slope_key] = round(float(slope), 6)
    return out

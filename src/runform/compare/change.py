"""Is a before/after difference real? The smallest detectable change of one metric on one side.

A difference between two analyses is called a **real change** only when it is larger than
the smallest change the two videos could detect (``sdc``). That threshold is the larger of

- the **resolution** of the videos: what one frame of timing, or 2° of angle, changes in
  the metric (:func:`resolution`); no amount of steps makes a smaller change visible; and
- **a 95 % multiple of the standard error of the difference** (Student's t for the steps
  of the smaller session: 2.57 at 6 steps, 2.09 at 20, 1.96 in the limit), from two
  independent sources added in quadrature:

  - the **step-to-step spread** of both sessions: the per-step values
    (``analysis["steps"]``) of each session are resampled with replacement
    (:data:`BOOTSTRAP_RESAMPLES` times, seeded, so the answer is the same every time) and
    the session statistic (the median; cadence: 120 / mean stride time) recomputed; the
    standard deviation of the resampled differences is the spread's standard error;
  - the **2-D video measurement error** of the metric (``MetricSpec.measurement_error``:
    the pose model against marker capture, Van Hooren 2023), taken as the error of each
    step's value, independent from step to step, so that a session's median carries
    ``sqrt(pi / 2) * error / sqrt(n)`` of it.

A session with fewer than :data:`MIN_STEPS` steps of a metric on a side (cadence: fewer
than that many strides of each foot, twice as many stride times) does not call a change at
all ("too few steps to tell"), as it would not carry a finding: on force-plate runners cut
into short re-tests, changes called from three to five steps were wrong more often than
right, and a cadence fitted through four strides a foot of a runner whose stride was
lengthening missed by 7 steps/min (``bench/retest_truth.py``).

In a real video the step spread already holds part of the pose model's own noise, so that
part is counted twice: the threshold errs towards "no real change", which is the side a
re-test should err on. Errors shared by every step of a session (a different camera height
or distance, another pose model) are in neither number; they are what the conditions check
(:mod:`runform.compare.conditions`) is for.

The method and its reasons are in ``docs/compare.md``.

Examples
--------
>>> before = [20.0 + 0.1 * (k % 5) for k in range(20)]
>>> after = [26.0 + 0.1 * (k % 5) for k in range(20)]
>>> c = metric_change("thigh_extension_deg", "deg", before, after, 20.2, 26.2, fps=120)
>>> round(c.change, 1), c.real_change, round(c.sdc, 1)
(6.0, True, 4.6)
>>> few = metric_change("thigh_extension_deg", "deg", before[:4], after[:4], 20.2, 26.2, fps=120)
>>> few.real_change, few.sdc, few.notes
(False, None, ['too few steps to tell a change from step-to-step variation'])
>>> same = metric_change("thigh_extension_deg", "deg", before, before, 20.2, 20.2, fps=120)
>>> same.real_change, same.change
(False, 0.0)
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
from scipy.special import stdtrit

from runform.findings.asymmetry import ANGLE_RESOLUTION_DEG, touchdown_resolution_pct
from runform.findings.scoring import MIN_FINDING_STEPS
from runform.metrics.catalog import CATALOG

#: Resamples of the bootstrap (the standard error it gives varies by ~1.6 % between seeds).
BOOTSTRAP_RESAMPLES = 2000
#: Base seed of the bootstrap; each metric and side adds a fixed number of its own (a CRC of
#: its name), so a metric's answer does not depend on which other metrics were compared.
BOOTSTRAP_SEED = 20261105
#: Two-sided 95 %: 1.96 standard errors when the standard error is known (a session
#: summarised without its steps); with per-step values, :func:`multiplier95`.
Z95 = 1.959964
#: Fewest steps of a metric on a side, in each session, to call a change (as for a finding).
MIN_STEPS = MIN_FINDING_STEPS
#: The verdict of a line with fewer than :data:`MIN_STEPS` steps in a session.
TOO_FEW_STEPS = "too few steps to tell"
#: Standard error of a median over that of a mean, for normally spread values (sqrt(pi/2)).
MEDIAN_EFFICIENCY = math.sqrt(math.pi / 2.0)
#: Speed (m/s) assumed when a session's speed is unknown.
DEFAULT_SPEED_MPS = 3.0
#: Cadence resolution: the validation target and typical error of cadence (docs/validation.md).
CADENCE_RESOLUTION_FRACTION = 0.005


@dataclass(frozen=True)
class Timing:
    """What :func:`resolution` needs to know about the two sessions."""

    fps: float  # the coarser of the two frame rates
    speed_mps: float | None = None
    contact_time_ms: float | None = None
    stride_time_ms: float | None = None


@dataclass
class Change:
    """The change of one metric on one side, and whether it is larger than the video can
    detect. Numbers are in the metric's unit; ``None`` where a session has no value."""

    metric: str
    side: str
    before: float | None
    after: float | None
    n_before: int
    n_after: int
    change: float | None
    change_pct: float | None
    sdc: float | None
    real_change: bool
    direction: str  # "up" | "down" | "none"
    se_steps: float | None = None
    se_video: float | None = None
    resolution: float | None = None
    basis: str = "bootstrap"  # "bootstrap" | "regression" | "summary" | "none"
    ci95: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)

    def sdc_dict(self) -> dict:
        """How the smallest detectable change was computed (the ``sdc`` block of the JSON)."""
        return {
            "value": _round(self.sdc),
            "basis": self.basis,
            "steps_se": _round(self.se_steps),
            "video_se": _round(self.se_video),
            "resolution": _round(self.resolution),
            "resamples": BOOTSTRAP_RESAMPLES if self.basis == "bootstrap" else 0,
        }


def _round(x: float | None, digits: int = 4) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def resolution(metric: str, unit: str, before: float | None, timing: Timing) -> float:
    """The smallest change of ``metric`` the videos can show at all, in its unit.

    Timing: one frame of the coarser video (duty factor: one frame over the stride).
    Angles: 2°. Angular speeds: one frame over the contact time, as a share of the value.
    Touchdown distance: half a frame of belt travel (the stance foot moves back at running
    speed, so a contact found half a frame late moves the landing point) plus 1 % of leg
    length, the rule the findings use. Other lengths: 1 % of leg length (about 1 cm), heel
    ratio 0.02 leg. Step length: one frame of travel. Cadence: 0.5 % (its validated error).

    >>> resolution("contact_time_ms", "ms", 250.0, Timing(fps=120.0))
    8.333333333333334
    >>> round(resolution("touchdown_distance_pct", "% leg", 22.0, Timing(120.0, 3.2)), 2)
    2.48
    """
    fps = timing.fps if timing.fps and timing.fps > 0 else 30.0
    frame_ms = 1000.0 / fps
    speed = timing.speed_mps or DEFAULT_SPEED_MPS
    value = abs(before) if before is not None and math.isfinite(before) else 0.0
    if metric == "cadence_spm":
        return CADENCE_RESOLUTION_FRACTION * value
    if metric == "touchdown_distance_pct":
        return touchdown_resolution_pct(speed, fps)
    if unit == "ms":
        return frame_ms
    if unit == "%":
        stride = timing.stride_time_ms or 700.0
        return 100.0 * frame_ms / stride
    if unit == "deg":
        return ANGLE_RESOLUTION_DEG
    if unit == "deg/s":
        contact = timing.contact_time_ms or 250.0
        return value * frame_ms / contact
    if unit == "% leg":
        return 1.0
    if unit == "× leg":
        return 0.02
    if unit == "cm":
        return 1.0
    if unit == "m":
        return speed / fps
    return 0.0


def _statistic(metric: str):
    """The session statistic of per-step values: cadence from the mean stride, else median."""
    if metric == "cadence_spm":
        return lambda a, axis=None: 120000.0 / np.mean(a, axis=axis)
    return lambda a, axis=None: np.median(a, axis=axis)


def finite_number(x: object) -> float | None:
    """``x`` as a float when it is a finite number in a JSON document, else ``None``.

    >>> finite_number(3), finite_number(float("nan")), finite_number("3")
    (3.0, None, None)
    """
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None


def _clean(values) -> np.ndarray:
    if values is None:
        return np.zeros(0)
    out = [v for v in map(finite_number, values) if v is not None]
    return np.asarray(out, float)


def multiplier95(n_before: int, n_after: int) -> float:
    """Two-sided 95 % multiple of a standard error estimated from the steps: Student's t
    with one degree of freedom fewer than the smaller session has steps, because that
    session's spread is itself estimated from a few values.

    >>> round(multiplier95(6, 40), 2), round(multiplier95(20, 20), 2), round(multiplier95(400, 400), 2)
    (2.57, 2.09, 1.97)
    """
    return float(stdtrit(max(1, min(n_before, n_after) - 1), 0.975))


def bootstrap_se(metric: str, side: str, before: np.ndarray, after: np.ndarray) -> float:
    """Standard error of the difference of the session statistics (after − before), from
    :data:`BOOTSTRAP_RESAMPLES` resamples of each session's per-step values (seeded by the
    metric and side, so the result is deterministic)."""
    seed = (BOOTSTRAP_SEED, zlib.crc32(f"{metric}/{side}".encode()))
    rng = np.random.default_rng(seed)
    stat = _statistic(metric)
    b = before[rng.integers(0, before.size, (BOOTSTRAP_RESAMPLES, before.size))]
    a = after[rng.integers(0, after.size, (BOOTSTRAP_RESAMPLES, after.size))]
    diffs = stat(a, axis=1) - stat(b, axis=1)
    return float(np.std(diffs, ddof=1))


def metric_change(
    metric: str,
    unit: str,
    before_steps,
    after_steps,
    before_value: float | None,
    after_value: float | None,
    *,
    fps: float,
    speed_mps: float | None = None,
    side: str = "all",
    summary_se: tuple[float | None, float | None] = (None, None),
    contact_time_ms: float | None = None,
    stride_time_ms: float | None = None,
) -> Change:
    """Change of one metric on one side, with its smallest detectable change.

    Parameters
    ----------
    before_steps, after_steps
        Per-step values of each session (cadence: stride times in ms); non-finite values
        are ignored.
    before_value, after_value
        The session values shown to the user (the analysis summary); the change is their
        difference. ``None`` when the metric was not measured in that session.
    fps
        The coarser frame rate of the two sessions (for the resolution).
    summary_se
        Standard errors of each session's value when it has no per-step values (from its
        summary: interquartile range and count); used only then.
    """
    b_steps, a_steps = _clean(before_steps), _clean(after_steps)
    notes: list[str] = []
    finite = [v is not None and math.isfinite(v) for v in (before_value, after_value)]
    if not all(finite):
        which = "before" if not finite[0] else "after"
        if not any(finite):
            which = "either session"
        return Change(
            metric, side, before_value if finite[0] else None,
            after_value if finite[1] else None, b_steps.size, a_steps.size,
            None, None, None, False, "none", basis="none",
            notes=[f"not measured in {which}"],
        )  # fmt: skip
    assert before_value is not None and after_value is not None
    delta = float(after_value) - float(before_value)
    pct = 100.0 * delta / abs(before_value) if abs(before_value) > 1e-9 else None
    timing = Timing(fps, speed_mps, contact_time_ms, stride_time_ms)
    res = resolution(metric, unit, before_value, timing)
    error = CATALOG[metric].measurement_error if metric in CATALOG else 0.0

    n_b, n_a = b_steps.size, a_steps.size
    se_b, se_a = summary_se
    se_steps = 0.0
    if 0 < min(n_b, n_a) < (2 * MIN_STEPS if metric == "cadence_spm" else MIN_STEPS):
        basis = "none"
    elif metric == "cadence_spm" and se_b is not None and se_a is not None:
        basis, se_steps = "regression", math.hypot(se_b, se_a)
    elif n_b >= 2 and n_a >= 2:
        basis, se_steps = "bootstrap", bootstrap_se(metric, side, b_steps, a_steps)
    elif se_b is not None and se_a is not None:
        basis, se_steps = "summary", math.hypot(se_b, se_a)
    else:
        basis = "none"
    if basis == "none":
        return Change(
            metric, side, before_value, after_value, n_b, n_a, delta, pct, None, False,
            "none", resolution=res, basis="none",
            notes=["too few steps to tell a change from step-to-step variation"],
        )  # fmt: skip
    # no steps to count in a summary: its own standard errors, 1.96 of them
    multiple = Z95 if basis == "summary" else multiplier95(n_b, n_a)
    n_b_eff, n_a_eff = max(n_b, 1), max(n_a, 1)
    se_video = MEDIAN_EFFICIENCY * error * math.sqrt(1.0 / n_b_eff + 1.0 / n_a_eff)
    se = math.hypot(se_steps, se_video)
    sdc = max(res, multiple * se)
    real = abs(delta) > sdc
    direction = ("up" if delta > 0 else "down") if real else "none"
    if not real:
        notes.append("within the smallest detectable change")
    return Change(
        metric,
        side,
        float(before_value),
        float(after_value),
        n_b,
        n_a,
        delta,
        pct,
        sdc,
        real,
        direction,
        se_steps=se_steps,
        se_video=se_video,
        resolution=res,
        basis=basis,
        ci95=(delta - multiple * se, delta + multiple * se),
        notes=notes,
    )


def summary_se(stats: dict | None) -> float | None:
    """Standard error of a session median from its summary (IQR and count), as the findings'
    left/right test does: ``1.2533 * (IQR / 1.349) / sqrt(n)``."""
    if not stats:
        return None
    iqr, n = stats.get("iqr"), stats.get("n")
    if not isinstance(iqr, int | float) or not isinstance(n, int) or n < 2:
        return None
    return MEDIAN_EFFICIENCY * (float(iqr) / 1.349) / math.sqrt(n)


def cadence_se(steps: list[dict], cadence: float | None) -> float | None:
    """Standard error of a session's cadence, from the same fit the analysis uses for it.

    The cadence is 120 / stride time, and the stride time is the common slope of every
    contact time of each foot against its stride number
    (:func:`runform.metrics.summary.stride_time_fit`): an error in one contact then weighs
    about 1/n instead of shifting a whole stride. Resampling strides would ignore that and
    overstate the spread at 30 fps, so the slope's own least-squares standard error is used
    (the residuals of the contacts about the fitted lines), turned into steps/min.
    ``None`` when fewer than three contacts of a foot fit.
    """
    if not cadence or not math.isfinite(cadence) or cadence <= 0:
        return None
    typical = 120.0 / cadence
    sxx = sxy = 0.0
    residual_rows: list[tuple[np.ndarray, np.ndarray]] = []
    for side in ("left", "right"):
        times: set[float] = set()
        for r in steps:
            c = r.get("contact_s")
            if r.get("side") != side or not isinstance(c, int | float):
                continue
            times.add(round(float(c), 5))
            stride = r.get("stride_time_ms")
            if isinstance(stride, int | float) and math.isfinite(stride):
                times.add(round(float(c) + stride / 1000.0, 5))
        t = np.sort(np.fromiter(times, float))
        if t.size < 3:
            continue
        k = np.round((t - t[0]) / typical)
        keep = np.abs(t - t[0] - k * typical) <= typical / 3.0
        t, k = t[keep], k[keep]
        if t.size < 3 or k.max() - k.min() < 2:
            continue
        kc, tc = k - k.mean(), t - t.mean()
        sxx += float(kc @ kc)
        sxy += float(kc @ tc)
        residual_rows.append((kc, tc))
    if not residual_rows or sxx <= 0:
        return None
    slope = sxy / sxx
    sse = sum(float(np.sum((tc - slope * kc) ** 2)) for kc, tc in residual_rows)
    dof = sum(kc.size for kc, _ in residual_rows) - len(residual_rows) - 1
    if dof < 1 or slope <= 0:
        return None
    se_slope = math.sqrt(sse / dof / sxx)
    return 120.0 * se_slope / slope**2

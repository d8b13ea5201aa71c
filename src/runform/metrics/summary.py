"""Summaries of per-step metrics: per side (median, spread, count), symmetry and quality.

Every metric result carries a quality verdict built from the catalogue's declaration:
enough steps? frame rate good enough for this metric? keypoints confident? A metric with
``quality.level == "poor"`` is still reported, but marked as not trusted, and the findings
layer gives it no weight.

:func:`assess` then adds, per leg (or for the whole body), the band the metric is judged
against, its measurement error, whether the value is reliable (the leg further from the
camera never is: it is seen from the other side, partly hidden) and the verdict: below,
within or above the band, or not measured reliably.
"""

from __future__ import annotations

import numpy as np

from runform.metrics.catalog import (
    CATALOG,
    MetricSpec,
    combined_error,
    expected_cadence,
    resolvable,
)
from runform.text import counted

#: Leg (hip joint → ankle joint) as a fraction of body height (thigh 0.245 H + shank
#: 0.246 H; Winter 2009, Biomechanics and Motor Control of Human Movement, segment lengths).
LEG_FRACTION_OF_HEIGHT = 0.491


def step_stats(values: list[float]) -> dict | None:
    """Median, IQR, quartiles, mean, SD and count of the finite values (``None`` if none)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return None
    q25, q50, q75 = np.percentile(v, [25, 50, 75])
    return {
        "median": round(float(q50), 2),
        "iqr": round(float(q75 - q25), 2),
        "q25": round(float(q25), 2),
        "q75": round(float(q75), 2),
        "mean": round(float(v.mean()), 2),
        "sd": round(float(v.std(ddof=1)), 2) if v.size > 1 else 0.0,
        "n": int(v.size),
    }


#: :func:`stride_time_fit` leaves out a contact further than this fraction of a stride from
#: its foot's robust line (runners' strides vary by a few per cent).
FIT_OUTLIER_FRACTION = 0.08


def stride_time_fit(rows: list[dict], typical_s: float) -> float | None:
    """Stride time (s) as the common slope of contact time against stride number.

    Each foot's contacts (the steps' contacts and their next contacts of the same foot) are
    numbered by whole strides of ``typical_s`` from that foot's first contact, and one line
    per foot with a shared slope is fitted by least squares, so a constant timing offset of
    one foot (the far foot is often detected late) does not matter and gaps between steps
    are bridged. Contacts more than a third of a stride off their number's place are left
    out, and so is a contact further than :data:`FIT_OUTLIER_FRACTION` of a stride (or
    four robust SDs of all the contacts' distances, where pace drifts) from a robust line
    (the median of the pairwise slopes) before the least-squares fit: one landing found
    100 ms early at the edge of a short clip would otherwise move the cadence by 1 %. ``None``
    when fewer than two strides' span is known on any foot.

    >>> jitter = [0.0, 0.01, -0.01, -0.01, 0.01, 0.0]
    >>> rows = [{"side": "left", "contact_s": 0.7 * k + e, "stride_time_ms": None}
    ...         for k, e in enumerate(jitter)]
    >>> rows += [{"side": "right", "contact_s": 0.35 + 0.03 + 0.7 * k, "stride_time_ms": None}
    ...          for k in (0, 1, 3, 4)]  # a late far foot, and a gap
    >>> round(stride_time_fit(rows, 0.71), 4)
    0.7
    >>> rows[0]["contact_s"] = -0.1  # the first landing found 100 ms early
    >>> round(stride_time_fit(rows, 0.71), 4)
    0.7
    """
    if not (typical_s > 0 and np.isfinite(typical_s)):
        return None
    feet: list[tuple[np.ndarray, np.ndarray]] = []
    for side in ("left", "right"):
        times: set[float] = set()
        for r in rows:
            if r["side"] != side or r.get("contact_s") is None:
                continue
            times.add(round(float(r["contact_s"]), 5))
            if r.get("stride_time_ms") is not None:
                times.add(round(float(r["contact_s"]) + r["stride_time_ms"] / 1000.0, 5))
        t = np.sort(np.fromiter(times, float))
        if t.size < 3:
            continue
        k = np.round((t - t[0]) / typical_s)
        keep = np.abs(t - t[0] - k * typical_s) <= typical_s / 3.0
        if keep.sum() >= 3:
            feet.append((t[keep], k[keep]))
    slope = _shared_slope(feet)
    if slope is None:
        return None
    # the distances from a robust line (the median of the pairwise slopes, each foot's
    # median intercept), which one stray contact cannot pull towards itself
    robust = float(np.median(np.concatenate([_pairwise_slopes(t, k) for t, k in feet])))
    residuals = [t - robust * k - np.median(t - robust * k) for t, k in feet]
    spread = 1.4826 * float(np.median(np.abs(np.concatenate(residuals))))
    limit = max(FIT_OUTLIER_FRACTION * typical_s, 4.0 * spread)
    trimmed = [
        (t[np.abs(r) <= limit], k[np.abs(r) <= limit])
        for (t, k), r in zip(feet, residuals, strict=True)
    ]
    slope = _shared_slope(trimmed) or slope
    return float(slope) if 0.5 * typical_s <= slope <= 1.5 * typical_s else None


def _pairwise_slopes(t: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Slopes between every pair of one foot's contacts of different stride numbers."""
    i, j = np.triu_indices(t.size, 1)
    dk = k[j] - k[i]
    return (t[j] - t[i])[dk != 0] / dk[dk != 0]


def _shared_slope(feet: list[tuple[np.ndarray, np.ndarray]]) -> float | None:
    """Least-squares slope shared by every foot's line (each foot's own intercept drops
    out); ``None`` when no foot spans two strides."""
    kk = kt = 0.0
    for t, k in feet:
        if t.size < 3 or k.max() - k.min() < 2:
            continue
        tc, kc = t - t.mean(), k - k.mean()
        kk += float(kc @ kc)
        kt += float(kc @ tc)
    return kt / kk if kk > 0 else None


def _quality(spec: MetricSpec, fps: float, n_min: int, confidence: float) -> dict:
    flags: list[str] = []
    level = "good"
    if n_min < spec.min_steps:
        flags.append(
            f"only {counted(n_min, 'step')} on a side; at least {spec.min_steps} are needed"
        )
        level = "poor" if n_min < 2 else "fair"
    if spec.coarse_fps and fps < spec.coarse_fps:
        frame_ms = 1000.0 / fps
        flags.append(
            f"coarse at {fps:.0f} fps: one frame is {frame_ms:.0f} ms; film at 120 fps or more "
            "for contact timing"
        )
        level = "fair" if level == "good" else level
    elif fps < spec.good_fps:
        flags.append(f"frame rate {fps:.0f} fps is low for this metric")
        level = "fair" if level == "good" else level
    if confidence < 0.5:
        flags.append(f"low keypoint confidence ({confidence:.2f})")
        level = "poor" if confidence < 0.3 else ("fair" if level == "good" else level)
    return {"level": level, "trusted": level != "poor", "flags": flags}


def summarise(
    rows: list[dict],
    *,
    fps: float,
    confidence: dict[str, float],
    scale_m_per_unit: float | None = None,
    leg_units: float | None = None,
    treadmill_speed: float | None = None,
    near_side: str | None = None,
) -> tuple[dict, dict]:
    """Summarise per-step rows into ``(metrics, summary)``.

    ``metrics`` maps every catalogue id that could be computed to
    ``{"name", "unit", "per_side", "left", "right", "all", "difference", "symmetry_pct",
    "quality", "band", "graded"}``; ``summary`` is the short form (medians; per side as
    ``{"left": x, "right": y}``) used at the top of ``analysis.json``. ``near_side`` is the
    leg nearer the camera, when known: a problem of the far leg alone (implausible timing,
    dropped steps) then does not make the metric untrusted, since the far leg's values are
    not used anyway (:func:`assess`).
    """
    metrics: dict = {}
    summary: dict = {}
    n_side = {s: sum(1 for r in rows if r["side"] == s) for s in ("left", "right")}
    for spec in CATALOG.values():
        if spec.id in ("cadence_spm", "vertical_oscillation_cm"):
            continue
        per = {
            s: step_stats([r.get(spec.id) for r in rows if r["side"] == s])
            for s in ("left", "right")
        }
        overall = step_stats([r.get(spec.id) for r in rows])
        if overall is None:
            continue
        entry = _entry(spec, per, overall, fps, n_side, confidence, near_side)
        metrics[spec.id] = entry
        if spec.per_side:
            summary[spec.id] = {s: (per[s]["median"] if per[s] else None) for s in per}
        else:
            summary[spec.id] = overall["median"]

    _flag_implausible_timing_asymmetry(metrics, near_side)

    # Cadence from same-foot stride times: a side-specific timing bias (the far foot is
    # often detected a little late) cancels within a stride but not within a step.
    stride_ms = [r["stride_time_ms"] for r in rows if r.get("stride_time_ms") is not None]
    if stride_ms:
        spec = CATALOG["cadence_spm"]
        cad = step_stats([120000.0 / x for x in stride_ms])
        assert cad is not None
        # The stride time is the slope of a line through every contact of both feet against
        # its stride number (one line per foot, one common slope): the error of each contact
        # time then weighs ~1/n (a median of strides would keep it, a mean of strides keeps
        # the first and last contacts' errors, and gaps break the mean apart), which matters
        # at 30 fps where a contact is only known to about a frame.
        med = float(np.median(stride_ms))
        stride_s = stride_time_fit(rows, med / 1000.0)
        if stride_s is None:
            regular = [x for x in stride_ms if 0.7 * med <= x <= 1.3 * med] or [med]
            stride_s = float(np.mean(regular)) / 1000.0
        cad["median"] = round(120.0 / stride_s, 2)
        entry = _entry(spec, {"left": None, "right": None}, cad, fps, n_side, confidence)
        if treadmill_speed:
            entry["expected"] = round(expected_cadence(treadmill_speed), 1)
        metrics["cadence_spm"] = entry
        summary["cadence_spm"] = cad["median"]

    if "vertical_oscillation_pct" in metrics and scale_m_per_unit and leg_units:
        leg_cm = 100.0 * scale_m_per_unit * leg_units
        spec = CATALOG["vertical_oscillation_cm"]
        vals = [
            r["vertical_oscillation_pct"] * leg_cm / 100.0
            for r in rows
            if r.get("vertical_oscillation_pct") is not None
        ]
        overall = step_stats(vals)
        if overall:
            metrics[spec.id] = _entry(
                spec, {"left": None, "right": None}, overall, fps, n_side, confidence
            )
            summary[spec.id] = overall["median"]
    return metrics, summary


#: Contact-time difference between feet beyond which it is taken as a tracking artefact:
#: healthy runners differ by a few per cent (symmetry indices of ~2–8 % are typical), so a
#: far larger difference almost always means one foot (usually the far, partly hidden one)
#: is poorly tracked around contact.
IMPLAUSIBLE_TIMING_ASYMMETRY_PCT = 25.0
_TIMING_METRICS = ("contact_time_ms", "flight_time_ms", "duty_factor_pct", "step_time_ms")


def _flag_implausible_timing_asymmetry(metrics: dict, near_side: str | None = None) -> None:
    ct = metrics.get("contact_time_ms")
    if not ct or ct.get("symmetry_pct") is None:
        return
    if ct["symmetry_pct"] <= IMPLAUSIBLE_TIMING_ASYMMETRY_PCT:
        return
    if near_side in ("left", "right"):
        # The far foot is the one half hidden; its timing is not used anyway.
        far = "right" if near_side == "left" else "left"
        flag = (
            f"contact times of the two feet differ by {ct['symmetry_pct']:.0f} %, far more than "
            f"in healthy running: the {far} (far) foot is probably poorly tracked around contact"
        )
        for mid in _TIMING_METRICS:
            if metrics.get(mid):
                metrics[mid]["quality"]["flags"].append(flag)
        return
    flag = (
        f"contact times of the two feet differ by {ct['symmetry_pct']:.0f} %, far more than in "
        "healthy running: one foot is probably poorly tracked around contact (often the far "
        "foot, partly hidden); per-side timing is not trusted"
    )
    for mid in _TIMING_METRICS:
        m = metrics.get(mid)
        if m:
            m["quality"]["flags"].append(flag)
            m["quality"]["level"] = "poor"
            m["quality"]["trusted"] = False


def _flag_dropped_steps(entry: dict, per: dict, n_side: dict, near_side: str | None = None) -> None:
    """Mark a per-side metric untrusted when most of a side's steps gave no value: the
    pose was distorted where the metric is read (a leg segment much shorter than its
    length, typically a motion-blurred foot at 30 fps), so the remaining steps are a
    biased sample. The far leg (when the near side is known) only gets the flag: its values
    are not used anyway."""
    far = {"left": "right", "right": "left"}.get(near_side or "")
    for side in ("left", "right"):
        total = n_side.get(side, 0)
        kept = per[side]["n"] if per.get(side) else 0
        if total >= 4 and kept < 0.5 * total:
            entry["quality"]["flags"].append(
                f"{side}: only {kept} of {total} steps usable: the pose model distorted the leg "
                "where this is read (often a motion-blurred foot; film at 120 fps or more)"
            )
            if side == far:
                continue
            entry["quality"]["level"] = "poor"
            entry["quality"]["trusted"] = False


def _entry(
    spec: MetricSpec,
    per: dict,
    overall: dict,
    fps: float,
    n_side: dict,
    confidence: dict,
    near_side: str | None = None,
) -> dict:
    conf = float(np.mean([confidence.get(s, 1.0) for s in ("left", "right")]))
    if spec.per_side and near_side in ("left", "right"):
        # Only the near leg's values are used: its steps and its keypoints decide.
        n_min = per[near_side]["n"] if per.get(near_side) else 0
        conf = float(confidence.get(near_side, 1.0))
    elif spec.per_side:
        present = [s for s in ("left", "right") if per[s]]
        n_min = min(per[s]["n"] for s in present) if len(present) == 2 else 0
    else:
        # the legs with steps (one, when the near leg was measured alone: every value is
        # then its own and counts whole)
        measured = [n for n in n_side.values() if n > 0]
        n_min = min(measured) if measured else 0
        n_min = max(n_min, overall["n"] // len(measured) if measured else 0)
    entry = {
        "name": spec.name,
        "unit": spec.unit,
        "per_side": spec.per_side,
        "left": per.get("left"),
        "right": per.get("right"),
        "all": overall,
        "difference": None,
        "symmetry_pct": None,
        "graded": spec.graded,
        "concern": spec.concern,
        "band": spec.band.to_dict() if spec.band else None,
        "quality": _quality(spec, fps, n_min, conf),
    }
    if spec.per_side:
        _flag_dropped_steps(entry, per, n_side, near_side)
    if spec.per_side and spec.symmetry and per.get("left") and per.get("right"):
        left, right = per["left"]["median"], per["right"]["median"]
        entry["difference"] = round(right - left, 2)
        entry["symmetry_pct"] = symmetry_index(left, right)
    return entry


def symmetry_index(left: float, right: float) -> float | None:
    """Robinson's symmetry index with magnitudes: ``100·|L − R| / mean(|L|, |R|)``, in %
    (``None`` when both values are zero).

    >>> symmetry_index(250.0, 200.0)
    22.2
    >>> symmetry_index(2.0, -2.0)
    200.0
    """
    denom = 0.5 * (abs(left) + abs(right))
    if denom <= 1e-9:
        return None
    return round(100.0 * abs(left - right) / denom, 1)


# ----------------------------------------------------------------------------- per-leg verdicts
#: Verdicts of a value against its band.
VERDICTS: tuple[str, ...] = ("below", "within", "above", "not measured reliably", "no band")


def leg_views(near_side: str | None) -> dict[str, str]:
    """``{"left": view, "right": view}``: ``"near"``/``"far"`` when the leg nearer the camera
    is known, else ``"unknown"`` for both.

    >>> leg_views("left")
    {'left': 'near', 'right': 'far'}
    """
    if near_side in ("left", "right"):
        far = "right" if near_side == "left" else "left"
        return {near_side: "near", far: "far"}
    return {"left": "unknown", "right": "unknown"}


def far_leg_reason(side: str) -> str:
    """Why a far leg's value is not used, in words the report shows."""
    near = "right" if side == "left" else "left"
    return (
        f"seen from the other side: the {side} leg was the far leg, partly hidden behind the "
        f"{near} leg and the body; film the runner's {side} side to measure it"
    )


def position(value: float, low: float | None, high: float | None) -> str:
    """``"below"``, ``"within"`` or ``"above"`` a band, or ``"no band"``.

    >>> position(17.9, 18.0, 30.0), position(240.0, 220.0, None), position(3.0, None, None)
    ('below', 'within', 'no band')
    """
    if low is None and high is None:
        return "no band"
    if low is not None and value < low:
        return "below"
    if high is not None and value > high:
        return "above"
    return "within"


def assess(
    metrics: dict,
    *,
    near_side: str | None,
    fps: float,
    bands: dict[str, dict | None] | None = None,
    timing_errors: dict[tuple[str, str], float] | None = None,
) -> dict:
    """Add to every metric entry (in place, and return ``metrics``):

    - ``band``: the band it is judged against (``bands[metric]`` when given: the pace-adjusted
      band of :func:`runform.findings.pace.metric_band`), one band for every output;
    - ``measurement_error``: per leg (``left``/``right``) or ``all``, in the metric's unit:
      the catalogue's error, the part proportional to the value and the event-timing part
      ``timing_errors[(metric, side)]``, in quadrature;
    - ``reliability``: per leg or ``all``: ``{"view", "reliable", "reason"}``. The far leg is
      never reliable (seen from the other side); a metric that uses the other foot's contact
      (``MetricSpec.other_foot``) is reliable only when both legs are; nor is a value of an
      untrusted metric, a missing value, or one whose error is too large to place it against
      its band (:func:`runform.metrics.spec.resolvable`);
    - ``verdict``: per leg or ``all``: one of :data:`VERDICTS`.
    """
    views = leg_views(near_side)
    timing_errors = timing_errors or {}
    for mid, entry in metrics.items():
        spec = CATALOG.get(mid)
        if spec is None:
            continue
        if bands is not None and mid in bands:
            entry["band"] = bands[mid]
        band = entry.get("band") or {}
        keys = ("left", "right") if entry.get("per_side") else ("all",)
        quality = entry.get("quality") or {}
        errors, reliability, verdicts = {}, {}, {}
        for key in keys:
            stats = entry.get(key)
            median = stats.get("median") if stats else None
            finite = isinstance(median, int | float) and bool(np.isfinite(median))
            error = combined_error(
                spec, median if finite else None, timing_errors.get((mid, key), 0.0)
            )
            errors[key] = round(error, 3 if error < 5 else 1)
            view = views[key] if key in views else "whole body"
            reason = ""
            if view == "far":
                reason = far_leg_reason(key)
            elif entry.get("per_side") and spec.other_foot and "far" in views.values():
                far = next(s for s, v in views.items() if v == "far")
                reason = (
                    f"uses the other foot's contact, and the {far} foot was the far foot, "
                    "partly hidden"
                )
            elif not quality.get("trusted", True):
                reason = "; ".join(quality.get("flags") or ["poor data quality"])
            elif not finite:
                reason = "not measured in this video"
            elif not resolvable(spec, error, median):
                reason = (
                    f"the measurement error (±{_fmt(error)} {spec.unit} at {fps:.0f} fps) is too "
                    "large to place the value against its band; film at a higher frame rate"
                )
            reliable = not reason
            reliability[key] = {"view": view, "reliable": reliable, "reason": reason}
            if not reliable:
                verdicts[key] = "not measured reliably"
            else:
                verdicts[key] = position(float(median), band.get("low"), band.get("high"))
        entry["measurement_error"] = errors
        entry["reliability"] = reliability
        entry["verdict"] = verdicts
    return metrics


def _fmt(x: float) -> str:
    return f"{x:.2f}" if abs(x) < 5 else f"{x:.0f}"

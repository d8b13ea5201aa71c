"""What the both-sides merge checks: do the two clips show the same run
(:func:`checks`), how the legs differ from near-leg values with their uncertainty
(:func:`symmetry`), and each clip's far-leg values against the other clip's near-leg ones
(:func:`cross_check`). Used by :func:`runform.compare.sides.merge_sides`."""

from __future__ import annotations

import math

import numpy as np

from runform.compare.change import MIN_STEPS, bootstrap_se
from runform.findings.specs import ASYMMETRY_METRICS
from runform.metrics.summary import symmetry_index

SIDES = ("left", "right")

#: Cadence of the two clips differing by more than this fraction: not the same run.
CADENCE_AGREEMENT = 0.03
#: Stated treadmill speeds differing by more than this (m/s): not the same run.
SPEED_AGREEMENT_MPS = 0.2
#: Stated heights differing by more than this (cm): perhaps not the same runner.
HEIGHT_AGREEMENT_CM = 3.0
#: A far-leg value further than this many measurement errors from the same leg measured
#: as the near leg in the other clip is reported in the cross-check.
CROSS_CHECK_ERRORS = 2.0


def step_values(doc: dict, metric: str, side: str | None) -> list[float]:
    """The finite per-step values of ``metric`` (of one leg, or all steps for ``None``)."""
    return [
        float(r[metric])
        for r in doc.get("steps") or []
        if (side is None or r.get("side") == side)
        and isinstance(r.get(metric), int | float)
        and math.isfinite(r[metric])
    ]


def symmetry(metrics: dict, docs: dict[str, dict]) -> dict:
    """Per per-leg metric: right − left from near legs, with its uncertainty."""
    out = {}
    for mid, entry in metrics.items():
        if not entry.get("per_side"):
            continue
        lm = (entry.get("left") or {}).get("median")
        rm = (entry.get("right") or {}).get("median")
        if not (isinstance(lm, int | float) and isinstance(rm, int | float)):
            continue
        rel = entry.get("reliability") or {}
        both = all((rel.get(s) or {}).get("reliable") for s in SIDES)
        left_steps = np.asarray(step_values(docs["left"], mid, "left"))
        right_steps = np.asarray(step_values(docs["right"], mid, "right"))
        se = None  # as for a before/after change: six steps a leg, or no difference is called
        if left_steps.size >= MIN_STEPS and right_steps.size >= MIN_STEPS:
            se = bootstrap_se(mid, "symmetry", left_steps, right_steps)
        errs = entry.get("measurement_error") or {}
        e_l, e_r = errs.get("left"), errs.get("right")
        meas = (
            math.hypot(e_l, e_r)
            if isinstance(e_l, int | float) and isinstance(e_r, int | float)
            else None
        )
        diff = rm - lm
        real = bool(
            both
            and se is not None
            and meas is not None
            and abs(diff) > meas
            and abs(diff) > 2.0 * se
        )
        out[mid] = {
            "left": lm,
            "right": rm,
            "difference": round(diff, 3),
            "symmetry_pct": symmetry_index(lm, rm),
            "steps_se": None if se is None else round(se, 3),
            "measurement_error": None if meas is None else round(meas, 3),
            "both_reliable": both,
            "real": real,
            "compared_for_asymmetry": mid in ASYMMETRY_METRICS,
        }
    return out


def cross_check(metrics: dict, docs: dict[str, dict]) -> list[dict]:
    """Each clip's far-leg value against the same leg measured as the near leg."""
    rows = []
    for mid, entry in metrics.items():
        if not entry.get("per_side"):
            continue
        for side in SIDES:
            other = "right" if side == "left" else "left"
            far = ((docs[other].get("metrics") or {}).get(mid) or {}).get(side) or {}
            near = entry.get(side) or {}
            fv, nv = far.get("median"), near.get("median")
            err = (entry.get("measurement_error") or {}).get(side)
            if not all(isinstance(v, int | float) for v in (fv, nv, err)):
                continue
            rows.append(
                {
                    "metric": mid,
                    "side": side,
                    "near": nv,
                    "far": fv,
                    "difference": round(fv - nv, 3),
                    "agrees": abs(fv - nv) <= CROSS_CHECK_ERRORS * max(err, 1e-9),
                }
            )
    return rows


def checks(docs: dict[str, dict]) -> list[dict]:
    """Whether the two clips show the same run: each check with a sentence when it fails."""
    checks = []
    a, b = docs["left"], docs["right"]

    def add(code: str, ok: bool, message: str, values: tuple) -> None:
        checks.append({"code": code, "ok": ok, "message": "" if ok else message, "values": values})

    ca = (a.get("summary") or {}).get("cadence_spm")
    cb = (b.get("summary") or {}).get("cadence_spm")
    if isinstance(ca, int | float) and isinstance(cb, int | float) and min(ca, cb) > 0:
        rel = abs(ca - cb) / min(ca, cb)
        add(
            "cadence",
            rel <= CADENCE_AGREEMENT,
            f"The two clips' cadences differ by {100 * rel:.0f} % ({ca:.0f} and {cb:.0f} "
            "steps/min): they do not look like the same run at the same speed, so the legs are "
            "compared across different running; film both sides at the same speed.",
            (ca, cb),
        )
    sa = (a.get("options") or {}).get("treadmill_speed_mps")
    sb = (b.get("options") or {}).get("treadmill_speed_mps")
    if isinstance(sa, int | float) and isinstance(sb, int | float):
        add(
            "speed",
            abs(sa - sb) <= SPEED_AGREEMENT_MPS,
            f"The two clips were given different treadmill speeds ({sa:g} and {sb:g} m/s); "
            "compare legs at one speed.",
            (sa, sb),
        )
    ha = (a.get("options") or {}).get("height_cm")
    hb = (b.get("options") or {}).get("height_cm")
    if isinstance(ha, int | float) and isinstance(hb, int | float):
        add(
            "height",
            abs(ha - hb) <= HEIGHT_AGREEMENT_CM,
            f"The two clips state different heights ({ha:g} and {hb:g} cm): are they of the "
            "same runner?",
            (ha, hb),
        )
    ta = (a.get("context") or {}).get("setting")
    tb = (b.get("context") or {}).get("setting")
    if ta and tb:
        add(
            "setting",
            ta == tb,
            f"One clip is {ta} running and the other {tb}; film both sides in the same setting.",
            (ta, tb),
        )
    fa = (a.get("input") or {}).get("frame_rate")
    fb = (b.get("input") or {}).get("frame_rate")
    if isinstance(fa, int | float) and isinstance(fb, int | float) and min(fa, fb) > 0:
        add(
            "frame_rate",
            max(fa, fb) / min(fa, fb) <= 1.5,
            f"The clips were filmed at different frame rates ({fa:.0f} and {fb:.0f} fps), so "
            "the legs' timings are measured with different precision.",
            (fa, fb),
        )
    return checks


__all__ = ["checks", "cross_check", "step_values", "symmetry"]

"""Metric values measured on the synthetic runner's noiseless geometry."""

from __future__ import annotations

import numpy as np

from runform.synthetic.model import Model, angle_from_vertical


def measure_truth(model: Model, px_per_m: float, ground_px: float) -> dict:
    """Metric values measured on the noiseless geometry over one stride per side."""
    spec = model.spec
    T = model.stride
    leg_len = spec.leg_length_m
    n = 6000
    truth: dict = {
        "cadence_spm": 60.0 / (0.5 * T),
        "step_time_ms": 500.0 * T,
        "stride_time_ms": 1000.0 * T,
        "contact_time_ms": 0.0,
        "flight_time_ms": 0.0,
        "duty_factor_pct": 0.0,
    }
    per_side: dict[str, dict[str, float]] = {}
    for side, leg in model.legs.items():
        tc = leg.contact
        s = np.union1d(np.linspace(0.0, T, n + 1), [tc])
        t = leg.first_contact + s
        pts = model.points(t)
        hip, knee, ankle = (pts[f"{side}_{p}"] for p in ("hip", "knee", "ankle"))
        heel = pts[f"{side}_heel"]
        thigh = angle_from_vertical(hip, knee)
        shank = angle_from_vertical(knee, ankle)
        kneef = thigh - shank
        hip_angle = thigh + pts["_trunk_deg"]
        i_to = int(np.searchsorted(s, tc))
        stance = slice(0, i_to + 1)
        swing = slice(i_to, None)
        rate = np.gradient(thigh, s)
        hip_mid = 0.5 * (pts["left_hip"] + pts["right_hip"])
        per_side[side] = {
            "contact_time_ms": 1000.0 * tc,
            "duty_factor_pct": 100.0 * tc / T,
            "thigh_extension_deg": -float(thigh.min()),
            "hip_extension_trunk_deg": -float(hip_angle.min()),
            "thigh_flexion_contact_deg": float(thigh[0]),
            "thigh_angle_toe_off_deg": float(thigh[i_to]),
            "thigh_flexion_swing_peak_deg": float(thigh[swing].max()),
            "drive_peak_deg_s": float(-rate[stance].min()),
            "drive_mean_deg_s": float((thigh[0] - thigh[i_to]) / tc),
            "knee_flexion_contact_deg": float(kneef[0]),
            "knee_flexion_toe_off_deg": float(kneef[i_to]),
            "knee_flexion_stance_peak_deg": float(kneef[stance].max()),
            "knee_flexion_swing_peak_deg": float(kneef[swing].max()),
            "shank_angle_contact_deg": float(shank[0]),
            "touchdown_distance_m": float(ankle[0, 0] - hip_mid[0, 0]),
            "touchdown_distance_pct": float(100.0 * (ankle[0, 0] - hip_mid[0, 0]) / leg_len),
            "heel_recovery_ratio": float(
                np.linalg.norm(heel[swing] - hip[swing], axis=1).min() / leg_len
            ),
        }
    for key in next(iter(per_side.values())):
        truth[key] = {side: per_side[side][key] for side in ("left", "right")}
    for key in ("contact_time_ms", "duty_factor_pct"):
        truth[f"{key}_by_side"] = truth[key]
        truth[key] = float(np.mean(list(truth[key].values())))
    truth["flight_time_ms"] = 500.0 * T - truth["contact_time_ms"]
    # per step (contact -> next contact of the other foot): hip bounce and trunk lean
    left = model.legs["left"]
    s = np.linspace(0.0, T, 2 * n + 1)
    pts = model.points(left.first_contact + s)
    hip_z = 0.5 * (pts["left_hip"][:, 1] + pts["right_hip"][:, 1])
    half = n
    bounce = [np.ptp(hip_z[: half + 1]), np.ptp(hip_z[half:])]
    trunk_vec = 0.5 * (pts["left_shoulder"] + pts["right_shoulder"]) - 0.5 * (
        pts["left_hip"] + pts["right_hip"]
    )
    trunk = np.degrees(np.arctan2(trunk_vec[:, 0], trunk_vec[:, 1]))
    truth["trunk_lean_deg"] = float(np.mean(trunk[:-1]))
    truth["vertical_oscillation_m"] = float(np.mean(bounce))
    truth["vertical_oscillation_pct"] = float(100.0 * np.mean(bounce) / leg_len)
    truth.update(
        speed_mps=spec.speed_mps,
        leg_length_m=leg_len,
        px_per_m=px_per_m,
        ground_y_px=ground_px,
        direction=1 if spec.facing == "right" else -1,
        foot_strike=spec.foot_strike,
        treadmill=spec.treadmill,
    )
    return truth

"""Does another toe-off feature generalise better across runners? (issue 9)

runform times toe-off where the foot's lowest point rises a small height above its
stance plateau. Its worst held-out runners are 30-40 ms off, in both directions at the
same speed. This script asks whether a feature that does not depend on height would
spread less from runner to runner: the toe leaving the belt's speed (its forward velocity
departing from the stance velocity by a fraction of it, the idea behind Zeni et al. 2008's
toe-off, which uses the toe's most backward position relative to the pelvis), and the
leg's peak knee extension at the end of stance (Fellin et al. 2010), alone and averaged
with the height crossing (each feature's pooled bias removed first: what a calibrated
offset does). The knee alone spreads as much as the height over all speeds (at 2 m/s its
peak comes 30-60 ms early), but its errors are not the height's: the average of the two
spreads far less, which is why the detector uses it (``knee_weight``). Two more were tried
as a third witness and not adopted (session 5): the toe's most backward position behind
the hip (Zeni et al. 2008's toe-off itself; it comes ~90 ms after toe-off and its errors
follow the knee's, so the three-way average spreads no less than height + knee), and the
peak of the toe's upward acceleration (its errors follow the height's).

Session 10 added the foot's pitch (:mod:`runform.gait.foot_pitch`): the heel-to-toe line
pitching a fixed angle past its mid-stance value, read as the detector reads it (cleaned
track, the force plate's stance for the mid-stance angle). It spreads least of all between
trials (SD about 6 ms at 35-45°, against 16-19 ms for a height crossing or the knee's
peak), with or without noise (``--noisy``: 60 Hz with 8 px), and its one far trial is
RBDS0041 (+17-20 ms), which every other feature also puts late.

For every force-plate stance of every trial (native rate, no noise, the harness's side
view), both features are computed from the projected toe point (``foot_index``, low-passed
at 12 Hz) at several levels, and compared with the force plate's toe-off. It prints, per
feature and level: the pooled bias, the SD of the trials' mean biases (what no single
constant can remove), the worst trial's distance from the pooled bias, and the mean
within-trial SD (stance-to-stance scatter). A feature generalises better if its
between-trial SD is clearly smaller.

Usage: ``python bench/toe_off_features.py [--noisy]`` (needs ``../shared/data``).
"""

from __future__ import annotations

import itertools
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table


def _lowpass(t: np.ndarray, y: np.ndarray, cutoff_hz: float) -> np.ndarray:
    from scipy.signal import butter, filtfilt

    fs = 1.0 / float(np.median(np.diff(t)))
    b, a = butter(2, cutoff_hz / (fs / 2))
    return filtfilt(b, a, y)


def _first_rise(t: np.ndarray, y: np.ndarray, start: int, level: float) -> float:
    for i in range(start, len(y) - 1):
        if y[i] <= level < y[i + 1]:
            return float(t[i] + (level - y[i]) / (y[i + 1] - y[i]) * (t[i + 1] - t[i]))
    return float("nan")


VELOCITY_LEVELS = (0.1, 0.2, 0.3, 0.5)  # fraction of the stance velocity
HEIGHT_LEVELS = (0.005, 0.01, 0.015, 0.02)  # leg lengths above the plateau
PITCH_LEVELS = (30.0, 35.0, 40.0, 45.0, 50.0)  # degrees past the mid-stance angle


def stance_errors(trials, rate_hz: float | None = None, noise_px: float = 0.0) -> list[dict]:
    from mocap import project
    from runform.gait.clean import clean_track
    from runform.gait.foot_pitch import foot_pitch, pitch_crossing
    from runform.gait.knee_extension import knee_included_angle

    rows = []
    for trial in trials:
        track = project(trial, rate_hz, noise_px, "left", seed=1, phase=0.45)  # forward: -x
        t = track.time
        cleaned = clean_track(track)[0]
        for side in ("left", "right"):
            pitch = foot_pitch(cleaned, side, -1)
            toe = track.point(f"{side}_foot_index")
            hip, ankle = track.point(f"{side}_hip"), track.point(f"{side}_ankle")
            ok = np.isfinite(toe[:, 0])
            if ok.mean() < 0.7:
                continue  # markers missing for most of the trial
            leg = float(np.nanmedian(np.hypot(*(hip - ankle).T)))
            x = _lowpass(t, np.interp(t, t[ok], toe[ok, 0]), 12.0)
            y = _lowpass(t, np.interp(t, t[ok], toe[ok, 1]), 12.0)
            forward_v = -np.gradient(x, t) / leg
            height = (np.percentile(y, 99) - y) / leg
            events = [e for e in trial.events if e["side"] == side]
            for a, b in itertools.pairwise(events):
                if a["kind"] != "contact" or b["kind"] != "toe_off":
                    continue
                if a["time_s"] < t[5] or b["time_s"] > t[-5]:
                    continue
                ic, it = np.searchsorted(t, [a["time_s"], b["time_s"]])
                core = slice(ic + (it - ic) // 4, it - (it - ic) // 4)
                v_stance, plateau = (
                    float(np.median(forward_v[core])),
                    float(np.median(height[core])),
                )
                mid = (ic + it) // 2
                row = {"trial": trial.name}
                for level in PITCH_LEVELS:
                    row[f"pitch {level:g}"] = (
                        pitch_crossing(t, pitch, a["time_s"], b["time_s"], level) - b["time_s"]
                        if pitch is not None
                        else float("nan")
                    )
                for f in VELOCITY_LEVELS:
                    rel = (forward_v - v_stance) / abs(v_stance)
                    row[f"velocity {f:g}"] = _first_rise(t, rel, mid, f) - b["time_s"]
                for h in HEIGHT_LEVELS:
                    row[f"height {h:g}"] = _first_rise(t, height - plateau, mid, h) - b["time_s"]
                win = slice(mid, min(len(t) - 1, it + int(0.12 / float(np.median(np.diff(t))))))
                knee = knee_included_angle(track, side)  # as the detector measures it
                ok_win = knee is not None and np.isfinite(knee[win]).all()
                row["knee peak"] = (
                    float(t[win.start + int(np.argmax(knee[win]))] - b["time_s"])
                    if ok_win
                    else float("nan")
                )
                hip_x = _lowpass(t, np.interp(t, t[ok], hip[ok, 0]), 12.0)
                behind = (x - hip_x) / leg  # forward is image -x: toe behind the hip > 0
                row["toe behind hip"] = _peak_time(t, behind, win) - b["time_s"]
                rise = np.gradient(np.gradient(-y / leg, t), t)  # upward acceleration
                lift = slice(mid, it + (it - ic) // 3)
                row["toe lift accel"] = _peak_time(t, rise, lift) - b["time_s"]
                rows.append(row)
    return rows


def _peak_time(t: np.ndarray, y: np.ndarray, win: slice) -> float:
    """Time of the largest value of ``y`` in ``win``, refined by a parabola."""
    seg = y[win]
    if not np.isfinite(seg).all() or len(seg) < 3:
        return float("nan")
    k = int(np.argmax(seg))
    i = win.start + k
    if 0 < k < len(seg) - 1:
        a, b0, c = y[i - 1], y[i], y[i + 1]
        den = a - 2 * b0 + c
        off = 0.5 * (a - c) / den if den < 0 else 0.0
        return float(t[i] + off * (t[i + 1] - t[i]))
    return float(t[i])


def with_average(rows: list[dict], a: str, b: str) -> list[dict]:
    """Each row with ``"a + b"``: the mean of the two features after removing each one's
    pooled bias (mean of the trials' means)."""

    def pooled(key: str) -> float:
        per: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            per[r["trial"]].append(r[key])
        return float(np.nanmean([np.nanmean(v) for v in per.values()]))

    pa, pb = pooled(a), pooled(b)
    return [{**r, f"{a} + {b}": 0.5 * ((r[a] - pa) + (r[b] - pb))} for r in rows]


def summary(rows: list[dict]) -> list[list[object]]:
    per_trial: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_trial[row["trial"]].append(row)
    table = []
    for key in [k for k in rows[0] if k != "trial"]:
        means = np.array([np.nanmean([r[key] for r in rs]) for rs in per_trial.values()]) * 1000
        within = [np.nanstd([r[key] for r in rs]) * 1000 for rs in per_trial.values()]
        pooled = float(np.nanmean(means))
        table.append([key, f"{pooled:+.1f}", f"{np.nanstd(means):.1f}",
                      f"{np.nanmax(np.abs(means - pooled)):.1f}", f"{np.nanmean(within):.1f}"])  # fmt: skip
    return table


def main() -> int:
    from mocap import load_trials

    warnings.simplefilter("ignore", RuntimeWarning)
    trials = load_trials()
    if not trials:
        print("no force-plate trials in ../shared/data", file=sys.stderr)
        return 1
    noisy = "--noisy" in sys.argv[1:]
    rows = stance_errors(trials, *((60.0, 8.0) if noisy else (None, 0.0)))
    rows = with_average(rows, "height 0.015", "knee peak")
    rows = with_average(rows, "height 0.015", "toe behind hip")
    rows = with_average(rows, "knee peak", "toe behind hip")
    rows = with_average(rows, "height 0.015", "toe lift accel")
    rows = with_average(rows, "height 0.015 + knee peak", "toe behind hip")
    print(f"{len(rows)} stances of {len(trials)} trials; errors of each feature against the "
          "force plate's toe-off (ms)")  # fmt: skip
    header = ["feature", "pooled bias", "SD of trial biases", "worst trial from pooled",
              "within-trial SD"]  # fmt: skip
    print(format_table(header, summary(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

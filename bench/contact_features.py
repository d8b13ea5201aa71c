"""Which contact feature generalises across runners? (issue 9)

The companion of ``bench/toe_off_features.py`` for foot contact. For every force-plate
stance of every trial (the harness's side view, at the native rate or at a camera's rate
with pixel noise), each feature's time is compared with the force plate's contact:

- **height**: the foot's lowest point (heel or toe) coming within a level of its stance
  plateau, walking back from mid-stance (the idea behind runform's clearance; here
  without its ground line and stride template, so noisier than the detector);
- **knee peak**: the knee's last extension peak before landing (what the detector averages
  in, :mod:`runform.gait.knee_extension`);
- **foot speed**: the foot's horizontal velocity coming within a fraction of its late-swing
  departure from the stance velocity, one level at a time;
- **foot stopped**: the line through two such crossings (15 and 30 %) carried on to no
  departure, the moment the foot stopped sliding (:mod:`runform.gait.foot_speed`, as the
  detector computes it: from the heel, since session 12); the same from the mean of heel
  and toe (before session 12) and from the toe alone, which keeps coming forward after a
  heel strike while the foot rotates down flat;
- **heel ahead of hip**: the heel's most forward position relative to the hip (Zeni et al.
  2008's contact);
- **ankle accel**: the peak upward acceleration of the ankle (the landing's jolt).

Printed per feature: the pooled bias, the SD of the trials' mean biases (what no single
constant can remove), the worst trial's distance from the pooled bias, the mean within-trial
SD; then the same for averages of features (each feature's pooled bias removed first, what
a calibrated offset does).

Usage: ``python bench/contact_features.py [--rate 60 --noise 8]`` (needs ``../shared/data``).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table
from toe_off_features import _lowpass, _peak_time

HEIGHT_LEVELS = (0.005, 0.01, 0.02)  # leg lengths above the plateau
SPEED_FRACTIONS = (0.1, 0.15, 0.2, 0.3)  # of the late swing's departure from the stance velocity
#: The foot-speed contact from other points than the detector's (the heel).
FOOT_POINTS = {"heel and toe": ("heel", "foot_index"), "toe": ("foot_index",)}
COMBINATIONS = (
    ("height 0.01", "knee peak"),
    ("height 0.01", "foot stopped"),
    ("knee peak", "foot stopped"),
    ("height 0.01", "knee peak", "foot stopped"),
    ("height 0.01", "knee peak", "heel ahead of hip"),
)


def _fall_back(t: np.ndarray, y: np.ndarray, start: int, level: float) -> float:
    """Walking back from ``start``: where ``y`` last rose above ``level``."""
    for i in range(start, 0, -1):
        if y[i - 1] > level >= y[i]:
            return float(t[i - 1] + (y[i - 1] - level) / (y[i - 1] - y[i]) * (t[i] - t[i - 1]))
    return float("nan")


def stance_errors(trials, rate: float | None, noise: float) -> list[dict]:
    from mocap import project
    from runform.gait.foot_speed import speed_contacts
    from runform.gait.knee_extension import knee_included_angle

    rows = []
    for trial in trials:
        track = project(trial, rate, noise, "left")  # forward is image -x
        t = track.time
        dt = float(np.median(np.diff(t)))
        cutoff = min(12.0, 0.25 / dt)
        for side in ("left", "right"):
            heel, toe = track.point(f"{side}_heel"), track.point(f"{side}_foot_index")
            hip, ankle = track.point(f"{side}_hip"), track.point(f"{side}_ankle")
            ok = np.isfinite(heel[:, 0]) & np.isfinite(toe[:, 0]) & np.isfinite(hip[:, 0])
            if ok.mean() < 0.7:
                continue  # markers missing for most of the trial
            leg = float(np.nanmedian(np.hypot(*(hip - ankle).T)))

            def smooth(
                a: np.ndarray, ok: np.ndarray = ok, t: np.ndarray = t, cut: float = cutoff
            ) -> np.ndarray:
                return _lowpass(t, np.interp(t, t[ok], a[ok]), cut)

            hx, hy, ty, px, ay = (smooth(a) for a in (heel[:, 0], heel[:, 1], toe[:, 1],
                                                      hip[:, 0], ankle[:, 1]))  # fmt: skip
            low = np.minimum(np.percentile(hy, 99) - hy, np.percentile(ty, 99) - ty) / leg
            ahead = -(hx - px) / leg  # forward is image -x: heel ahead of the hip > 0
            ankle_up = np.gradient(np.gradient(-ay / leg, t), t)
            knee = knee_included_angle(track, side)
            events = [e for e in trial.events if e["side"] == side]
            pairs = [
                (a, b)
                for a, b in itertools.pairwise(events)
                if a["kind"] == "contact" and b["kind"] == "toe_off"
                and t[0] + 0.3 < a["time_s"] and b["time_s"] < t[-1] - 0.05
            ]  # fmt: skip
            truth = [(a["time_s"], b["time_s"]) for a, b in pairs]
            stopped = speed_contacts(track, side, truth, direction=-1)
            by_points = {
                name: speed_contacts(track, side, truth, direction=-1, points=(points,))
                for name, points in FOOT_POINTS.items()
            }
            single = {
                f: speed_contacts(track, side, truth, direction=-1, levels=(f,))
                for f in SPEED_FRACTIONS
            }
            for k, (a, b) in enumerate(pairs):
                ic, it = (int(i) for i in np.searchsorted(t, [a["time_s"], b["time_s"]]))
                core = slice(ic + (it - ic) // 4, it - (it - ic) // 4)
                mid = (ic + it) // 2
                plateau = float(np.median(low[core]))
                row = {"trial": trial.name}
                for h in HEIGHT_LEVELS:
                    row[f"height {h:g}"] = _fall_back(t, low - plateau, mid, h) - a["time_s"]
                for f in SPEED_FRACTIONS:
                    row[f"foot speed {f:g}"] = single[f][k] - a["time_s"]
                row["foot stopped"] = stopped[k] - a["time_s"]
                for name, found in by_points.items():
                    row[f"foot stopped ({name})"] = found[k] - a["time_s"]
                before = slice(max(0, ic - int(0.15 / dt)), mid)
                row["heel ahead of hip"] = _peak_time(t, ahead, before) - a["time_s"]
                near = slice(max(0, ic - int(0.08 / dt)), mid)
                row["ankle accel"] = _peak_time(t, ankle_up, near) - a["time_s"]
                late = slice(max(0, ic - int(0.12 / dt)), mid)
                row["knee peak"] = (
                    _peak_time(t, knee, late) - a["time_s"] if knee is not None else np.nan
                )
                rows.append(row)
    return rows


def summary(rows: list[dict]) -> tuple[list[list[object]], int]:
    per_trial: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_trial[row["trial"]].append(row)
    keys = [k for k in rows[0] if k != "trial"]
    means = np.array(
        [[np.nanmean([r[k] for r in rs]) for k in keys] for rs in per_trial.values()]
    ) * 1000  # fmt: skip
    within = np.array(
        [[np.nanstd([r[k] for r in rs]) for k in keys] for rs in per_trial.values()]
    ) * 1000  # fmt: skip
    table = []
    for j, key in enumerate(keys):
        m = means[:, j]
        pooled = float(np.nanmean(m))
        table.append([key, f"{pooled:+.1f}", f"{np.nanstd(m):.1f}",
                      f"{np.nanmax(np.abs(m - pooled)):.1f}", f"{np.nanmean(within[:, j]):.1f}"])  # fmt: skip
    centred = means - np.nanmean(means, axis=0)
    for combo in COMBINATIONS:
        idx = [keys.index(c) for c in combo]
        avg = centred[:, idx].mean(axis=1)
        table.append([" + ".join(combo), "+0.0", f"{np.nanstd(avg):.1f}",
                      f"{np.nanmax(np.abs(avg)):.1f}", "–"])  # fmt: skip
    return table, len(per_trial)


def main(argv: list[str] | None = None) -> int:
    from mocap import load_trials

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=None, help="camera rate (Hz)")
    parser.add_argument("--noise", type=float, default=0.0, help="pixel noise SD")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)
    trials = load_trials()
    if not trials:
        print("no force-plate trials in ../shared/data", file=sys.stderr)
        return 1
    rows = stance_errors(trials, args.rate, args.noise)
    table, n_trials = summary(rows)
    where = "native rate" if args.rate is None else f"{args.rate:g} Hz"
    print(f"{len(rows)} stances of {n_trials} trials at the {where}, {args.noise:g} px noise; "
          "errors of each feature against the force plate's contact (ms)")  # fmt: skip
    header = ["feature", "pooled bias", "SD of trial biases", "worst trial from pooled",
              "within-trial SD"]  # fmt: skip
    print(format_table(header, table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

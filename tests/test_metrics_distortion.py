"""Peak angles read where the pose is distorted are dropped and the metric marked untrusted.

A pose model that loses a motion-blurred foot pulls the ankle toward the knee; in a side
view the shank cannot really shorten, so the knee angle read there is not a measurement.
"""

from __future__ import annotations

import numpy as np

from runform.pipeline import analyze_track
from runform.synthetic import synthetic_runner


def _shorten_shank_in_swing(run, side: str, fraction: float) -> np.ndarray:
    """Pull ``side``'s ankle toward its knee in the frames of late swing (knee most bent)."""
    track = run.track
    xy = track.xy.copy()
    k, a = track.index(f"{side}_knee"), track.index(f"{side}_ankle")
    shank = xy[:, a] - xy[:, k]
    length = np.linalg.norm(shank, axis=1)
    # frames where the ankle is highest relative to the knee: peak swing knee flexion
    high = shank[:, 1] < np.percentile(shank[:, 1], 15)
    xy[high, a] = xy[high, k] + fraction * shank[high]
    assert np.all(np.linalg.norm(xy[high, a] - xy[high, k], axis=1) < 0.8 * length[high])
    return track.replace(xy=xy)


def test_clean_runner_keeps_every_swing_peak():
    run = synthetic_runner(fps=120.0, duration_s=8.0, seed=3)
    a = analyze_track(run.track)
    m = a.metrics["knee_flexion_swing_peak_deg"]
    assert m["quality"]["trusted"]
    truth = run.truth["knee_flexion_swing_peak_deg"]["left"]
    assert abs(m["left"]["median"] - truth) < 4.0


def test_distorted_swing_peaks_are_dropped_and_flagged():
    run = synthetic_runner(fps=120.0, duration_s=8.0, seed=3)
    distorted = _shorten_shank_in_swing(run, "right", 0.55)
    a = analyze_track(distorted)
    m = a.metrics["knee_flexion_swing_peak_deg"]
    # the distorted side gives no value instead of a wrong one...
    right_n = (m["right"] or {}).get("n", 0)
    n_right_steps = sum(1 for st in a.gait.steps if st.side == "right")
    assert right_n < 0.5 * n_right_steps
    # ...and the metric says so
    assert not m["quality"]["trusted"]
    assert any("distorted" in f for f in m["quality"]["flags"])
    # the untouched side still measures the truth
    truth = run.truth["knee_flexion_swing_peak_deg"]["left"]
    assert abs(m["left"]["median"] - truth) < 4.0

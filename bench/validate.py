"""Regenerate ``docs/validation.md``: every accuracy and speed figure of the engine, in one run.

Sections:

1. Every runner at 2-5 m/s with force-plate truth (Fukuchi 2017, Hamner & Delp 2013: the
   seven of ``../shared/data`` and the 29 of ``../external_data``), leave one runner out,
   native rate, 60 Hz, 60 Hz + 8 px and 30 Hz + 8 px (``bench/mocap.py``,
   ``bench/events_loro.py``); the pace measured in the image against the belt
   (``bench/pace_estimate.py``); each leg from two clips against its foot's force plate
   (``bench/both_legs.py``). Written by
   :func:`validation_force_plate.force_plate_section`, with its prose.
2. ``male_side``: cadence of a real 30 fps phone clip (RTMPose track) against the
   pixel-measured 168.9 steps/min.
3. Synthetic runners: events and metrics against the generator's exact answers, from
   240 fps clean down to 30 fps with noise, swaps and dropouts.
4. Engine speed on a 10,000-frame track (``bench/engine_speed.py``).
5. Optional, with ``--video``: agreement of runform's pose with RTMPose
   (``bench/pose_agreement.py``, needs MediaPipe and the video).

Sections 2-5, :func:`build` (the document) and :func:`main` are here.

Usage::

    python bench/validate.py            # writes docs/validation.md
    python bench/validate.py --video    # also runs the pose-agreement benchmark (slow)
    python bench/validate.py --out FILE # write elsewhere
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import engine_speed  # noqa: E402
from _common import REPO_ROOT, SHARED_DATA, format_table, log  # noqa: E402
from runform import __version__  # noqa: E402
from runform.evaluation import contact_time_errors, events_inside, match_events  # noqa: E402
from runform.pipeline import analyze_track  # noqa: E402
from runform.pose.readers import read_pose  # noqa: E402
from runform.synthetic import RunnerSpec, synthetic_runner  # noqa: E402
from validation_force_plate import force_plate_section  # noqa: E402

DOC = REPO_ROOT / "docs" / "validation.md"
MALE_SIDE = SHARED_DATA / "male_side" / "male_side.pose.json"
MALE_SIDE_CADENCE = (168.9, 0.5)


# ----------------------------------------------------------------------------- 2. male_side
def male_side_section() -> str:
    title = "## 2. Real phone video (`male_side`, 30 fps, RTMPose track)"
    if not MALE_SIDE.exists():
        return f"{title}\n\nSkipped: {MALE_SIDE} not found.\n"
    analysis = analyze_track(read_pose(MALE_SIDE))
    s = analysis.summary
    true, unc = MALE_SIDE_CADENCE
    cad = s["cadence_spm"]
    err = 100.0 * (cad - true) / true
    ct, df = s.get("contact_time_ms", {}), s.get("duty_factor_pct", {})
    n = {side: sum(st.side == side for st in analysis.gait.steps) for side in ("left", "right")}
    rows = [
        ["cadence (steps/min)", f"{cad:.1f}", f"{true} ± {unc} (pixel-measured)", f"{err:+.2f} %"],
        [
            "contact time L / R (ms)",
            f"{ct.get('left', float('nan')):.0f} / {ct.get('right', float('nan')):.0f}",
            "180–320 (literature band)",
            "±1 frame = 33 ms"
            + (
                ""
                if analysis.metrics["contact_time_ms"]["quality"]["trusted"]
                else "; marked untrusted by runform (far foot hidden by the console: "
                "feet differ far beyond healthy asymmetry)"
            ),
        ],
        [
            "duty factor L / R (%)",
            f"{df.get('left', float('nan')):.1f} / {df.get('right', float('nan')):.1f}",
            "25–48 (literature band)",
            "",
        ],
        ["steps L / R", f"{n['left']} / {n['right']}", "", ""],
        [
            "toe-off timed by",
            "the leg and the foot's pitch" if analysis.toe_off_foot_pitch else "the leg alone",
            "",
            "the foot's pitch only where the feet show the push-off (docs/algorithms.md)",
        ],
        [
            "facing, setting",
            f"{analysis.travel.to_dict()['facing']}, {analysis.travel.setting}",
            "left, treadmill",
            "",
        ],
    ]
    verdict = "met" if abs(err) <= 1.0 else "**not met**"
    return "\n".join(
        [
            title,
            "",
            "A treadmill runner filmed from the side on a phone (MIT, consent recorded; source "
            "`zzzhushi/running-gait-analysis`). Cadence truth measured from raw pixels with no "
            "pose model.",
            "",
            format_table(["quantity", "runform", "reference", "error"], rows),
            "",
            f"Target: cadence within 1 % → {verdict}.",
            "",
        ]
    )


# ----------------------------------------------------------------------------- 3. synthetic
SYNTHETIC_CONDITIONS: tuple[dict, ...] = (
    {"name": "240 fps clean", "fps": 240.0},
    {"name": "120 fps clean", "fps": 120.0},
    {"name": "120 fps clean, facing left", "fps": 120.0, "facing": "left"},
    {"name": "120 fps clean, midfoot strike", "fps": 120.0, "strike": "midfoot"},
    {"name": "60 fps + 2 px", "fps": 60.0, "noise": 2.0},
    {"name": "30 fps + 3 px", "fps": 30.0, "noise": 3.0},
    {
        "name": "60 fps + 2 px, 3 swaps, 5 % dropouts",
        "fps": 60.0,
        "noise": 2.0,
        "swaps": 3,
        "dropout": 0.05,
    },
    {
        "name": "30 fps + 3 px, 3 swaps, 5 % dropouts",
        "fps": 30.0,
        "noise": 3.0,
        "swaps": 3,
        "dropout": 0.05,
    },
)
SEEDS = (1, 2, 3)
SIDE_METRICS = (
    ("knee_flexion_contact_deg", "knee at contact (°)"),
    ("thigh_extension_deg", "thigh extension (°)"),
    ("touchdown_distance_pct", "touchdown (% leg)"),
)
BODY_METRICS = (
    ("trunk_lean_deg", "trunk lean (°)"),
    ("vertical_oscillation_pct", "vertical osc. (% leg)"),
)


def synthetic_condition(cond: dict, duration_s: float = 12.0) -> dict:
    """Mean errors over :data:`SEEDS` for one condition."""
    acc: dict[str, list[float]] = {}

    def add(key: str, value: float | None) -> None:
        if value is not None and np.isfinite(value):
            acc.setdefault(key, []).append(float(value))

    for seed in SEEDS:
        spec = RunnerSpec(
            facing=cond.get("facing", "right"), foot_strike=cond.get("strike", "rearfoot")
        )
        run = synthetic_runner(
            spec,
            fps=cond["fps"],
            duration_s=duration_s,
            noise_px=cond.get("noise", 0.0),
            swap_segments=cond.get("swaps", 0),
            dropout_frac=cond.get("dropout", 0.0),
            seed=seed,
        )
        analysis = analyze_track(run.track)
        truth_events = events_inside(run.events, run.track.time[0], run.track.time[-1])
        lo = min(e.time_s for e in truth_events) - 0.08
        hi = max(e.time_s for e in truth_events) + 0.08
        detected = [e for e in analysis.gait.events if lo <= e.time_s <= hi]
        scores = match_events(detected, truth_events, tolerance_s=0.08)
        for kind in ("contact", "toe_off"):
            add(f"{kind}_mae", scores[kind].mae_ms)
            add(f"{kind}_bias", scores[kind].bias_ms)
        add("recall", scores["all"].recall)
        add("extra", scores["all"].extra)
        ct = contact_time_errors(analysis.gait.steps, truth_events)
        add("ct_bias", ct.bias_ms)
        tc = run.truth["cadence_spm"]
        add("cadence_err", 100.0 * (analysis.summary["cadence_spm"] - tc) / tc)
        for mid, _ in SIDE_METRICS:
            for side in ("left", "right"):
                got = (analysis.summary.get(mid) or {}).get(side)
                if got is not None:
                    add(mid, got - run.truth[mid][side])
        for mid, _ in BODY_METRICS:
            got = analysis.summary.get(mid)
            if got is not None:
                add(mid, got - run.truth[mid])
    return {k: float(np.mean(v)) for k, v in acc.items()}


def touchdown_speed_mps(fps: float = 2000.0) -> float:
    """Median downward speed (m/s) of the synthetic foot's lowest point over the last 5 ms
    before each contact, measured on the noiseless track."""
    run = synthetic_runner(RunnerSpec(), fps=fps, duration_s=3.0, seed=1)
    track, truth = run.clean_track, run.truth
    speeds = []
    for e in run.events:
        if e.kind != "contact":
            continue
        ys = [track.point(f"{e.side}_{p}")[:, 1] for p in ("heel", "foot_index")]
        low = np.max(np.stack(ys), axis=0)  # image y down: the lowest point has the largest y
        i = int(np.searchsorted(track.time, e.time_s))
        j = i - int(round(0.005 * fps))
        if j < 0:
            continue
        speeds.append((low[i] - low[j]) / (track.time[i] - track.time[j]) / truth["px_per_m"])
    return float(np.median(speeds))


def synthetic_section() -> str:
    header = [
        "condition",
        "contact MAE / bias (ms)",
        "toe-off MAE / bias (ms)",
        "recall (%)",
        "contact time bias (ms)",
        "cadence error (%)",
        *[label for _, label in SIDE_METRICS],
        *[label for _, label in BODY_METRICS],
    ]
    speed = touchdown_speed_mps()
    rows = []
    for cond in SYNTHETIC_CONDITIONS:
        log(f"  synthetic: {cond['name']}")
        m = synthetic_condition(cond)
        rows.append(
            [
                cond["name"],
                f"{m.get('contact_mae', np.nan):.1f} / {m.get('contact_bias', np.nan):+.1f}",
                f"{m.get('toe_off_mae', np.nan):.1f} / {m.get('toe_off_bias', np.nan):+.1f}",
                f"{100 * m.get('recall', np.nan):.0f}",
                f"{m.get('ct_bias', np.nan):+.1f}",
                f"{m.get('cadence_err', np.nan):+.2f}",
                *[f"{m.get(mid, np.nan):+.1f}" for mid, _ in SIDE_METRICS],
                *[f"{m.get(mid, np.nan):+.2f}" for mid, _ in BODY_METRICS],
            ]
        )
    return "\n".join(
        [
            "## 3. Synthetic runners (known answers)",
            "",
            "`runform.synthetic.synthetic_runner` with the default spec (170 steps/min, "
            "3.2 m/s treadmill, rearfoot strike unless stated), 12 s, mean over seeds "
            f"{', '.join(map(str, SEEDS))}. Events are scored on stances wholly inside the "
            "track; metric columns are the mean signed error (runform − truth) of the "
            "per-side medians. The synthetic foot's lowest point comes down at "
            f"{speed:.2f} m/s over the last 5 ms before contact (the heel marker of the "
            "Fukuchi runner descends at ~0.5 m/s into force-plate contact): the slower the "
            "landing, the less sharply any pixel-based method can place the contact.",
            "",
            format_table(header, rows),
            "",
        ]
    )


# ----------------------------------------------------------------------------- 4. speed
def speed_section() -> str:
    m = engine_speed.measure()
    return "\n".join(
        [
            "## 4. Engine speed",
            "",
            f"`python bench/engine_speed.py` on this machine ({os.cpu_count()} cores): "
            + engine_speed.format_measure(m),
            "",
        ]
    )


# ----------------------------------------------------------------------------- 5. video
def video_section() -> str:
    title = "## 5. Pose agreement with RTMPose (`bench/pose_agreement.py`)"
    script = BENCH / "pose_agreement.py"
    if not script.exists():
        return f"{title}\n\nSkipped: bench/pose_agreement.py is not in this checkout.\n"
    if importlib.util.find_spec("mediapipe") is None:
        return f"{title}\n\nSkipped: MediaPipe is not installed.\n"
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{title}\n\nFailed (exit {proc.returncode}): {last}\n"
    return f"{title}\n\n```text\n{proc.stdout.strip()}\n```\n"


# ----------------------------------------------------------------------------- document
def build(video: bool = False) -> str:
    started = time.perf_counter()
    sections = []
    for name, fn in (
        ("force plate", force_plate_section),
        ("male_side", male_side_section),
        ("synthetic", synthetic_section),
        ("speed", speed_section),
    ):
        log(f"{name}...")
        sections.append(fn())
    if video:
        log("pose agreement (video)...")
        sections.append(video_section())
    elapsed = time.perf_counter() - started
    header = "\n".join(
        [
            "# Validation",
            "",
            "<!-- Generated by `python bench/validate.py`; do not edit by hand. -->",
            "",
            f"runform {__version__}, generated {dt.date.today().isoformat()} on "
            f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, in {elapsed:.0f} s. Regenerate with "
            "`python bench/validate.py` (add `--video` for the pose-agreement section, which "
            "runs MediaPipe on the video).",
            "",
            "Targets (issue 9), for every runner and speed: at the native rate contact and "
            "toe-off mean absolute error ≤ 10 ms and |bias| ≤ 6 ms, contact-time |bias| ≤ 10 ms, "
            "cadence within 0.5 %; at 60 Hz with 8 px noise MAE ≤ 15 ms, ≥ 97 % of contacts found "
            "and ≤ 3 % extra. Cadence of the real phone clip within 1 % of 168.9 steps/min; a "
            "10,000-frame track analysed in well under a second.",
            "",
            "What the findings tell the same force-plate runners under camera conditions (60 "
            "and 30 Hz with 8 px of noise, both facings, the pace measured in the image) "
            "against the clean reference: `docs/findings-agreement.md` (`python "
            "bench/findings_agreement.py --loro --write`).",
            "",
        ]
    )
    return header + "\n" + "\n".join(sections)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(DOC), help="output Markdown file")
    parser.add_argument("--video", action="store_true", help="also run bench/pose_agreement.py")
    args = parser.parse_args(argv)
    text = build(video=args.video)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

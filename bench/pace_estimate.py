"""How well does runform know how fast the runner ran? 36 force-plate runners, 2-5 m/s.

Speed-dependent bands (drive, thigh extension, swing knee flexion, heel recovery,
touchdown distance) are moved to the runner's pace, so a wrong pace misjudges every one of
them. Without ``--treadmill-speed`` the pace is estimated, and this script scores the two
estimates runform has against the belt speed measured from the 3-D markers:

- **image**: the stance foot's speed under the hips that the event detector measures in
  leg lengths per second, over ``IMAGE_SPEED_FACTOR``, times the leg's length in metres
  (:func:`runform.findings.pace.image_speed`), with each runner's own leg length (what a
  track in metres, or a correct ``--height-cm``, gives) and with a typical adult's
  (nothing given);
- **cadence**: the cadence the engine measures, turned into a speed with the group means
  of Fukuchi 2017 (:func:`runform.findings.pace.speed_from_cadence`), the old default.

It also fits ``IMAGE_SPEED_FACTOR`` leaving each runner out, to show the shipped constant
is not one runner's. Prints one row per trial, then the root mean square and the worst
error of each estimate.

Usage: ``python bench/pace_estimate.py`` (needs ``../shared/data``; reads the runners of
``../external_data`` too when it is there, as the event calibration does;
``--shared-only`` for the seven).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table


def measure(trials: Sequence) -> list[dict]:
    """Per trial: belt speed, the engine's running speed (leg lengths/s), leg (m), cadence."""
    import mocap
    from events_protocol import run_engine
    from runform.gait.clean import clean_track
    from runform.geometry import leg_length

    rows = []
    for t in trials:
        track = mocap.project(t, None, 0.0, "left")
        result = run_engine(track)
        leg_m = leg_length(clean_track(track)[0]) / mocap.DEFAULT_PX_PER_M
        rows.append(
            {
                "trial": t.name,
                "runner": t.runner,
                "belt": t.belt_speed,
                "legs_per_s": result["stance_speed"],
                "leg_m": leg_m,
                "cadence": result["cadence_spm"],
            }
        )
    return rows


def estimates(rows: Sequence[dict]) -> list[dict]:
    """Each trial's three speed estimates (m/s) by the product's own functions."""
    from runform.findings.pace import image_speed, speed_from_cadence

    out = []
    for r in rows:
        ctx = {"running_speed_leg_lengths_per_s": r["legs_per_s"]}
        own = image_speed({"context": {**ctx, "leg_length": r["leg_m"], "leg_length_units": "m"}})
        typical = image_speed({"context": {**ctx, "leg_length": 400.0, "leg_length_units": "px"}})
        out.append(
            {
                **r,
                "own_leg": own[0] if own else float("nan"),
                "typical_leg": typical[0] if typical else float("nan"),
                "from_cadence": speed_from_cadence(r["cadence"]) if r["cadence"] else float("nan"),
            }
        )
    return out


def held_out_factors(rows: Sequence[dict]) -> dict[str, float]:
    """The image-to-belt factor fitted without each runner (median over the others' trials)."""
    out = {}
    for runner in dict.fromkeys(r["runner"] for r in rows):
        others = [r["legs_per_s"] * r["leg_m"] / r["belt"] for r in rows if r["runner"] != runner]
        out[runner] = float(np.median(others))
    return out


def _pct(estimate: float, truth: float) -> float:
    return 100.0 * (estimate / truth - 1.0)


def report(rows: Sequence[dict]) -> str:
    from runform.findings.pace import IMAGE_SPEED_FACTOR, LEG_FRACTION_OF_HEIGHT, TYPICAL_HEIGHT_CM

    est = estimates(rows)
    table = format_table(
        ["trial", "belt m/s", "image, own leg", "image, typical leg", "from cadence"],
        [
            [
                e["trial"],
                f"{e['belt']:.2f}",
                f"{e['own_leg']:.2f} ({_pct(e['own_leg'], e['belt']):+.0f} %)",
                f"{e['typical_leg']:.2f} ({_pct(e['typical_leg'], e['belt']):+.0f} %)",
                f"{e['from_cadence']:.2f} ({_pct(e['from_cadence'], e['belt']):+.0f} %)",
            ]
            for e in est
        ],
    )
    summary = []
    for key, label in (
        ("own_leg", "image, own leg"),
        ("typical_leg", "image, typical leg"),
        ("from_cadence", "from cadence"),
    ):
        err = np.array([_pct(e[key], e["belt"]) for e in est])
        worst = est[int(np.nanargmax(np.abs(err)))]["trial"]
        summary.append(
            [label, f"{np.sqrt(np.nanmean(err**2)):.1f}", f"{np.nanmax(np.abs(err)):.0f} ({worst})"]
        )
    factors = held_out_factors(rows)
    spread = max(abs(f / IMAGE_SPEED_FACTOR - 1.0) for f in factors.values())
    return "\n".join(
        [
            f"{len(rows)} trials of {len(factors)} runners. Typical leg: "
            f"{LEG_FRACTION_OF_HEIGHT:g} x {TYPICAL_HEIGHT_CM:g} cm = "
            f"{LEG_FRACTION_OF_HEIGHT * TYPICAL_HEIGHT_CM / 100:.3f} m (these runners' legs: "
            f"{min(r['leg_m'] for r in rows):.3f}-{max(r['leg_m'] for r in rows):.3f} m).",
            "",
            table,
            "",
            format_table(["estimate", "RMS error %", "worst error % (trial)"], summary),
            "",
            f"IMAGE_SPEED_FACTOR shipped {IMAGE_SPEED_FACTOR:g}; fitted without each runner: "
            + ", ".join(f"{k} {v:.3f}" for k, v in factors.items())
            + f" (at most {100 * spread:.1f} % from the shipped value).",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    import mocap

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared-only",
        action="store_true",
        help="only the seven runners of ../shared/data, not those of ../external_data",
    )
    args = parser.parse_args(argv)
    if args.shared_only:
        trials = mocap.load_trials()
    else:
        trials, _ = mocap.load_calibration_trials()
    if not trials:
        print("No trial data found.", file=sys.stderr)
        return 2
    print(report(measure(trials)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

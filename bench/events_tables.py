"""The force-plate event benchmark's results as text (``bench/events_loro.py``).

- :func:`check_targets`: each of :data:`events_protocol.TARGETS` over every trial.
- :func:`per_trial_table`, :func:`pooled_table`, :func:`dataset_table` and
  :func:`unseen_note`: the tables of a result, and the note on the stances not scored.
- :func:`timing_error_by_pace` (with :data:`JOG_BELT_MPS`) and :func:`timing_error_table`:
  the engine's own timing error for a runner it never saw, by pace.
- :func:`format_result`: everything ``python bench/events_loro.py`` prints.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table
from events_protocol import LEG_ALONE, TARGETS, UNSEEN_MARGIN_S


def check_targets(result_trials: Mapping[str, dict]) -> list[dict]:
    """Each target over every trial: the worst trial's value and whether all meet it."""
    out = []
    for cond, key, limit, cmp in TARGETS:
        vals = {
            name: r["conditions"][cond][key]
            for name, r in result_trials.items()
            if cond in r["conditions"]
        }
        if not vals:
            continue
        finite = {k: v for k, v in vals.items() if np.isfinite(v)}
        if cmp == "<=":
            worst = max(finite, key=finite.get) if finite else None
            met = all(np.isfinite(v) and v <= limit for v in vals.values())
        else:
            worst = min(finite, key=finite.get) if finite else None
            met = all(np.isfinite(v) and v >= limit for v in vals.values())
        out.append(
            {
                "condition": cond,
                "key": key,
                "limit": limit,
                "compare": cmp,
                "worst_trial": worst,
                "worst_value": finite.get(worst, float("nan")) if worst else float("nan"),
                "n_met": sum(
                    bool(np.isfinite(v) and (v <= limit if cmp == "<=" else v >= limit))
                    for v in vals.values()
                ),
                "n": len(vals),
                "met": met,
            }
        )
    return out


# ----------------------------------------------------------------------------- tables
def per_trial_table(result: dict, condition: str) -> str:
    header = [
        "trial",
        "belt m/s",
        "stances (unseen)",
        "contact MAE / bias ms",
        "toe-off MAE / bias ms",
        "contact time bias ms",
        "recall C / TO %",
        "extra %",
        "cadence err %",
    ]

    def worst_key(item):
        c = item[1]["conditions"][condition]
        return -max(c["contact_mae_ms"], c["toe_off_mae_ms"])

    rows = []
    for name, r in sorted(result["trials"].items(), key=worst_key):
        c = r["conditions"][condition]
        rows.append(
            [
                name,
                f"{r['belt_speed']:.2f}",
                f"{r['n_stances']} ({r.get('n_unseen', 0)})",
                f"{c['contact_mae_ms']:.1f} / {c['contact_bias_ms']:+.1f}",
                f"{c['toe_off_mae_ms']:.1f} / {c['toe_off_bias_ms']:+.1f}",
                f"{c['contact_time_bias_ms']:+.1f}",
                f"{c['contact_recall_pct']:.0f} / {c['toe_off_recall_pct']:.0f}",
                f"{c['extra_pct']:.1f}",
                f"{c['cadence_error_pct']:+.2f}",
            ]
        )
    return format_table(header, rows)


def pooled_table(result: dict) -> str:
    header = [
        "condition",
        "contact MAE / bias ms",
        "toe-off MAE / bias ms",
        "contact time bias ms",
        "recall C %",
        "extra %",
        "worst runner (max MAE)",
    ]
    rows = []
    for cond in result["conditions"]:
        cs = [r["conditions"][cond] for r in result["trials"].values()]
        if not cs:
            continue
        per_runner: dict[str, list[float]] = {}
        for r in result["trials"].values():
            c = r["conditions"][cond]
            per_runner.setdefault(r["runner"], []).append(
                max(c["contact_mae_ms"], c["toe_off_mae_ms"])
            )
        worst = max(per_runner, key=lambda k: max(per_runner[k]))
        rows.append(
            [
                cond,
                f"{np.mean([c['contact_mae_ms'] for c in cs]):.1f} / "
                f"{np.mean([c['contact_bias_ms'] for c in cs]):+.1f}",
                f"{np.mean([c['toe_off_mae_ms'] for c in cs]):.1f} / "
                f"{np.mean([c['toe_off_bias_ms'] for c in cs]):+.1f}",
                f"{np.mean([c['contact_time_bias_ms'] for c in cs]):+.1f}",
                f"{np.mean([c['contact_recall_pct'] for c in cs]):.1f}",
                f"{np.mean([c['extra_pct'] for c in cs]):.1f}",
                f"{worst} ({max(per_runner[worst]):.1f} ms)",
            ]
        )
    return format_table(header, rows)


def dataset_table(result: dict) -> str:
    """Mean (and SD between trials) of the native-rate biases by data set and belt speed."""
    groups: dict[tuple[str, float], list[dict]] = {}
    for r in result["trials"].values():
        groups.setdefault((r["dataset"], r["speed"]), []).append(r["conditions"])
    rows = []
    for (dataset, speed), conds in sorted(groups.items()):
        native = [c["native"] for c in conds]
        leg = [c[LEG_ALONE] for c in conds if LEG_ALONE in c]

        def stat(cs: list[dict], key: str) -> str:
            v = np.array([c[key] for c in cs], float)
            return f"{np.mean(v):+.1f} ({np.std(v):.1f})" if v.size else ""

        rows.append(
            [
                dataset,
                f"{speed:g}",
                len(conds),
                stat(native, "contact_bias_ms"),
                stat(native, "toe_off_bias_ms"),
                stat(leg, "toe_off_bias_ms"),
                stat(native, "contact_time_bias_ms"),
            ]
        )
    return format_table(
        [
            "data set",
            "belt m/s",
            "trials",
            "contact bias ms (SD)",
            "toe-off bias ms (SD)",
            "toe-off, leg alone (SD)",
            "contact time bias ms (SD)",
        ],
        rows,
    )


def unseen_note(result: dict) -> str:
    """One sentence: how many stances were left out of the score, and why."""
    n = sum(r["n_stances"] for r in result["trials"].values())
    unseen = sum(r.get("n_unseen", 0) for r in result["trials"].values())
    return (
        f"Stances the motion capture lost are not scored: {unseen} of {n}, where a point of "
        f"that leg (hip, knee, ankle, heel, toe) is missing from {UNSEEN_MARGIN_S:g} s before "
        "the contact to as long after the toe-off. No pose holds them, and a camera would "
        "see that foot; the engine's detections there are neither hits nor extras."
    )


#: Trials on belts slower than this are a jog: the engine's toe-off is least certain there.
JOG_BELT_MPS = 2.75


def timing_error_by_pace(result: dict, condition: str = "native") -> list[dict]:
    """The engine's own event-timing error for a runner it never saw, by pace.

    Each held-out trial's mean error (its bias) is what no single constant removes for that
    runner; the root mean square of those biases over a pace group is the timing error a
    runner of that pace should expect from the engine itself, on perfect points. Two groups:
    a jog (belt under :data:`JOG_BELT_MPS`) and faster. Each row gives the running speeds
    the engine measured there (leg lengths per second), which is how the product tells
    them apart (``runform.metrics.event_timing.ENGINE_EVENT_ERROR`` carries these figures).
    """
    groups = {
        f"jog (belt < {JOG_BELT_MPS:g} m/s)": lambda b: b < JOG_BELT_MPS,
        f"faster (belt ≥ {JOG_BELT_MPS:g} m/s)": lambda b: b >= JOG_BELT_MPS,
    }
    rows = []
    for label, inside in groups.items():
        members = [r for r in result["trials"].values() if inside(r["belt_speed"])]
        if not members:
            continue
        conds = [r["conditions"][condition] for r in members]
        speeds = [c["running_speed"] for c in conds if np.isfinite(c.get("running_speed", np.nan))]

        def rms(key: str, cs=conds) -> float:
            return float(np.sqrt(np.mean([c[key] ** 2 for c in cs])))

        def worst(key: str, cs=conds) -> float:
            return max(abs(c[key]) for c in cs)

        rows.append(
            {
                "group": label,
                "n_trials": len(members),
                "speed_min": float(min(speeds)) if speeds else float("nan"),
                "speed_max": float(max(speeds)) if speeds else float("nan"),
                "contact_rms_ms": rms("contact_bias_ms"),
                "toe_off_rms_ms": rms("toe_off_bias_ms"),
                "contact_worst_ms": worst("contact_bias_ms"),
                "toe_off_worst_ms": worst("toe_off_bias_ms"),
            }
        )
        leg = [r["conditions"][LEG_ALONE] for r in members if LEG_ALONE in r["conditions"]]
        if leg:
            rows[-1]["leg_toe_off_rms_ms"] = rms("toe_off_bias_ms", leg)
            rows[-1]["leg_toe_off_worst_ms"] = worst("toe_off_bias_ms", leg)
    return rows


def timing_error_table(result: dict) -> str:
    rows = timing_error_by_pace(result)
    return format_table(
        [
            "pace",
            "trials",
            "running speed (leg lengths/s)",
            "contact: RMS / worst bias ms",
            "toe-off: RMS / worst bias ms",
            "toe-off, leg alone: RMS / worst bias ms",
        ],
        [
            [
                r["group"],
                r["n_trials"],
                f"{r['speed_min']:.2f}–{r['speed_max']:.2f}",
                f"{r['contact_rms_ms']:.1f} / {r['contact_worst_ms']:.1f}",
                f"{r['toe_off_rms_ms']:.1f} / {r['toe_off_worst_ms']:.1f}",
                f"{r['leg_toe_off_rms_ms']:.1f} / {r['leg_toe_off_worst_ms']:.1f}"
                if "leg_toe_off_rms_ms" in r
                else "",
            ]
            for r in rows
        ],
    )


def format_result(result: dict) -> str:
    lines = ["Constants per fold (fitted without the runner named):", ""]
    keys = list(next(iter(result["folds"].values())).keys())
    lines.append(
        format_table(
            ["held-out runner", *keys],
            [[k, *[f"{v[x]:.5f}" for x in keys]] for k, v in result["folds"].items()],
        )
    )
    lines += ["", f"Fitted on all runners (the shipped defaults): {result['all_runners']}", ""]
    lines += [unseen_note(result), ""]
    lines += ["Pooled over trials (each trial scored by the fold that left its runner out):", ""]
    lines.append(pooled_table(result))
    for cond in result["conditions"]:
        lines += ["", f"### {cond} (worst trial first)", "", per_trial_table(result, cond)]
    lines += [
        "",
        "The engine's own timing error by pace (native rate, held out): the root mean square "
        "of the trials' biases, what a runner of that pace should expect on perfect points. "
        "The product states it with each analysis where it exceeds the pose model's floor "
        "(`runform.metrics.event_timing.ENGINE_EVENT_ERROR`; worst = largest absolute bias):",
        "",
        timing_error_table(result),
    ]
    lines += ["", "Targets (every runner and speed):", ""]
    for t in result["targets"]:
        verdict = "met" if t["met"] else "NOT MET"
        lines.append(
            f"- {t['condition']}: {t['key']} {t['compare']} {t['limit']:g}: worst "
            f"{t['worst_value']:.2f} ({t['worst_trial']}), {t['n_met']}/{t['n']} trials -> {verdict}"
        )
    return "\n".join(lines)

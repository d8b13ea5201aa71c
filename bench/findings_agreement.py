"""Do the findings a runner reads hold under camera conditions, for both facings?

:mod:`references` measures what the product tells the 36 force-plate runners (Fukuchi et
al. 2017, PeerJ 5:e3298, CC BY 4.0; Hamner & Delp 2013, J Biomech 46:780-787, data via
Fox 2024, R Soc Open Sci 11:231909) filmed as a *clean* side view: marker rate, no noise,
facing left, belt speed given. A phone user gets none of that. This bench runs every trial
again through the product's own public calls (``runform.pipeline.analyze_track``, then
``runform.findings.findings_from_analysis`` and ``assess_areas``, as ``runform analyze``
does) under :data:`CONDITIONS`:

- ``reference``: the clean view of :func:`references.measure_trial` (reused, not redone);
- ``mirror``: the same view facing right: isolates anything that depends on the facing;
- ``image pace``: the clean view without the belt speed: the pace measured in the image
  with a typical adult's leg (no height given), as a phone user gets it;
- ``60 Hz + 8 px`` and ``30 Hz + 8 px``: resampled with pixel noise, no belt speed, each
  facing at three frame phases and noise seeds (those of :mod:`events_protocol`).

Each run is compared with the reference condition of the same trial
(:mod:`findings_agreement_report`): per finding id, agreement (present in both or absent in
both), false findings (the camera says it, the reference does not), missed ones, facing
left against facing right on the same phase and seed, and per area of form how often it is
"not assessed" or at its band's edge.

**Bands from the same runners.** ``SPEED_REFERENCE`` in ``runform.findings.pace`` (the
pace-dependent bands) is built from these 36 runners (:mod:`references_by_speed`). With
``--loro`` every trial is also judged with tables built from the other 35 runners only
(:func:`loro_tables`; the product's analysis is run again under them, since bands are
moved to the pace inside ``analyze_track``), for the reference and
:data:`LORO_CONDITIONS`.

Command line::

    python bench/findings_agreement.py                    # all runners: tables
    python bench/findings_agreement.py --loro --write     # + leave-one-runner-out bands,
                                                          #   written to docs/findings-agreement.md
    python bench/findings_agreement.py --shared-only --only RBDS002 hamner01
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mocap
import references
import references_by_speed
from _common import EXTERNAL_DATA, REPO_ROOT, log

#: Frame phases and noise seeds of a resampled condition (those of
#: :data:`events_protocol.CONDITIONS`).
PHASES: tuple[tuple[int, float], ...] = ((0, 0.1), (1, 0.45), (2, 0.8))


@dataclass(frozen=True)
class Condition:
    """How a trial is filmed and what the user tells the product.

    Attributes
    ----------
    name: as printed.
    rate_hz: frame rate, ``None`` for the marker rate.
    noise_px: SD of the pixel noise.
    facings: the directions of travel run, each on its own.
    runs: ``(seed, phase)`` of each run per facing.
    belt_given: the belt speed is given (``--treadmill-speed``); otherwise the product
        measures the pace in the image.
    far_noise_px: more noise on the far leg's points (SD, added to ``noise_px`` in
        quadrature), whose scores then read :data:`FAR_SCORE`: a pose model sees the leg
        behind the body worse, and says so in its scores (:func:`worse_far_leg`).
    far_hidden_after_s: the far leg's knee, ankle, heel and toe hidden (scored under the
        mask) after this many seconds (:func:`hide_far_leg`): the product then measures the
        near leg alone (``pipeline.one_leg``).
    """

    name: str
    rate_hz: float | None
    noise_px: float
    facings: tuple[str, ...]
    runs: tuple[tuple[int, float], ...]
    belt_given: bool
    far_noise_px: float = 0.0
    far_hidden_after_s: float | None = None


REFERENCE = Condition("reference", None, 0.0, ("left",), ((0, 0.0),), True)
CONDITIONS: tuple[Condition, ...] = (
    Condition("mirror", None, 0.0, ("right",), ((0, 0.0),), True),
    Condition("image pace", None, 0.0, ("left",), ((0, 0.0),), False),
    Condition("60 Hz + 8 px", 60.0, 8.0, ("left", "right"), PHASES, False),
    Condition("30 Hz + 8 px", 30.0, 8.0, ("left", "right"), PHASES, False),
    Condition("60 Hz + 8 px, far leg 16 px", 60.0, 8.0, ("left", "right"), PHASES, False, 16.0),
    Condition(
        "60 Hz + 8 px, far leg hidden", 60.0, 8.0, ("left", "right"), PHASES, False, 16.0, 1.0
    ),
)
#: Score of the far leg's points in a condition with ``far_noise_px`` (the near leg's, with
#: noise, read 0.9): far enough below for the product to tell which leg is near from the
#: scores, as it does on a phone's clip (``pipeline.near_side``).
FAR_SCORE = 0.7
#: The conditions also judged with leave-one-runner-out bands (besides the reference): the
#: mirror's findings equal the reference's and 30 Hz adds nothing the bands act on, so they
#: are left out to halve the run.
LORO_CONDITIONS: tuple[str, ...] = ("image pace", "60 Hz + 8 px")
#: Where ``--write`` puts the tables.
DOC = REPO_ROOT / "docs" / "findings-agreement.md"


# ----------------------------------------------------------------------------- one run
def view(doc: dict) -> dict:
    """What a runner reads from one analysis: the findings (``{id: severity}``), each area's
    state (``"finding"``, ``"edge"``, ``"no finding"`` or ``"not assessed"``) and the pace
    the bands were judged at (m/s and where it came from)."""
    from runform.findings import assess_areas, findings_from_analysis
    from runform.findings.pace import pace_from_analysis

    found = findings_from_analysis(doc)
    areas = {}
    for a in assess_areas(doc, found):
        areas[a["area"]] = "edge" if a["status"] == "no finding" and a["edge"] else a["status"]
    pace = pace_from_analysis(doc)
    return {
        "findings": {f["id"]: round(float(f["severity"]), 2) for f in found},
        "areas": areas,
        "speed_mps": pace.speed_mps,
        "speed_basis": pace.basis,
        "near_side": (doc.get("context") or {}).get("near_side"),
        "one_leg": (doc.get("context") or {}).get("measured_alone") is not None,
    }


def product_view(track, options) -> dict:
    """The product's :func:`view` of a track (``{"error": why}`` when it refuses it)."""
    from runform.errors import RunformError
    from runform.pipeline import analyze_track

    try:
        analysis = analyze_track(track, options)
    except RunformError as exc:
        return {"error": str(exc)}
    return view(analysis.to_dict())


@contextlib.contextmanager
def speed_tables(tables: Mapping[str, Sequence[tuple[float, float]]] | None) -> Iterator[None]:
    """The product's ``SPEED_REFERENCE`` replaced by ``tables`` inside the block (``None``:
    left as it is)."""
    from runform.findings import pace

    if tables is None:
        yield
        return
    with mock.patch.dict(pace.SPEED_REFERENCE, tables, clear=True):
        yield


def loro_tables(results: Sequence[references.TrialResult], held: str) -> dict:
    """``SPEED_REFERENCE`` as :mod:`references_by_speed` builds it from every runner's
    reference trials but ``held``'s (a metric the others cannot give keeps the product's
    table)."""
    from runform.findings.speed_reference import SPEED_REFERENCE

    refs = references_by_speed.references(
        [r for r in results if r.error is None and r.runner != held]
    )
    out = dict(SPEED_REFERENCE)
    for metric in references_by_speed.DIRECTION:
        points = refs[metric]["reference"]
        if len(points) >= 2:
            out[metric] = tuple((float(s), float(v)) for s, v in points)
    return out


def worse_far_leg(track, facing: str, extra_px: float, seed: int):
    """The track with the far leg's points (the right leg when the runner faces left, the
    left when right) given ``extra_px`` more noise and the score :data:`FAR_SCORE`."""
    far = "right" if facing == "left" else "left"
    rng = np.random.default_rng(10_000 + seed)
    xy, score = track.xy.copy(), track.score.copy()
    for k, name in enumerate(track.keypoints):
        if name.startswith(f"{far}_") and not name.endswith(("shoulder", "hip")):
            xy[:, k] += rng.normal(0.0, extra_px, xy[:, k].shape)
            score[:, k] = np.where(score[:, k] > 0, FAR_SCORE, score[:, k])
    return track.replace(xy=xy, score=score)


def hide_far_leg(track, facing: str, after_s: float):
    """The track with the far leg's knee, ankle, heel and toe scored 0.05, under the
    product's mask, after ``after_s`` seconds (a leg hidden behind the near one or a
    treadmill's console)."""
    far = "right" if facing == "left" else "left"
    score = track.score.copy()
    late = track.time - track.time[0] > after_s
    for part in ("knee", "ankle", "heel", "foot_index"):
        score[late, track.index(f"{far}_{part}")] = 0.05
    return track.replace(score=score)


def camera_runs(trial: mocap.Trial, condition: Condition) -> Iterator[tuple[str, int, float]]:
    """``(facing, seed, phase)`` of each run of a condition."""
    for facing in condition.facings:
        for seed, phase in condition.runs:
            yield facing, seed, phase


def run_condition(
    trial: mocap.Trial, condition: Condition, tables: Mapping | None = None
) -> list[dict]:
    """Every run of one condition on one trial, judged with ``tables`` (``None``: the
    product's own)."""
    from runform.pipeline import AnalysisOptions

    out = []
    for facing, seed, phase in camera_runs(trial, condition):
        track = mocap.project(
            trial, condition.rate_hz, condition.noise_px, facing, seed=seed, phase=phase
        )
        if condition.far_noise_px:
            track = worse_far_leg(track, facing, condition.far_noise_px, seed)
        if condition.far_hidden_after_s is not None:
            track = hide_far_leg(track, facing, condition.far_hidden_after_s)
        options = AnalysisOptions(
            treadmill_speed_mps=trial.belt_speed if condition.belt_given else None
        )
        run = {"facing": facing, "seed": seed, "phase": phase}
        if condition.far_noise_px:  # the leg drawn worse is the far one: the other is near
            run["near_truth"] = facing
        with speed_tables(tables):
            out.append({**run, **product_view(track, options)})
    return out


# ----------------------------------------------------------------------------- all trials
def measure(
    trials: Sequence[mocap.Trial],
    conditions: Sequence[Condition] = CONDITIONS,
    loro: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Every trial under the reference and ``conditions``.

    Returns ``{"trials": [{"runner", "trial", "belt_speed_mps", "conditions": {name:
    [run, ...]}, "loro": {name: [run, ...]}}], "conditions": [...], "loro": bool}``; a run
    is ``{"facing", "seed", "phase"}`` with :func:`view` or ``"error"``.
    """
    results = []
    for trial in trials:
        if progress:
            progress(f"reference {trial.name}")
        results.append(references.measure_trial(trial, angles=False))
    folds = (
        {r: loro_tables(results, r) for r in mocap.runners(trials)}
        if loro and len(mocap.runners(trials)) > 2
        else {}
    )
    out = []
    for trial, ref in zip(trials, results, strict=True):
        if progress:
            progress(f"camera {trial.name}")
        base = {"facing": "left", "seed": 0, "phase": 0.0}
        reference = [{**base, "error": ref.error} if ref.doc is None else {**base, **view(ref.doc)}]
        record = {
            "runner": trial.runner,
            "trial": trial.name,
            "belt_speed_mps": ref.belt_speed,
            "conditions": {REFERENCE.name: reference},
        }
        for c in conditions:
            record["conditions"][c.name] = run_condition(trial, c)
        if trial.runner in folds:
            tables = folds[trial.runner]
            record["loro"] = {
                c.name: run_condition(trial, c, tables)
                for c in (REFERENCE, *conditions)
                if c is REFERENCE or c.name in LORO_CONDITIONS
            }
        ref.doc = None  # the documents are not kept
        out.append(record)
    return {
        "conditions": [REFERENCE.name, *(c.name for c in conditions)],
        "loro": bool(folds),
        "trials": out,
    }


def main(argv: Sequence[str] | None = None) -> int:
    import findings_agreement_report as report

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="runner ids (RBDS0041, hamner01...)")
    parser.add_argument(
        "--shared-only", action="store_true", help="only the seven runners of ../shared/data"
    )
    parser.add_argument(
        "--loro", action="store_true", help="also judge with bands built without the runner"
    )
    parser.add_argument(
        "--no-30hz", action="store_true", help="leave out the 30 Hz + 8 px condition"
    )
    parser.add_argument(
        "--conditions", nargs="*", metavar="NAME", help="only these conditions (names as printed)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the runs as JSON")
    parser.add_argument("--write", action="store_true", help=f"write the tables to {DOC}")
    args = parser.parse_args(argv)
    trials, skipped = mocap.load_calibration_trials(
        None if args.shared_only else EXTERNAL_DATA,
        lambda s: log(f"building {s}"),
        only=args.only,
        with_forces=False,
    )
    for name, why in skipped.items():
        log(f"not used: {name}: {why}")
    if not trials:
        log("No trial data found.")
        return 2
    conditions = tuple(
        c
        for c in CONDITIONS
        if not (args.no_30hz and c.rate_hz == 30.0)
        and (not args.conditions or c.name in args.conditions)
    )
    doc = measure(trials, conditions, loro=args.loro, progress=log)
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1, default=_json_default))
    text = report.format_report(doc)
    if args.write:
        DOC.write_text(report.document(text))
        log(f"wrote {DOC}")
    print(text)
    return 0


def _json_default(obj: object) -> object:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(type(obj).__name__)


if __name__ == "__main__":
    raise SystemExit(main())

"""The whole ``runform analyze`` on the example clip and on its mirror image (issue 10).

The mirror is made here with PyAV (every frame flipped left to right) into ``tmp_path``.
The pose model names the legs from how they look, so in the mirror the near leg gets the
other label: the comparison is by physical leg (near with near, far with far), not by
label. For every metric the near leg's values of the two runs must agree within their
combined measurement error (``analysis.json``'s ``measurement_error``, in quadrature). The
far leg's values are what the pose model sees worst and differ by more; they must be
marked not reliable in both runs and never reach a finding, an asymmetry or a side in the
plan.

Slow: MediaPipe runs twice over 360 frames (about a minute in all on two cores).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import av
import numpy as np
import pytest

from runform.cli import main
from test_video_helpers import EXAMPLE, session_pose_cache

pytestmark = pytest.mark.slow

SIDES = ("left", "right")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"original": out_dir, "mirror": out_dir}`` after ``runform analyze --plan``."""
    base = tmp_path_factory.mktemp("mirror")
    mirror = base / "male_side_mirrored.mp4"
    write_mirror(EXAMPLE, mirror)
    cache = session_pose_cache(tmp_path_factory)
    out = {}
    for name, clip in (("original", EXAMPLE), ("mirror", mirror)):
        folder = base / name
        code = main(
            ["analyze", str(clip), "--out", str(folder), "--plan", "--cache-dir", str(cache), "-q"]
        )
        assert code == 0, name
        out[name] = folder
    return out


def write_mirror(src: Path, dst: Path) -> None:
    """Every frame of ``src`` flipped left to right, same size and frame rate, H.264."""
    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        with av.open(str(dst), "w") as out:
            enc = out.add_stream("libx264", rate=stream.average_rate)
            enc.width, enc.height = stream.codec_context.width, stream.codec_context.height
            enc.pix_fmt = "yuv420p"
            enc.options = {"crf": "18"}
            for frame in inp.decode(stream):
                flipped = np.ascontiguousarray(frame.to_ndarray(format="rgb24")[:, ::-1])
                for packet in enc.encode(av.VideoFrame.from_ndarray(flipped, format="rgb24")):
                    out.mux(packet)
            for packet in enc.encode():
                out.mux(packet)


def load(folder: Path) -> dict:
    return json.loads((folder / "analysis.json").read_text(encoding="utf-8"))


def far_of(side: str) -> str:
    return "right" if side == "left" else "left"


def test_the_mirror_is_a_mirror(runs):
    a, b = load(runs["original"]), load(runs["mirror"])
    assert a["input"]["n_frames"] == b["input"]["n_frames"] == 360
    assert a["context"]["facing"] == "left" and b["context"]["facing"] == "right"
    assert a["summary"]["cadence_spm"] == pytest.approx(b["summary"]["cadence_spm"], rel=0.01)


def test_the_near_leg_is_the_same_physical_leg_in_both(runs):
    """The clip shows the runner's left side. The model calls the near leg "left" in the
    original and "right" in the mirror; every piece of evidence (depth, occlusion, the far
    arm, confidence) agrees in both."""
    a, b = load(runs["original"]), load(runs["mirror"])
    assert a["context"]["near_side"] == "left"
    assert b["context"]["near_side"] == "right"
    for doc in (a, b):
        evidence = doc["context"]["near_side_evidence"]
        assert evidence["basis"] == "image evidence" and evidence["agreement"] == 1.0
        assert "landmark_depth" in evidence["votes"]  # BlazePose's z reached the analysis


def test_near_leg_values_agree_within_measurement_error(runs):
    a, b = load(runs["original"]), load(runs["mirror"])
    na, nb = a["context"]["near_side"], b["context"]["near_side"]
    compared = 0
    for mid, ea in a["metrics"].items():
        eb = b["metrics"][mid]
        pairs = [(na, nb)] if ea["per_side"] else [("all", "all")]
        for ka, kb in pairs:
            if not (ea["reliability"][ka]["reliable"] and eb["reliability"][kb]["reliable"]):
                continue
            tol = math.hypot(ea["measurement_error"][ka], eb["measurement_error"][kb])
            diff = abs(ea[ka]["median"] - eb[kb]["median"])
            assert diff <= tol, (mid, ea[ka]["median"], eb[kb]["median"], tol)
            compared += 1
    # the graded angles, drive, heel, cadence, trunk and bounce are all compared
    assert compared >= 15


def test_near_leg_events_land_on_the_same_moments_in_both(runs):
    """The mirror changes nothing about when the near foot lands or leaves: the engine must
    put each of its contacts within a third of a frame of the original's (median over the
    steps both runs kept; they were a frame apart before the foot-speed witness) and its
    toe-offs within a frame."""
    a, b = load(runs["original"]), load(runs["mirror"])
    na, nb = a["context"]["near_side"], b["context"]["near_side"]
    frame_s = 1.0 / a["input"]["frame_rate"]
    sa = [s for s in a["steps"] if s["side"] == na]
    sb = [s for s in b["steps"] if s["side"] == nb]
    stride_s = 60.0 / a["summary"]["cadence_spm"] * 2
    pairs = []  # the same step in both runs: contacts less than a fifth of a stride apart
    for s in sa:
        other = min(sb, key=lambda o: abs(o["contact_s"] - s["contact_s"]))
        if abs(other["contact_s"] - s["contact_s"]) < 0.2 * stride_s:
            pairs.append((s, other))
    assert len(pairs) >= 10
    for key, limit in (("contact_s", frame_s / 3), ("toe_off_s", frame_s)):
        gap = float(np.median([abs(s[key] - o[key]) for s, o in pairs]))
        assert gap <= limit, (key, gap)


def test_far_leg_is_never_judged_in_either_run(runs):
    for name in ("original", "mirror"):
        doc = load(runs[name])
        far = far_of(doc["context"]["near_side"])
        for mid, entry in doc["metrics"].items():
            if not entry["per_side"] or not entry.get(far):
                continue
            record = entry["reliability"][far]
            assert record["view"] == "far" and not record["reliable"], (name, mid)
            assert entry["verdict"][far] == "not measured reliably", (name, mid)
        for f in doc["findings"]:
            assert f["side"] == "both", (name, f["id"])
            assert f["id"] != "asymmetry"
            assert all(e["side"] != far for e in f["evidence"]), (name, f["id"])


def test_findings_agree_and_the_plan_prefers_no_side(runs):
    a, b = load(runs["original"]), load(runs["mirror"])
    # a finding in one run is a finding in the other; only a mild one may come and go, and
    # only when the values it rests on agree, in the two runs, within their combined
    # measurement error (severity grows continuously from the band edge less that error,
    # so two measurements of one runner within error of each other can fall either side
    # of the listing threshold)
    for this, other in ((a, b), (b, a)):
        listed = {f["id"] for f in other["findings"]}
        near_this, near_other = this["context"]["near_side"], other["context"]["near_side"]
        for f in this["findings"]:
            if f["id"] in listed:
                continue
            assert f["severity_label"] == "mild", (f["id"], f["severity"], listed)
            for e in f["evidence"]:
                mt, mo = this["metrics"][e["metric"]], other["metrics"][e["metric"]]
                # a whole-body metric (bounce, trunk) is stated for both legs at once
                key_t, key_o = (
                    ("all", "all") if "all" in mt["measurement_error"] else (near_this, near_other)
                )
                tol = math.hypot(mt["measurement_error"][key_t], mo["measurement_error"][key_o])
                diff = abs(mt[key_t]["median"] - mo[key_o]["median"])
                assert diff <= tol, (f["id"], e["metric"], diff, tol)
    for name in ("original", "mirror"):
        plan = json.loads((runs[name] / "plan.json").read_text(encoding="utf-8"))
        text = json.dumps(plan)
        assert '"lead_side": "left"' not in text and '"lead_side": "right"' not in text
        html = (runs[name] / "plan.html").read_text(encoding="utf-8")
        assert "start each set with the" not in html


def test_reports_show_the_far_leg_as_seen_from_the_other_side(runs):
    for name in ("original", "mirror"):
        doc = load(runs[name])
        far = far_of(doc["context"]["near_side"])
        page = (runs[name] / "report.html").read_text(encoding="utf-8")
        assert "seen from the other side" in page
        assert "Film the other side to compare legs" in page
        assert (
            f"film the runner&#39;s {far} side" in page or f"film the runner's {far} side" in page
        )


def test_the_clip_and_its_mirror_as_both_sides_find_no_asymmetry(runs):
    """Passed as a clip of each side (issue 11), the example clip and its mirror measure
    the same physical leg twice: no asymmetry may come of it, nor of a far-leg value."""
    from runform.compare.sides import merge_sides

    a, b = load(runs["original"]), load(runs["mirror"])
    both = merge_sides(a, b, names=("male_side.mp4", "mirror.mp4"))
    assert both["sides"]["left"]["clip"] == "male_side.mp4"
    assert both["sides"]["right"]["clip"] == "mirror.mp4"
    assert "asymmetry" not in [f["id"] for f in both["findings"]]
    assert not any(row["real"] for row in both["sides"]["symmetry"].values())
    for entry in both["metrics"].values():
        if entry["per_side"]:
            assert all(entry["reliability"][s]["view"] == "near" for s in SIDES)
    assert all(c["ok"] for c in both["sides"]["checks"])


def test_runform_analyze_with_both_clips_writes_one_two_sided_analysis(
    runs, tmp_path, tmp_path_factory
):
    """``runform analyze CLIP OTHER_SIDE_CLIP``: each clip in its side's folder, one merged
    analysis.json and report (pose from the cache the first runs filled)."""
    mirror = runs["original"].parent / "male_side_mirrored.mp4"
    cache = session_pose_cache(tmp_path_factory)
    out = tmp_path / "both"
    args = ["analyze", str(EXAMPLE), str(mirror), "--out", str(out), "--no-video", "-q"]
    assert main([*args, "--cache-dir", str(cache)]) == 0
    doc = load(out)
    assert doc["schema"] == "runform.analysis/2"
    assert (out / "left-side" / "analysis.json").is_file()
    assert (out / "right-side" / "analysis.json").is_file()
    assert (out / "report.html").is_file() and (out / "report.pdf").is_file()
    assert doc["sides"]["left"]["folder"] == "left-side"
    assert "asymmetry" not in [f["id"] for f in doc["findings"]]

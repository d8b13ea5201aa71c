"""The report files: self-contained HTML, a real PDF and steps.csv, for synthetic runners with
known faults and for the real treadmill clip."""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

import markupsafe
import numpy as np
import pytest
from matplotlib.figure import Figure

from runform.errors import InputError
from runform.findings import AREAS, findings_from_analysis
from runform.keypoints import SKELETON
from runform.pipeline import AnalysisOptions, analyze_track
from runform.report import write_report
from runform.report.content import STILL_EVENTS
from runform.synthetic import RunnerSpec, synthetic_runner


def escape(text: str) -> str:
    """Text as the page's template escapes it (``'`` becomes ``&#39;``)."""
    return str(markupsafe.escape(text))


DATA_URI = re.compile(r"data:[a-z+/.-]+;base64,[A-Za-z0-9+/=]+")


@cache
def synthetic_case(kind: str):
    """(run, analysis document) of a clean or an overstriding synthetic runner at 60 fps."""
    spec = RunnerSpec() if kind == "clean" else RunnerSpec(touchdown_distance_m=0.38)
    run = synthetic_runner(spec, fps=60.0, duration_s=8.0, seed=2)
    doc = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps)).to_dict()
    return run, json.loads(json.dumps(doc))


def write_stills(run, doc: dict, folder: Path) -> list[str]:
    """Stick-figure stills ``{side}_{event}.png`` of the synthetic runner at its events, in
    place of the render stage's video frames. Returns the keys written."""
    track = run.track
    keys = []
    for side in ("left", "right"):
        contacts = [e["time_s"] for e in doc["events"] if e["side"] == side]
        for k, event in enumerate(STILL_EVENTS):
            t = contacts[min(k, len(contacts) - 1)]
            i = int(np.argmin(np.abs(track.time - t)))
            fig = Figure(figsize=(2.4, 3.2), dpi=60)
            ax = fig.subplots()
            for a, b in SKELETON:
                if track.has(a) and track.has(b):
                    pa, pb = track.point(a)[i], track.point(b)[i]
                    ax.plot(
                        [pa[0], pb[0]],
                        [pa[1], pb[1]],
                        "-",
                        lw=3,
                        color="#0072B2" if "left" in a else "#D55E00",
                    )
            ax.invert_yaxis()
            ax.set_aspect("equal")
            ax.set_axis_off()
            fig.savefig(folder / f"{side}_{event}.png")
            keys.append(f"{side}_{event}")
    return keys


@pytest.fixture(scope="module")
def overstrider_report(tmp_path_factory):
    run, doc = synthetic_case("overstriding")
    out = tmp_path_factory.mktemp("report_over")
    stills = write_stills(run, doc, out)
    (out / "annotated.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")  # linked, never loaded
    findings = findings_from_analysis(doc)
    paths = write_report(doc, out, findings=findings, media={"video": out / "annotated.mp4"})
    return doc, findings, paths, stills


def without_data_uris(text: str) -> str:
    return DATA_URI.sub("data:", text)


# ----------------------------------------------------------------------------- HTML


def test_three_files_are_written(overstrider_report):
    _, _, paths, _ = overstrider_report
    assert set(paths) == {"html", "pdf", "steps_csv"}
    for path in paths.values():
        assert path.is_file() and path.stat().st_size > 0


def test_html_is_self_contained(overstrider_report):
    _, _, paths, _ = overstrider_report
    page = without_data_uris(paths["html"].read_text(encoding="utf-8"))
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower() and "@import" not in page and "@font-face" not in page
    refs = re.findall(r'(?:src|href|poster)="([^"]*)"', page)
    assert refs
    for ref in refs:
        assert ref.startswith(("data:", "#")) or ref == "annotated.mp4", ref
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "@media print" in page and "@page" in page


def test_html_shows_the_findings_with_their_key_frames(overstrider_report):
    _, findings, paths, stills = overstrider_report
    page = paths["html"].read_text(encoding="utf-8")
    ids = [f["id"] for f in findings]
    assert "overstriding" in ids
    for f in findings:
        assert escape(f["title"]) in page
    summary = page[page.index('id="summary"') : page.index('id="areas"')]
    card = summary[summary.index('id="summary-overstriding"') :]
    card = card[: card.index("</article>")]
    assert "data:image/jpeg;base64," in card  # the contact still, as a light JPEG
    assert "initial contact" in card
    assert len(stills) == 10
    gallery = page[page.index('id="media"') : page.index('id="quality"')]
    assert gallery.count("<img") == len(stills)
    assert "data:image/png" not in gallery  # PNG stills are embedded as JPEG


def test_every_finding_has_its_key_frame_beside_it(overstrider_report):
    """Under "All findings" each finding shows the moment KEY_EVENTS names for it
    (contact for overstriding, peak extension for extension findings...), on its side."""
    from runform.findings import KEY_EVENTS
    from runform.report.content import STILL_LABELS

    _, findings, paths, _ = overstrider_report
    page = paths["html"].read_text(encoding="utf-8")
    assert KEY_EVENTS["overstriding"] == "contact"
    assert KEY_EVENTS["limited_extension"] == "peak_extension"
    for f in findings:
        card = page[page.index(f'id="finding-{f["id"]}"') :]
        card = card[: card.index("</article>")]
        figure = re.search(
            r'<figure class="finding-still"><img src="data:image/jpeg;base64,'
            r'[A-Za-z0-9+/=]+" alt="([^"]+)">',
            card,
        )
        assert figure, f["id"]
        label = figure.group(1)
        assert label.endswith(STILL_LABELS[KEY_EVENTS[f["id"]]]), (f["id"], label)
        if f["side"] in ("left", "right"):
            assert label.startswith(f["side"].capitalize()), (f["id"], label)
    assert '<video controls preload="none" src="annotated.mp4"' in page


def test_every_metric_is_in_the_scorecard_with_band_source_and_quality(overstrider_report):
    doc, _, paths, _ = overstrider_report
    page = paths["html"].read_text(encoding="utf-8")
    card = page[page.index('id="scorecard"') : page.index("</table>", page.index('id="scorecard"'))]
    assert card.count("<tr>") == len(doc["metrics"]) + 1  # + the header row
    for entry in doc["metrics"].values():
        assert escape(entry["name"]) in card
        if entry["band"]:
            assert escape(entry["band"]["source"]) in card
        assert f'class="q-{entry["quality"]["level"]}"' in card


def test_plots_are_vector_charts_inline(overstrider_report):
    _, _, paths, _ = overstrider_report
    page = paths["html"].read_text(encoding="utf-8")
    plots = re.findall(
        r'<img class="plot" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page
    )
    # angle curves, per-step, timeline; no left-against-right chart from one camera (the far
    # leg is seen from the other side)
    assert len(plots) == 3
    import base64
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    texts = []
    for encoded in plots:
        root = ET.fromstring(base64.b64decode(encoded))  # well-formed SVG
        assert root.tag == f"{ns}svg"
        assert root.find(f"{ns}polyline") is not None or root.find(f"{ns}rect") is not None
        texts.append([t.text for t in root.iter(f"{ns}text")])
    # the angle chart's panels and axes are labelled in text a reader can select
    assert {"Thigh angle (+ ahead of vertical)", "Knee flexion", "gait cycle (%)"} <= set(texts[0])
    assert "time of contact (s)" in texts[1]
    for section in ("curves", "steps", "timeline"):
        assert f'id="{section}"' in page
    assert 'id="symmetry"' not in page


def test_areas_show_no_finding_where_nothing_stands_out(overstrider_report):
    _, findings, paths, _ = overstrider_report
    page = paths["html"].read_text(encoding="utf-8")
    areas = page[page.index('id="areas"') : page.index('id="findings"')]
    assert areas.count('class="status finding"') == len(findings)
    # left/right symmetry needs each leg filmed as the near leg: one clip says so instead
    assert areas.count('class="status not-assessed"') == 1
    assert "Film the other side to compare legs" in areas
    assert areas.count('class="status no-finding"') == len(AREAS) - len(findings) - 1


def test_clean_runner_report_says_no_finding(tmp_path):
    _, doc = synthetic_case("clean")
    paths = write_report(doc, tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert "<b>No finding.</b>" in page
    assert 'class="card finding' not in page
    assert page.count('class="status no-finding"') == len(AREAS) - 1  # symmetry: not assessed
    assert "No key-frame stills were found" in page and "<video" not in page


def test_saved_findings_are_used_by_default_and_text_is_escaped(tmp_path):
    _, doc = synthetic_case("overstriding")
    first, *rest = findings_from_analysis(doc)
    own = [
        dict(first, title="A finding title from the saved file"),
        *(dict(f, title="<script>alert(1)</script>") for f in rest[:1]),
    ]
    page = write_report(dict(doc, findings=own), tmp_path)["html"].read_text(encoding="utf-8")
    assert "A finding title from the saved file" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_document_without_steps_or_curves_still_gives_a_report(tmp_path):
    _, doc = synthetic_case("clean")
    bare = dict(doc, steps=[], events=[], rejected_steps=[], cycles={})
    paths = write_report(bare, tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert 'id="scorecard"' in page and 'id="curves"' not in page
    assert paths["steps_csv"].read_text(encoding="utf-8").strip().startswith("step,side")
    assert len(paths["steps_csv"].read_text(encoding="utf-8").strip().splitlines()) == 1


def test_not_an_analysis_is_refused(tmp_path):
    with pytest.raises(InputError, match="not a runform analysis"):
        write_report({"schema": "something-else"}, tmp_path)
    _, doc = synthetic_case("clean")
    broken = {k: v for k, v in doc.items() if k != "metrics"}
    with pytest.raises(InputError, match="metrics"):
        write_report(broken, tmp_path)


# ----------------------------------------------------------------------------- PDF, CSV


def pdf_outline(data: bytes) -> list[str]:
    """Outline (bookmark) titles of an fpdf2 PDF: literal or UTF-16 hex strings."""
    titles = [t.decode("latin-1") for t in re.findall(rb"/Title \(((?:[^()\\]|\\.)*)\)", data)]
    for hexed in re.findall(rb"/Title <([0-9A-Fa-f]+)>", data):
        raw = bytes.fromhex(hexed.decode())
        titles.append(raw[2:].decode("utf-16-be") if raw[:2] == b"\xfe\xff" else raw.decode())
    return titles


def test_pdf_is_a_real_pdf_with_the_same_content(overstrider_report):
    _, findings, paths, stills = overstrider_report
    data = paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    assert pages >= 5
    images = len(re.findall(rb"/Subtype /Image", data))
    assert images >= len(stills)  # the stills; the charts and gauges are vector drawings
    pypdf = pytest.importorskip("pypdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(paths["pdf"]).pages)
    for label in ("gait cycle (%)", "time of contact (s)", "Thigh angle (+ ahead of vertical)"):
        assert label in text  # drawn as text, not as a picture of text
    outline = pdf_outline(data)
    for section in (
        "Summary: what matters most",
        "Areas of form",
        "All findings",
        "Scorecard: every metric",
        "Joint angles over the gait cycle",
        "Data quality",
        "Methods",
        "References",
    ):
        assert section in outline
    for f in findings[:3]:
        assert f["title"] in outline


def test_steps_csv_has_one_row_per_step_with_every_metric(overstrider_report):
    doc, _, paths, _ = overstrider_report
    with open(paths["steps_csv"], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    steps = sorted(doc["steps"], key=lambda s: s["contact_s"])
    assert len(rows) == len(steps) > 10
    keys = {k for s in steps for k in s}
    assert keys <= set(rows[0])
    for row, step in zip(rows, steps, strict=True):
        assert row["side"] == step["side"]
        for key, value in step.items():
            if isinstance(value, float):
                assert float(row[key]) == pytest.approx(value, rel=1e-5, abs=1e-9)
            elif value is None:
                assert row[key] == ""
    assert [int(r["step"]) for r in rows] == list(range(1, len(rows) + 1))


# ----------------------------------------------------------------------------- real clip


@pytest.mark.slow
def test_report_for_the_real_treadmill_clip(male_side_pose_path, tmp_path):
    from runform.pose.readers import read_pose

    doc = json.loads(json.dumps(analyze_track(read_pose(male_side_pose_path)).to_dict()))
    findings = findings_from_analysis(doc)
    paths = write_report(doc, tmp_path, findings=findings)
    page = paths["html"].read_text(encoding="utf-8")
    assert "male_side.pose.json" in page
    assert "30 fps: one frame = 33 ms" in page  # the frame rate and its timing limit
    assert "runner faces image left" in page
    for f in findings:
        assert escape(f["title"]) in page
    # the right leg is the far leg here (runner faces left): it is shown, greyed, as seen
    # from the other side, and no finding rests on it or names a side
    assert "seen from the other side" in page
    for f in findings:
        assert f["side"] == "both" and "right" not in f["measured_on"]
    with open(paths["steps_csv"], encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == len(doc["steps"]) + 1
    assert paths["pdf"].read_bytes().startswith(b"%PDF-")


def test_a_stance_cut_by_the_clip_is_counted_apart_and_not_crossed_on_the_timeline():
    """A stance the clip starts or ends inside is not timeable, not implausible: the report's
    step count names it apart and the timeline marks only the implausible steps."""
    from runform.gait.types import CUT_BY_CLIP_EDGE
    from runform.report import plots
    from runform.report.quality import quality_section

    _, doc = synthetic_case("clean")
    edge = {"side": "left", "time_s": 0.0, "reason": CUT_BY_CLIP_EDGE}
    odd = {"side": "right", "time_s": 3.1, "reason": "contact time 13 ms is implausible"}
    items, lines = quality_section(dict(doc, rejected_steps=[edge, odd]))
    steps_line = dict(items)["Steps"]
    assert steps_line.endswith("2 rejected (1 of them cut by the start or end of the clip)")
    assert lines == [
        f"left foot at 0.00 s: {CUT_BY_CLIP_EDGE}",
        "right foot at 3.10 s: contact time 13 ms is implausible",
    ]
    cross = "#b2182b"
    only_edge = plots.render(plots.timeline_figure(doc["events"], [edge])).svg.decode().lower()
    assert cross not in only_edge and "rejected step" not in only_edge
    both = plots.render(plots.timeline_figure(doc["events"], [edge, odd])).svg.decode().lower()
    assert cross in both and "rejected step" in both


def test_two_clips_timeline_and_rejections_keep_to_each_legs_own_clip(monkeypatch):
    """A two-clip document holds both clips' events and rejections; each leg's row and its
    crosses come from the clip that filmed it near (the clips' clocks are unrelated), and
    the far leg's rejections in the other clip are only counted."""
    from runform.report import content, plots
    from runform.report.quality import quality_section

    _, doc = synthetic_case("clean")
    events = [dict(e, clip=e["side"]) for e in doc["events"]]
    own = {"side": "left", "time_s": 3.1, "reason": "contact time 13 ms is implausible",
           "clip": "left"}  # fmt: skip
    far = {"side": "left", "time_s": 5.5, "reason": "a contact was missed", "clip": "right"}
    two = dict(doc, events=events, rejected_steps=[own, far])
    seen = {}
    real = plots.timeline_figure

    def recording(ev, rejected, duration_s=None):
        seen.update(rejected=rejected, duration_s=duration_s)
        return real(ev, rejected, duration_s)

    monkeypatch.setattr(plots, "timeline_figure", recording)
    figures = {f.key: f for f in content._figures(two)}
    assert seen["rejected"] == [own] and seen["duration_s"] is None
    assert "not in step" in figures["timeline"].caption
    _, lines = quality_section(two)
    assert lines == [
        "left foot at 3.10 s of the left-side clip: contact time 13 ms is implausible",
        "1 more on the far leg of a clip (seen from the other side), whose values are not used",
    ]


def test_the_pdf_scorecard_says_the_error_and_the_pace_move_the_html_says(overstrider_report):
    """The PDF's Data quality says errors are "shown as ± in the scorecard", and a band
    printed 13–25° came with a source that said 16–28°: the PDF scorecard now carries each
    value's error and, with the source, how the band was moved to the pace."""
    doc, _, paths, _ = overstrider_report
    pypdf = pytest.importorskip("pypdf")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(paths["pdf"]).pages)
    text = re.sub(r"\s+", " ", text)
    error = doc["metrics"]["thigh_extension_deg"]["measurement_error"]["left"]
    assert f"error ±{error:.1f}°" in text
    moved = [m for m, e in doc["metrics"].items() if (e.get("band") or {}).get("adjusted")]
    assert moved and text.count("Moved to your pace:") >= 1


def test_scorecard_quality_is_not_good_beside_not_reliable_and_notes_read_as_sentences():
    from runform.report.content import NOT_RELIABLE, _score_rows

    _, doc = synthetic_case("clean")
    metrics = json.loads(json.dumps(doc["metrics"]))
    entry = metrics["step_time_ms"]
    for side in ("left", "right"):
        entry["reliability"][side] = {"view": "near", "reliable": False, "reason": "test"}
    rows = {r.metric: r for r in _score_rows(metrics)}
    assert rows["step_time_ms"].quality == NOT_RELIABLE
    assert rows["thigh_extension_deg"].quality != NOT_RELIABLE
    for r in rows.values():  # "speed; Depends …" read as one broken sentence
        assert not re.search(r"; [A-Z]", r.band_note), r.band_note


def test_a_one_sided_band_gauge_spans_the_measurement_error():
    """186°/s against ≥ 175 and 112 against ≥ 71 were drawn at the same spot, the strip's
    end; the axis now spans at least four measurement errors."""
    from runform.report.plots import gauge_figure

    entry = {"unit": "deg/s", "per_side": True, "left": {"median": 186.0},
             "band": {"low": 175.0, "high": None}, "measurement_error": {"left": 28.0}}  # fmt: skip
    panel = next(iter(gauge_figure(entry).panels.values()))
    lo, hi = panel.xlim
    assert hi - lo >= 4 * 28.0
    assert (186.0 - lo) / (hi - lo) < 0.5  # near the edge, not at the strip's end


def test_the_cleaning_line_counts_one_in_the_singular(overstrider_report):
    """'1 frames with left/right swapped (1 segments)' read wrong."""
    from runform.report.quality import quality_section

    doc = dict(overstrider_report[0])
    doc["cleaning"] = {
        **(doc.get("cleaning") or {}),
        "masked_points": 1,
        "swapped_frames": 1,
        "swap_segments": 1,
    }
    items, _ = quality_section(doc)
    line = dict(items)["Cleaning"]
    assert "1 low-confidence point masked" in line
    assert "1 frame with left/right swapped (1 segment) corrected" in line
    doc["cleaning"] = {**doc["cleaning"], "swapped_frames": 3, "swap_segments": 2}
    assert (
        "3 frames with left/right swapped (2 segments)" in dict(quality_section(doc)[0])["Cleaning"]
    )

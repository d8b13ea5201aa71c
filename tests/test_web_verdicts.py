"""The web page's Measures table judges a value as the report does: within the
measurement error of the band's edge is a note, not a warning, and the far leg is shown
but not judged (:func:`runform.web.views.verdict`)."""

from __future__ import annotations

from runform.findings.wording import verdict_text
from runform.web.views import verdict


def entry(left: float, right: float, *, far_right: bool = True) -> dict:
    return {
        "per_side": True,
        "concern": "low",
        "left": {"median": left},
        "right": {"median": right},
        "band": {"low": 19.6, "high": 31.6},
        "measurement_error": {"left": 5.5, "right": 5.5},
        "verdict": {
            "left": "below" if left < 19.6 else "within",
            "right": "not measured reliably" if far_right else "below",
        },
        "reliability": {
            "left": {"reliable": True, "view": "near"},
            "right": {"reliable": not far_right, "view": "far" if far_right else "near"},
        },
    }


def test_outside_the_band_by_less_than_the_error_is_a_note_in_the_reports_words() -> None:
    e = entry(17.9, 17.2)
    words, tone = verdict(e, ("left", "right"))
    assert words == verdict_text(e, "left") == "below, within error"
    assert tone == "note"  # not a warning: the report does not raise a finding on it


def test_clearly_outside_the_band_warns_and_the_far_leg_is_not_judged() -> None:
    words, tone = verdict(entry(10.0, 40.0), ("left", "right"))
    assert (words, tone) == ("below", "warn")  # the far leg's 40 is not "above"
    words, tone = verdict(entry(25.0, 10.0, far_right=False), ("left", "right"))
    assert (words, tone) == ("left within, right below", "warn")


def test_only_the_far_leg_measured_gives_no_verdict() -> None:
    e = entry(25.0, 10.0)
    e["left"] = None
    assert verdict(e, ("left", "right")) == ("–", "none")


def test_values_and_bands_are_rounded_as_the_report_rounds_them(monkeypatch) -> None:
    """The page printed three significant digits (3.46 deg beside 13 deg, 0.708 × leg); it
    now rounds each unit as the report does (:func:`runform.findings.wording.fmt_number`)."""
    from runform.web import files
    from runform.web.views import result_view

    doc = {
        "metrics": {
            "knee_flexion_contact_deg": dict(
                entry(3.458, 13.04, far_right=False), graded=True, name="Knee", unit="deg",
                band={"low": -2.0, "high": 10.0},
            ),
            "heel_recovery_ratio": dict(
                entry(0.7081, 0.6893), graded=True, name="Heel", unit="× leg",
                band={"low": 0.4271, "high": 0.8271},
            ),
        },
    }  # fmt: skip
    monkeypatch.setattr(files, "read_analysis", lambda storage, record: doc)
    monkeypatch.setattr(files, "list_outputs", lambda storage, record: [])
    rows = {m["id"]: m for m in result_view(None, None)["metrics"]}
    knee, heel = rows["knee_flexion_contact_deg"], rows["heel_recovery_ratio"]
    assert knee["by_side"] == {"left": "3.5", "right": "13.0"} and knee["band"] == "−2 to 10"
    assert heel["by_side"] == {"left": "0.71", "right": "0.69"} and heel["band"] == "0.43–0.83"
    assert heel["far"] == ["right"]

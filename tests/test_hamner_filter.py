"""The filter on Hamner's force (``bench/hamner_filter.py``): identified from its spectrum on
synthetic forces filtered at a known cut-off, and the committed model re-measured on the
data (issue 9, session 17)."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import hamner_filter  # noqa: E402
from _common import EXTERNAL_DATA, SHARED_DATA  # noqa: E402

needs_shared = pytest.mark.skipif(
    not (SHARED_DATA / "fukuchi_rbds002").is_dir() or not (SHARED_DATA / "hamner2013").is_dir(),
    reason="needs ../shared/data (raw Fukuchi forces and Hamner 2013)",
)
needs_external = pytest.mark.skipif(
    not (EXTERNAL_DATA / "hamner2013").is_dir() or not (EXTERNAL_DATA / "fukuchi_rbds001").is_dir(),
    reason="needs ../external_data (the committed model was measured with it)",
)


def _running_force(speed: float, seconds: float = 20.0, rate: float = 300.0, seed: int = 0):
    """A raw vertical force of running: a steeper impact the faster, stances that shorten
    with speed, flight at zero, plate noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, seconds, 1.0 / rate)
    step = 1.0 / (2.6 + 0.1 * speed)
    contact = 0.30 - 0.03 * speed
    phase = (t % step) / contact
    stance = phase < 1.0
    body = 2000.0 * np.sin(np.pi * np.clip(phase, 0, 1)) ** 0.8
    impact = 600.0 * np.exp(-(((phase - 0.12) / (0.05 - 0.004 * speed)) ** 2))
    force = np.where(stance, body + impact, 0.0) + rng.normal(0.0, 3.0, t.size)
    return t, force


def test_docstring_examples():
    result = doctest.testmod(hamner_filter, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("cutoff", "order"), [(12.0, 2), (18.0, 2), (24.0, 2), (15.0, 4)])
def test_a_known_filter_is_recovered_from_the_spectrum(cutoff, order):
    """Forces filtered at a known cut-off (and set to zero below 10 N, as Hamner's were) are
    matched to the raw ones by spectrum: the cut-off is found within 1 Hz, and the
    order too when it is among the candidates."""
    raw = [(s, *_running_force(s, seed=i)) for i, s in enumerate((2.5, 3.5, 4.5))]
    filtered = [(s, *_running_force(s + 0.5, seed=10 + i)) for i, s in enumerate((2.0, 3.0, 4.0))]
    filtered = [(s, t, hamner_filter._as_filtered(t, f, cutoff, order)) for s, t, f in filtered]
    found = hamner_filter.identify_filter(filtered, raw, orders=(1, 2, 4))
    assert found["order"] == order
    assert found["cutoff_hz"] == pytest.approx(cutoff, abs=1.0)


def test_the_event_shift_is_what_the_filter_does_to_a_20_n_crossing():
    """On a stance of known shape the filtered force crosses 20 N early: the shift is
    positive and larger at a lower cut-off; the truth's own reading (a 4th-order zero-lag
    low-pass at 50 Hz, ``fukuchi_files.stance_intervals``) moves nothing."""
    t, f = _running_force(3.0, rate=1000.0)
    f = np.where(f > 0, f, 0.0)
    shifts = [hamner_filter.event_shifts(t, f, c, 2)[0] for c in (10.0, 18.0)]
    assert shifts[0] > shifts[1] > 1.0
    assert hamner_filter.event_shifts(t, f, 50.0, 4) == pytest.approx((0.0, 0.0), abs=1e-9)


def test_the_model_is_a_line_in_belt_speed():
    model = hamner_filter.FilterModel(2, 18.0, (1.0, 2.0), (-0.5, 0.25))
    assert model.shift_ms(3.0) == pytest.approx((7.0, 0.25))


@needs_shared
def test_the_shared_data_points_to_the_committed_filter():
    """With only the three raw trials and five Hamner runners of ../shared/data, the
    spectrum still finds the committed cut-off (the order is fixed: three raw trials do not
    identify it), and their event shifts lie around the committed line."""
    dirs = [SHARED_DATA]
    raw = [(s, t, f) for _, s, t, f in hamner_filter.raw_fukuchi_forces(dirs)]
    ham = [(s, t, f) for _, s, t, f in hamner_filter.hamner_forces(dirs)]
    model = hamner_filter.HAMNER_FILTER
    found = hamner_filter.identify_filter(ham, raw, orders=(model.order,))
    assert found["cutoff_hz"] == pytest.approx(model.cutoff_hz, abs=1.5)
    _, rows = hamner_filter.measure_model(raw, model.cutoff_hz, model.order)
    for speed, contact, toe_off in rows:
        line = model.shift_ms(speed)
        assert contact == pytest.approx(line[0], abs=4.0)
        assert toe_off == pytest.approx(line[1], abs=1.5)


@needs_shared
@needs_external
def test_the_committed_filter_is_reproduced_from_all_the_data():
    """The committed model is what ``python bench/hamner_filter.py`` measures on both
    folders: order 2 beats orders 1, 3 and 4, and the cut-off and the line are reproduced."""
    dirs = [SHARED_DATA, EXTERNAL_DATA]
    raw = [(s, t, f) for _, s, t, f in hamner_filter.raw_fukuchi_forces(dirs)]
    ham = [(s, t, f) for _, s, t, f in hamner_filter.hamner_forces(dirs)]
    model = hamner_filter.HAMNER_FILTER
    found = hamner_filter.identify_filter(ham, raw, orders=(1, 2, 3, 4))
    assert (found["order"], found["cutoff_hz"]) == (model.order, model.cutoff_hz)
    measured, _ = hamner_filter.measure_model(raw, model.cutoff_hz, model.order)
    for speed in (2.0, 3.0, 4.0, 5.0):
        assert measured.shift_ms(speed) == pytest.approx(model.shift_ms(speed), abs=0.05)

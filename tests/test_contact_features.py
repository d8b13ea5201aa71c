"""Which point of the foot times the contact (``bench/contact_features.py``), on the seven
force-plate runners: the foot-speed witness reads the heel (:data:`runform.gait.foot_speed.POINTS`)
because the heel's stop spreads least between trials. After a heel strike the toe keeps
coming forward while the foot rotates down flat, for as long as that runner's foot takes,
so the toe's stop spreads most and the mean of the two lies between. Skips when
``../shared/data`` is absent.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))

import contact_features  # noqa: E402
import mocap  # noqa: E402

pytestmark = pytest.mark.skipif(
    not ((SHARED / "hamner2013").is_dir() and (SHARED / "fukuchi_rbds002").is_dir()),
    reason=f"force-plate running data not found in {SHARED}",
)


def trial_spread_ms(rows: list[dict], key: str) -> float:
    """SD (ms) of the trials' mean errors of one feature: what no constant offset removes."""
    per_trial: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        per_trial[row["trial"]].append(row[key])
    return 1000.0 * float(np.std([np.nanmean(v) for v in per_trial.values()]))


@pytest.fixture(scope="module")
def trials() -> list:
    """The 23 force-plate trials, built once for both conditions."""
    return mocap.load_trials()


@pytest.mark.parametrize(("rate", "noise"), [(None, 0.0), (60.0, 8.0)], ids=["native", "60hz-8px"])
def test_the_heels_stop_spreads_least_between_runners(trials, rate, noise):
    assert len({t.runner for t in trials}) >= 7
    rows = contact_features.stance_errors(trials, rate, noise)
    heel = trial_spread_ms(rows, "foot stopped")
    mean = trial_spread_ms(rows, "foot stopped (heel and toe)")
    toe = trial_spread_ms(rows, "foot stopped (toe)")
    # native 5.3 < 5.9 < 7.7 ms, 60 Hz + 8 px 5.2 < 6.4 < 8.7 ms when written
    assert heel < mean < toe
    assert heel < 6.0

"""The re-test in the web app (issue 12): a clip uploaded as the re-test of an earlier
analysis is compared with it when its analysis finishes; the comparison is a page (before,
after, real change or not, findings, downloads) and JSON under the API; only the owner
(and their coach) sees it, and a re-test must build on the runner's own finished analysis."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from runform.service.testing import synthetic_analyze
from test_web import clip, csrf_of, make_app, sign_up, token_for, upload  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def world(tmp_path_factory, clip):  # noqa: F811
    app = make_app(tmp_path_factory.mktemp("retest"), analyze=synthetic_analyze())
    with TestClient(app) as owner:
        sign_up(owner, "owner@r.org")
        first = upload(owner, clip).headers["location"].rsplit("/", 1)[1]
        form = owner.get(f"/upload?retest_of={first}")
        assert form.status_code == 200 and "Upload your re-test" in form.text
        assert f'name="retest_of" value="{first}"' in form.text
        second = upload(owner, clip, retest_of=first).headers["location"].rsplit("/", 1)[1]
        other = TestClient(app)
        sign_up(other, "other@r.org")
        yield {"app": app, "owner": owner, "other": other, "first": first, "second": second}


def test_the_retest_is_compared_and_shown_as_a_page(world):
    owner, second = world["owner"], world["second"]
    result = owner.get(f"/analyses/{second}").text
    assert f'href="/analyses/{second}/comparison"' in result
    page = owner.get(f"/analyses/{second}/comparison")
    assert page.status_code == 200
    text = page.text
    assert "Before and after" in text and 'id="headline"' in text
    # the same synthetic runner twice: the comparison does not flatter
    assert 'class="pill real"' not in text and 'class="real"' not in text
    assert '<span class="pill noreal">no real change</span>' in text
    # the rows of the comparison report: values with their units, no false precision, the
    # smallest detectable change beside the change, the far leg greyed with its reason
    assert re.search(r'>\d+ steps/min</td><td data-label="After">\d+ steps/min</td>', text)
    assert not re.search(r'<td data-label="\w+">\d+\.\d\d+</td>', text)
    assert re.search(r'<span class="hint">± \d+ ms</span>', text)
    far = re.search(
        r'<tr class=" far"><th scope="row">([^<]+) <span class="leg">(\w+)</span>', text
    )
    assert far and "far leg, before and after" in text
    assert "<figcaption>Left leg, initial contact: before | after</figcaption>" in text
    assert owner.get(f"/analyses/{second}/files/compare/compare.pdf").status_code == 200
    assert owner.get(f"/analyses/{second}/files/compare/compare.json").status_code == 200


def test_comparison_json_by_who_asks(world):
    second, owner, other = world["second"], world["owner"], world["other"]
    url = f"/api/v1/analyses/{second}/comparison"
    mine = owner.get(url, headers=token_for(owner, "owner@r.org"))
    assert mine.status_code == 200 and mine.json()["schema"] == "runform.compare/1"
    assert not any(r["real_change"] for r in mine.json()["metrics"])
    assert other.get(url, headers=token_for(other, "other@r.org")).status_code == 404
    assert other.get(url).status_code == 401
    assert other.get(f"/analyses/{second}/comparison").status_code == 404
    assert TestClient(world["app"]).get(f"/analyses/{second}/comparison",
                                        follow_redirects=False).status_code == 303  # fmt: skip
    # the first analysis is no re-test: no comparison
    assert owner.get(f"/analyses/{world['first']}/comparison").status_code == 404


def test_a_retest_of_someone_elses_analysis_is_refused(world, clip):  # noqa: F811
    other = world["other"]
    assert other.get(f"/upload?retest_of={world['first']}").status_code == 404
    answer = upload(other, clip, retest_of=world["first"])
    assert answer.status_code == 400
    assert "one of your own finished analyses" in answer.text

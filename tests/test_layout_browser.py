"""report.html and plan.html laid out by a real browser at phone (390 px) and desktop
(1280 px) width: nothing wider than the screen, no element past its right edge, no content
spilling out of its box over its neighbour, no word broken letter by letter.

Headless Chromium driven by Selenium, with Debian's ``chromium`` and ``chromium-driver``
(``/usr/bin/chromium``, ``/usr/bin/chromedriver``: nothing is downloaded). Skips with the
reason when Selenium or either binary is missing. Full-page screenshots are left in
``artifacts/layout/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runform.cli import main
from runform.pipeline import analyze_track
from runform.pose.readers import write_pose_csv
from runform.synthetic import RunnerSpec, synthetic_runner

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "artifacts" / "layout"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTHS = (390, 1280)
PAGES = ("report.html", "plan.html")
#: Longest screenshot taken (px); the phone report is about 20 000 px tall.
MAX_SHOT_HEIGHT = 30_000

#: Run in the page: what lies past the right edge, what spills out of its box, which words
#: are split over two lines. Selectors name the offending elements.
LAYOUT_JS = r"""
function sel(el) {
  const parts = [];
  while (el && el.nodeType === 1 && parts.length < 6) {
    let s = el.tagName.toLowerCase();
    if (el.id) { parts.unshift(s + '#' + el.id); break; }
    if (el.classList.length) s += '.' + Array.from(el.classList).join('.');
    const parent = el.parentElement;
    if (parent) {
      const same = Array.from(parent.children).filter(c => c.tagName === el.tagName);
      if (same.length > 1) s += ':nth-of-type(' + (same.indexOf(el) + 1) + ')';
    }
    parts.unshift(s);
    el = parent;
  }
  return parts.join(' > ');
}
function inScroller(el) {  // inside a box that scrolls (or clips) sideways on its own
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
  }
  return false;
}
const W = window.innerWidth, past = [], spill = [], split = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (r.right > W + 0.5 && !inScroller(el))
    past.push(sel(el) + ' (right edge at ' + Math.round(r.right) + ' px)');
  const cs = getComputedStyle(el);
  if (cs.display !== 'inline' && cs.overflowX === 'visible' && el.clientWidth > 0
      && el.scrollWidth > el.clientWidth + 1)
    spill.push(sel(el) + ' (content ' + el.scrollWidth + ' px wide in ' + el.clientWidth + ' px)');
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const range = document.createRange();
const word = /[^\s\-\/–—→(]+/g;  // a break after a hyphen, slash, dash or arrow is fine
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  let m;
  word.lastIndex = 0;
  while ((m = word.exec(node.nodeValue))) {
    if (m[0].length < 2) continue;
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const boxes = Array.from(range.getClientRects()).filter(b => b.width > 0);
    if (boxes.length > 1 && Math.abs(boxes[0].top - boxes[boxes.length - 1].top) > 2)
      split.push(sel(node.parentElement) + ': "' + m[0] + '"');
  }
}
return JSON.stringify({
  innerWidth: W, scrollWidth: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight, past: past, spill: spill, split: split});
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    """report.html (with key-frame stills) and plan.html of a synthetic runner with faults,
    written by ``runform analyze-pose --plan`` from its pose."""
    from runform.render.stills import write_key_frames
    from test_render import encode, runner_frames

    spec = RunnerSpec(facing="right", touchdown_distance_m=0.38, trunk_lean_deg=15.0)
    run = synthetic_runner(spec, fps=30, duration_s=6, px_per_m=150, seed=3)
    folder = tmp_path_factory.mktemp("layout")
    out = folder / "out"
    clip = encode(folder / "runner.mp4", runner_frames(run.track), 30)
    write_key_frames(clip, run.track, analyze_track(run.track), out / "stills")
    pose = folder / "pose.csv"
    write_pose_csv(run.track, pose)
    args = ["analyze-pose", str(pose), "--out", str(out), "--plan", "--quiet"]
    assert main([*args, "--treadmill-speed", str(spec.speed_mps)]) == 0
    for name in PAGES:
        assert (out / name).is_file()
    return out


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')"
    )
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found (Debian packages 'chromium' and "
            "'chromium-driver'); skipping the layout check in a real browser"
        )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    saved = {k: os.environ.get(k) for k in ("SE_OFFLINE", "SE_AVOID_STATS")}
    os.environ.update(SE_OFFLINE="true", SE_AVOID_STATS="true")  # never fetch a browser
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1280,900",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def viewport(driver, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_page_fits_the_screen(browser, pages, page, width):
    viewport(browser, width, 900)
    browser.get((pages / page).resolve().as_uri())
    found = json.loads(browser.execute_script(LAYOUT_JS))

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{Path(page).stem}-{width}.png"
    viewport(browser, width, min(int(found["height"]), MAX_SHOT_HEIGHT))
    browser.save_screenshot(str(shot))
    viewport(browser, width, 900)
    print(f"screenshot: {shot}")

    where = f"{page} at {width} px (screenshot {shot})"
    assert found["innerWidth"] == width
    assert found["scrollWidth"] <= found["innerWidth"], (
        f"{where}: the page is {found['scrollWidth']} px wide; past the right edge: "
        f"{found['past'][:8]}"
    )
    assert found["past"] == [], f"{where}: elements past the right edge: {found['past'][:12]}"
    assert found["spill"] == [], f"{where}: content spilling out of its box: {found['spill'][:12]}"
    assert found["split"] == [], f"{where}: words broken over two lines: {found['split'][:12]}"

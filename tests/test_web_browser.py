"""`runform serve` in real Chromium (Selenium + Debian's chromium and chromedriver): sign up,
upload the example clip, watch the progress, open the result and seek the annotated video.

The server runs in this process on 127.0.0.1 with the embedded worker and the real pipeline
(MediaPipe on `examples/male_side.mp4`). Screenshots at 390 px (phone) and 1280 px are left
in pytest's tmp folder. Skips when Chromium, chromedriver or Selenium is absent (no browser
is downloaded).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from runform.service.settings import Settings
from runform.web import create_app

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "examples" / "male_side.mp4"

pytestmark = pytest.mark.slow


def _chromium() -> tuple[str, str] | None:
    browser = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
    )
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    return (browser, driver) if browser and driver else None


def serve(settings: Settings):
    """The app on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=60)
    assert not thread.is_alive()


@pytest.fixture
def server(tmp_path):
    """The real pipeline (MediaPipe) behind the app."""
    yield from serve(Settings.load(tmp_path / "data", env={}, heartbeat_s=1.0))


@pytest.fixture
def browser():
    found = _chromium()
    if found is None:
        pytest.skip(
            "Chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)"
        )
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=found[1]))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def screenshot(driver, path: Path, width: int) -> Path:
    """A full-page PNG at ``width`` CSS pixels (DevTools, beyond the viewport)."""
    import base64

    driver.set_window_size(width, 900)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500})  # fmt: skip
    # scroll through the page as a reader would, so lazy images and the report load
    height = driver.execute_script("return document.documentElement.scrollHeight")
    for y in range(0, height + 900, 600):
        driver.execute_script("window.scrollTo(0, arguments[0])", y)
        time.sleep(0.1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not driver.execute_script(
        "return [...document.images].every(i => i.complete)"
    ):
        time.sleep(0.2)
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.5)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 6000), "scale": 1},
    })  # fmt: skip
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def boxes_at(driver, width: int, selector: str) -> list[dict]:
    """The boxes (left, right, top in the page, width) of what ``selector`` finds, laid out
    at ``width`` CSS pixels from the top of the page."""
    driver.set_window_size(width, 900)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": width < 500})  # fmt: skip
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.3)
    return driver.execute_script("""
        return [...document.querySelectorAll(arguments[0])].map(e => {
          const b = e.getBoundingClientRect();
          return {left: b.left, right: b.right, top: b.top + window.scrollY, width: b.width,
                  spill: e.scrollWidth - e.clientWidth,  // text wider than its own box
                  what: e.tagName + '#' + e.id + ' ' + (e.textContent || '').trim().slice(0, 30)};
        });""", selector)  # fmt: skip


def off_screen(boxes: list[dict], width: int) -> list[str]:
    """What is cut off at the right edge of a ``width`` px screen, has no width, or holds
    text wider than itself."""
    return [
        b["what"]
        for b in boxes
        if b["width"] <= 0 or b["left"] < 0 or b["right"] > width + 1 or b["spill"] > 1
    ]


def unlabelled_inputs(driver) -> list[str]:
    return driver.execute_script("""
        return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
          .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
          .map(el => el.name || el.id);""")


def test_sign_up_upload_watch_and_seek_in_chromium(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert CLIP.exists()
    driver = browser
    driver.set_window_size(390, 844)
    driver.get(f"{server}/signup")
    assert unlabelled_inputs(driver) == []
    driver.find_element(By.ID, "email").send_keys("runner@example.org")
    driver.find_element(By.ID, "password").send_keys("a long password")
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/upload"))
    assert unlabelled_inputs(driver) == []
    screenshot(driver, tmp_path / "upload-390.png", 390)
    assert no_sideways_scroll(driver)

    driver.find_element(By.ID, "file").send_keys(str(CLIP))
    driver.find_element(By.ID, "height_cm").send_keys("178")
    driver.find_element(By.CSS_SELECTOR, "form[data-once] button[type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: "/analyses/" in d.current_url)

    # watch the progress: the bar moves without reloading the page
    seen = set()
    progress_shot = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if driver.find_elements(By.ID, "annotated") or driver.find_elements(
            By.CSS_SELECTOR, ".failed"
        ):
            break
        bars = driver.find_elements(By.CSS_SELECTOR, "#status progress")
        if bars:
            try:
                value = float(bars[0].get_attribute("value") or 0)
                state = driver.find_element(By.CSS_SELECTOR, '[data-field="state"]').text
            except Exception:  # the page reloaded between the two reads
                continue
            seen.add((state, round(value, 2)))
            if progress_shot is None and state == "running" and value > 0.05:
                progress_shot = screenshot(driver, tmp_path / "progress-390.png", 390)
        time.sleep(0.5)
    assert not driver.find_elements(By.CSS_SELECTOR, ".failed"), driver.find_element(
        By.ID, "status"
    ).text
    assert driver.find_elements(By.ID, "annotated"), f"no result after 300 s; saw {sorted(seen)}"
    values = sorted(v for s, v in seen if s == "running")
    assert len(set(values)) >= 2 and values[-1] > values[0], (
        f"progress did not move: {sorted(seen)}"
    )

    # the video seeks (the browser asks for byte ranges; the server answers 206)
    target = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const v = document.getElementById('annotated');
        const go = () => {
          const t = v.duration / 2;
          v.addEventListener('seeked', () => done({t: t, now: v.currentTime, duration: v.duration,
                                                   ready: v.readyState, error: v.error && v.error.code}), {once: true});
          v.currentTime = t;
        };
        if (v.readyState >= 1) go(); else { v.addEventListener('loadedmetadata', go, {once: true}); v.load(); }
        setTimeout(() => done({timeout: true, ready: v.readyState, error: v.error && v.error.code}), 30000);
    """)
    assert not target.get("timeout") and not target.get("error"), target
    assert target["duration"] > 5 and abs(target["now"] - target["t"]) < 0.5, target

    stills = driver.find_elements(By.CSS_SELECTOR, ".stills img")
    assert len(stills) >= 2
    assert driver.find_elements(By.CSS_SELECTOR, "iframe.report[sandbox]")
    assert "Findings" in driver.page_source and "Measures" in driver.page_source
    screenshot(driver, tmp_path / "result-390.png", 390)
    assert no_sideways_scroll(driver)
    # what to do next is in the first screen of a phone, not only below the tall report
    first = boxes_at(driver, 390, "#next-steps a")
    assert len(first) == 2 and all(b["top"] + 44 < 844 for b in first), first
    assert off_screen(first, 390) == []
    screenshot(driver, tmp_path / "result-1280.png", 1280)
    assert no_sideways_scroll(driver)
    loaded = driver.execute_script(
        "return [...document.querySelectorAll('.stills img')].filter(i => i.naturalWidth > 0).length"
    )
    assert loaded == len(stills)  # every key frame was served to the browser
    analysis_id = driver.current_url.rstrip("/").rsplit("/", 1)[1]

    # the course: built from this analysis; this week first; a session marked done
    driver.find_element(By.PARTIAL_LINK_TEXT, "Start my six-week course").click()
    WebDriverWait(driver, 30).until(lambda d: "/course" in d.current_url)
    assert unlabelled_inputs(driver) == []
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: d.current_url.endswith("/course"))
    session = driver.find_element(By.CSS_SELECTOR, ".week.current form[action$='/done']")
    session.find_element(By.CSS_SELECTOR, "input[name=effort]").send_keys("6")
    session.find_element(By.CSS_SELECTOR, "input[name=note]").send_keys("ok " + "x" * 80)
    session.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".session.done"))
    assert "effort 6/10" in driver.page_source
    assert unlabelled_inputs(driver) == []
    # a long word in the note wraps inside its card; the form's fields fit the phone
    assert off_screen(boxes_at(driver, 390, ".session.done p"), 390) == []
    assert (
        off_screen(boxes_at(driver, 390, ".session input:not([type=hidden]), .session button"), 390)
        == []
    )
    screenshot(driver, tmp_path / "course-390.png", 390)
    assert no_sideways_scroll(driver)
    screenshot(driver, tmp_path / "course-1280.png", 1280)
    assert no_sideways_scroll(driver)

    # the re-test: the same clip again, compared with the first
    driver.get(f"{server}/analyses/{analysis_id}")
    driver.find_element(By.PARTIAL_LINK_TEXT, "Upload a re-test").click()
    WebDriverWait(driver, 30).until(lambda d: "retest_of=" in d.current_url)
    driver.find_element(By.ID, "file").send_keys(str(CLIP))
    driver.find_element(By.CSS_SELECTOR, "form[data-once] button[type=submit]").click()
    WebDriverWait(driver, 60).until(
        lambda d: "/analyses/" in d.current_url and analysis_id not in d.current_url
    )
    WebDriverWait(driver, 400, poll_frequency=1).until(
        lambda d: (
            d.find_elements(By.PARTIAL_LINK_TEXT, "Compare with the first analysis")
            or d.find_elements(By.CSS_SELECTOR, ".failed")
        )
    )
    assert not driver.find_elements(By.CSS_SELECTOR, ".failed")
    driver.find_element(By.PARTIAL_LINK_TEXT, "Compare with the first analysis").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/comparison"))
    page = driver.page_source
    assert "Before and after" in page and "no real change" in page
    screenshot(driver, tmp_path / "comparison-390.png", 390)
    assert no_sideways_scroll(driver)
    screenshot(driver, tmp_path / "comparison-1280.png", 1280)
    assert no_sideways_scroll(driver)
    for name in ("upload-390.png", "result-390.png", "result-1280.png", "course-390.png",
                 "comparison-390.png"):  # fmt: skip
        assert (tmp_path / name).stat().st_size > 10_000
    print("screenshots:", tmp_path)


@pytest.fixture
def quick_server(tmp_path):
    """The same server with the synthetic analyse hook (no MediaPipe): the coach path."""
    from runform.service.testing import synthetic_analyze

    settings = Settings.load(tmp_path / "data", env={}, analyze=synthetic_analyze(report=True))
    yield from serve(settings)


def sign_up_as(driver, server: str, email: str, role: str = "runner") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(f"{server}/signup")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("a long password")
    driver.find_element(By.CSS_SELECTOR, f"input[name=role][value={role}]").click()
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    # the URL changes when the redirect starts: wait for the page it leads to as well, or
    # the next driver.get can cut the sign-in short (an empty page under load, once in CI)
    WebDriverWait(driver, 20).until(
        lambda d: (
            "/signup" not in d.current_url
            and d.execute_script("return document.readyState") == "complete"
        )
    )


def sign_in_as(driver, server: str, email: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(f"{server}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("a long password")
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    # the URL changes when the redirect starts: wait for the page it leads to as well, or
    # the next driver.get can cut the sign-in short (an empty page under load, once in CI)
    WebDriverWait(driver, 20).until(
        lambda d: (
            "/login" not in d.current_url
            and d.execute_script("return document.readyState") == "complete"
        )
    )


def test_coach_invites_comments_on_a_moment_and_the_runner_sees_it(quick_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver, server = browser, quick_server
    driver.set_window_size(390, 844)
    sign_up_as(driver, server, "coach@example.org", "coach")
    assert driver.current_url.endswith("/coach")
    driver.find_element(By.CSS_SELECTOR, "form[action='/coach/invite'] button").click()
    invite = WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "invite-url")).text
    screenshot(driver, tmp_path / "coach-invite-390.png", 390)
    assert no_sideways_scroll(driver)

    sign_up_as(driver, server, "athlete@example.org")
    driver.find_element(By.ID, "file").send_keys(str(CLIP))
    driver.find_element(By.CSS_SELECTOR, "form[data-once] button[type=submit]").click()
    WebDriverWait(driver, 120, poll_frequency=1).until(
        lambda d: d.find_elements(By.ID, "annotated")
    )
    analysis_url = driver.current_url
    driver.get(invite)
    # under load (CI beside other work) the page can still be blank when get() returns
    WebDriverWait(driver, 20).until(lambda d: "coach@example.org" in d.page_source)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/coaches"))
    assert "coach@example.org" in driver.page_source
    driver.get(analysis_url)  # a course, so the coach has a plan to adjust
    driver.find_element(By.PARTIAL_LINK_TEXT, "Start my six-week course").click()
    WebDriverWait(driver, 30).until(lambda d: "/course" in d.current_url)
    assert off_screen(boxes_at(driver, 390, "form.card select, form.card input[type=number], "
                               "form.card input[type=date]"), 390) == []  # fmt: skip
    assert all(b["width"] > 300 for b in boxes_at(driver, 390, "form.card select"))
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: d.current_url.endswith("/course"))

    sign_in_as(driver, server, "coach@example.org")
    driver.get(f"{server}/coach")
    WebDriverWait(driver, 20).until(lambda d: "athlete@example.org" in d.page_source)
    # on a phone every column of the roster is in view (they were cut off to the right)
    cells = boxes_at(driver, 390, ".roster tbody th, .roster tbody td")
    assert len(cells) == 6 and off_screen(cells, 390) == [], cells
    screenshot(driver, tmp_path / "roster-390.png", 390)
    screenshot(driver, tmp_path / "roster-1280.png", 1280)
    assert no_sideways_scroll(driver)
    driver.find_element(By.LINK_TEXT, "athlete@example.org").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "to"))
    fields = boxes_at(driver, 390, "main select, main input:not([type=hidden]), main button")
    assert fields and off_screen(fields, 390) == [], fields  # 'Swap for' overflowed its card
    screenshot(driver, tmp_path / "coach-runner-390.png", 390)
    driver.find_element(By.CSS_SELECTOR, "ul.list a").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "annotated"))
    moment = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const v = document.getElementById('annotated');
        const go = () => { v.addEventListener('seeked', () => done(v.currentTime), {once: true});
                           v.currentTime = Math.min(1.5, v.duration / 2); };
        if (v.readyState >= 1) go(); else { v.addEventListener('loadedmetadata', go, {once: true}); v.load(); }
        setTimeout(() => done(-1), 20000);
    """)
    assert moment > 0
    assert abs(float(driver.find_element(By.ID, "at_s").get_attribute("value")) - moment) < 0.1
    driver.find_element(By.ID, "comment_text").send_keys("Watch the knee at landing")
    driver.find_element(By.CSS_SELECTOR, "form.comment-form button").click()
    WebDriverWait(driver, 20).until(lambda d: "Watch the knee at landing" in d.page_source)

    sign_in_as(driver, server, "athlete@example.org")
    driver.get(analysis_url)
    WebDriverWait(driver, 20).until(lambda d: "Watch the knee at landing" in d.page_source)
    assert driver.find_elements(By.CSS_SELECTOR, "[data-timeline] .mark")
    driver.find_element(By.CSS_SELECTOR, "[data-seek]").click()
    time.sleep(1.0)
    now = driver.execute_script("return document.getElementById('annotated').currentTime")
    assert abs(now - moment) < 0.2
    screenshot(driver, tmp_path / "runner-comment-390.png", 390)
    assert no_sideways_scroll(driver)
    print("screenshots:", tmp_path)

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


@pytest.fixture
def server(tmp_path):
    uvicorn = pytest.importorskip("uvicorn")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings.load(tmp_path / "data", env={}, heartbeat_s=1.0))
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
    screenshot(driver, tmp_path / "result-1280.png", 1280)
    assert no_sideways_scroll(driver)
    loaded = driver.execute_script(
        "return [...document.querySelectorAll('.stills img')].filter(i => i.naturalWidth > 0).length"
    )
    assert loaded == len(stills)  # every key frame was served to the browser
    for name in ("upload-390.png", "result-390.png", "result-1280.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    print("screenshots:", tmp_path)

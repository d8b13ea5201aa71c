"""Open report.html in headless Chromium: it renders with no console error, loads nothing
from outside the file, prints to PDF, and leaves a screenshot in ``artifacts/``.

Chromium is driven over the DevTools protocol through a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), so the test needs no
network port and no extra Python package. Skips when Chromium is not installed (Debian
package ``chromium``).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from runform.findings import findings_from_analysis
from runform.pipeline import AnalysisOptions, analyze_track
from runform.report import write_report
from runform.synthetic import RunnerSpec, synthetic_runner

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "artifacts"

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
    # Belt and braces: any host name resolves nowhere, so nothing could leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: Path, log: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4; bash maps them.
        script = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [
                "bash",
                "-c",
                script,
                binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def drain(self, seconds: float) -> None:
        """Collect events for a little while (late console messages, requests)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    """A report of an overstriding synthetic runner, with a still and a linked video."""
    spec = RunnerSpec(touchdown_distance_m=0.38)
    run = synthetic_runner(spec, fps=60.0, duration_s=8.0, seed=4)
    doc = analyze_track(run.track, AnalysisOptions(treadmill_speed_mps=spec.speed_mps)).to_dict()
    out = tmp_path_factory.mktemp("browser_report")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.4, 3.2), dpi=60)
    ax = fig.subplots()
    ax.plot([0, 0.2, 0.5], [1, 0.5, 0], lw=4)
    ax.set_axis_off()
    fig.savefig(out / "left_contact.png")
    fig.savefig(out / "right_contact.png")
    (out / "annotated.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    write_report(doc, out, findings=findings_from_analysis(doc))
    return out


def test_report_renders_in_headless_chromium_without_errors_or_requests(report_dir, tmp_path):
    binary = find_chromium()
    if binary is None:
        pytest.skip(
            "Chromium is not installed (Debian package 'chromium'); skipping the "
            "headless browser check of report.html"
        )
    report = report_dir / "report.html"
    url = report.resolve().as_uri()
    browser = DevTools(binary, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})
        session = browser.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable", session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.call("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired")
        browser.drain(1.0)

        state = browser.call(
            "Runtime.evaluate",
            {
                "expression": "JSON.stringify({"
                "title: document.title,"
                "images: document.images.length,"
                "broken: Array.from(document.images).filter("
                "  i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),"
                "sections: document.querySelectorAll('main section').length,"
                "height: document.documentElement.scrollHeight})",
                "returnByValue": True,
            },
            session=session,
        )
        page = json.loads(state["result"]["value"])

        # full-page screenshot (capped) as the test's artefact
        height = min(int(page["height"]), 16000)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1100, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
        printed = browser.call(
            "Page.printToPDF",
            {"printBackground": True, "preferCSSPageSize": True},
            session=session,
        )
        browser.drain(0.5)
    finally:
        browser.close()

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report_screenshot.png").write_bytes(base64.b64decode(shot["data"]))
    pdf = base64.b64decode(printed["data"])
    (ARTIFACTS / "report_printed.pdf").write_bytes(pdf)

    events = browser.events
    console_errors = [
        e["params"]
        for e in events
        if e.get("method") == "Runtime.consoleAPICalled"
        and e["params"].get("type") in ("error", "warning", "assert")
    ]
    exceptions = [e["params"] for e in events if e.get("method") == "Runtime.exceptionThrown"]
    log_problems = [
        e["params"]["entry"]
        for e in events
        if e.get("method") == "Log.entryAdded"
        and e["params"]["entry"].get("level") in ("error", "warning")
    ]
    requests = [
        e["params"]["request"]["url"]
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    outside = [u for u in requests if u != url and not u.startswith("data:")]
    failed = [e["params"] for e in events if e.get("method") == "Network.loadingFailed"]

    assert page["title"].startswith("Running form report")
    assert page["sections"] >= 9
    assert page["images"] >= 10 and page["broken"] == []
    assert console_errors == [] and exceptions == [] and log_problems == []
    assert url in requests  # the network log works: it saw the page itself
    assert outside == [], f"requests leaving the file: {outside}"
    assert failed == []
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page") >= 5
    assert (ARTIFACTS / "report_screenshot.png").stat().st_size > 50_000

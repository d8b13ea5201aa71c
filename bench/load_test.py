"""A bounded load test of ``runform serve`` on 127.0.0.1 (issue 13).

Starts ``runform serve`` (SQLite, the embedded queue and worker) in a temporary folder and,
with an asyncio client (httpx), makes ``--users`` runners (50) who each upload one clip and
wait for it (the seed). Then, for ``--seconds`` (60), with the runners arriving over the
first ``--ramp`` seconds (10), every runner loops: list their analyses, open one, poll its
status and stream its annotated video with three HTTP range requests (start, middle, end),
signing in through the form (a new session) on the first round and every tenth, while
``--uploads`` (20) of them upload another clip that queues behind the others. At the end
it checks:

- no error response (every answer is the one expected: 200, 206 or 303);
- every job completes (the seed and the uploads under load);
- every result belongs to its uploader: each runner's list holds exactly their own
  analyses, and another runner's analysis answers 404.

It prints p50 / p95 / max latency per kind of request under load, and the same figures
for one runner alone on the idle server measured in the same run (the reference: the
ratio is what the load costs each request). It stops by itself (``--seconds`` plus a
bounded wait for the jobs).

The analyse step is by default the synthetic stand-in (``RUNFORM_ANALYZE_HOOK``,
:func:`runform.service.testing.quick_synthetic_analyze`: a real ``analysis.json`` and the
uploaded clip as the annotated video), so the test measures the web tier and the queue, not
MediaPipe (``bench/worker_cost.py`` measures a real job); ``--real`` runs the real pipeline
on a 3-second cut of the example clip instead (slow: one job at a time on this machine).

Usage: ``python bench/load_test.py [--users 50] [--uploads 20] [--seconds 60] [--real]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import format_table

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "examples" / "male_side.mp4"
PASSWORD = "load test password"
EXPECTED = {200, 206, 303}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cut_clip(source: Path, target: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``source``, re-encoded (H.264)."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        stream = inp.streams.video[0]
        enc = out.add_stream("libx264", rate=stream.average_rate)
        enc.width, enc.height, enc.pix_fmt = stream.width, stream.height, "yuv420p"
        enc.options = {"preset": "ultrafast"}
        for frame in inp.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                break
            frame.pts = None
            for packet in enc.encode(frame):
                out.mux(packet)
        for packet in enc.encode():
            out.mux(packet)
    return target


class Recorder:
    """Latencies per kind of request, and every unexpected answer."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    async def call(self, client: httpx.AsyncClient, kind: str, method: str, url: str, **kw):
        started = time.perf_counter()
        try:
            answer = await client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.errors.append(f"{kind} {url}: {type(exc).__name__}")
            return None
        self.times[kind].append(time.perf_counter() - started)
        if answer.status_code not in EXPECTED:
            self.errors.append(f"{kind} {url}: HTTP {answer.status_code}")
        return answer


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    if not ordered:
        return (float("nan"),) * 3

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return at(0.5), at(0.95), ordered[-1]


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Runner:
    def __init__(self, base: str, email: str, rec: Recorder) -> None:
        self.email, self.rec = email, rec
        self.client = httpx.AsyncClient(base_url=base, timeout=60.0)
        self.analyses: list[str] = []

    async def sign_in(self) -> None:
        self.client.cookies.clear()
        page = await self.rec.call(self.client, "page", "GET", "/login")
        if page is None:
            return
        await self.rec.call(
            self.client, "sign in", "POST", "/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": csrf(page.text)},
        )  # fmt: skip

    async def upload(self, clip: bytes) -> None:
        page = await self.rec.call(self.client, "page", "GET", "/upload")
        if page is None:
            return
        answer = await self.rec.call(
            self.client, "upload", "POST", "/upload",
            data={"csrf_token": csrf(page.text)},
            files={"file": ("clip.mp4", clip, "video/mp4")},
        )  # fmt: skip
        if answer is not None and answer.status_code == 303:
            self.analyses.append(answer.headers["location"].rsplit("/", 1)[1])

    async def browse(self) -> None:
        await self.rec.call(self.client, "page", "GET", "/analyses")
        if not self.analyses:
            return
        analysis = random.choice(self.analyses)
        await self.rec.call(self.client, "page", "GET", f"/analyses/{analysis}")
        status = await self.rec.call(self.client, "status", "GET", f"/analyses/{analysis}/status")
        if status is None or status.json()["state"] != "done":
            return
        video = f"/analyses/{analysis}/files/annotated.mp4"
        for ranged in ("bytes=0-65535", "bytes=600000-665535", "bytes=-65536"):
            await self.rec.call(self.client, "video range", "GET", video,
                                headers={"Range": ranged})  # fmt: skip

    async def states(self) -> dict[str, str]:
        out = {}
        for analysis in self.analyses:
            answer = await self.client.get(f"/analyses/{analysis}/status")
            out[analysis] = answer.json()["state"] if answer.status_code == 200 else "missing"
        return out


async def wait_done(runners: list[Runner], seconds: float) -> tuple[int, int]:
    """Wait until every analysis is done (or failed); (done, total)."""
    deadline = time.monotonic() + seconds
    while True:
        states = [s for r in runners for s in (await r.states()).values()]
        if all(s in ("done", "failed") for s in states) or time.monotonic() > deadline:
            return sum(s == "done" for s in states), len(states)
        await asyncio.sleep(1.0)


async def ownership_ok(base: str, runners: list[Runner]) -> bool:
    """Each runner lists exactly their own analyses; another's answers 404."""
    for k, runner in enumerate(runners):
        token = (await runner.client.post(
            "/api/v1/tokens", json={"email": runner.email, "password": PASSWORD})).json()["token"]  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        listed = (await runner.client.get("/api/v1/analyses", headers=headers)).json()
        ids = {item["id"] for item in listed["analyses"]}
        if ids != set(runner.analyses):
            return False
        other = runners[(k + 1) % len(runners)]
        if other.analyses:
            answer = await runner.client.get(f"/api/v1/analyses/{other.analyses[0]}",
                                             headers=headers)  # fmt: skip
            if answer.status_code != 404:
                return False
    return True


async def load(base: str, args, clip: bytes) -> dict:
    rec = Recorder()
    runners = [Runner(base, f"runner{k:03d}@club.test", rec) for k in range(args.users)]
    for runner in runners:  # accounts through the API (sign-up is not what is measured)
        answer = await runner.client.post(
            "/api/v1/users", json={"email": runner.email, "password": PASSWORD}
        )
        answer.raise_for_status()
    # seed: one analysis each, all done before the load
    await asyncio.gather(*(r.sign_in() for r in runners))
    await asyncio.gather(*(r.upload(clip) for r in runners))
    seeded = await wait_done(runners, args.job_wait)
    # reference: one runner alone on the idle server
    alone = Recorder()
    solo = Runner(base, runners[0].email, alone)
    solo.analyses = list(runners[0].analyses)
    for _ in range(20):
        await solo.sign_in()
        await solo.browse()
    await solo.client.aclose()
    # the load: everyone browsing and streaming, some uploading
    rec.times.clear()
    stop = time.monotonic() + args.seconds
    uploaders = set(random.Random(1).sample(range(args.users), args.uploads))

    async def user(k: int, runner: Runner) -> None:
        uploaded = k not in uploaders
        rng = random.Random(k)
        await asyncio.sleep(rng.uniform(0.0, args.ramp))  # runners arrive over the ramp
        rounds = 0
        while time.monotonic() < stop:
            if rounds % 10 == 0:  # a new session now and then (Argon2 costs ~0.1 s of CPU)
                await runner.sign_in()
            await runner.browse()
            rounds += 1
            if not uploaded and rng.random() < 0.3:
                await runner.upload(clip)
                uploaded = True
            await asyncio.sleep(rng.uniform(0.0, 0.5))
        if not uploaded:
            await runner.upload(clip)

    started = time.perf_counter()
    await asyncio.gather(*(user(k, r) for k, r in enumerate(runners)))
    elapsed = time.perf_counter() - started
    done = await wait_done(runners, args.job_wait)
    owned = await ownership_ok(base, runners)
    for runner in runners:
        await runner.client.aclose()
    return {"rec": rec, "alone": alone, "seeded": seeded, "done": done, "owned": owned,
            "elapsed": elapsed}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--job-wait", type=float, default=600.0, help="most seconds to wait for jobs"
    )
    parser.add_argument("--real", action="store_true", help="the real pipeline (slow)")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the runners arrive (0: all at once)")  # fmt: skip
    args = parser.parse_args(argv)
    args.uploads = min(args.uploads, args.users)

    with tempfile.TemporaryDirectory(prefix="runform-load-") as tmp:
        data, port = Path(tmp) / "data", free_port()
        clip_path = cut_clip(CLIP, Path(tmp) / "short.mp4", 3.0) if args.real else CLIP
        env = {**os.environ, "RUNFORM_SECRET_KEY": "load-test-secret"}
        if not args.real:
            env["RUNFORM_ANALYZE_HOOK"] = "runform.service.testing:quick_synthetic_analyze"
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "runform", "serve", "--port", str(port), "--data-dir", str(data)],
            env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.3)
            result = asyncio.run(load(base, args, clip_path.read_bytes()))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            log.close()

    rec, alone = result["rec"], result["alone"]
    rows = []
    for kind in ("page", "sign in", "status", "video range", "upload"):
        p50, p95, most = percentiles(rec.times[kind])
        _, a95, _ = percentiles(alone.times.get(kind, []))
        ratio = p95 / a95 if kind in alone.times else float("nan")
        rows.append([kind, len(rec.times[kind]), f"{p50 * 1000:.0f}", f"{p95 * 1000:.0f}",
                     f"{most * 1000:.0f}", f"{a95 * 1000:.0f}" if kind in alone.times else "-",
                     f"{ratio:.1f}" if ratio == ratio else "-"])  # fmt: skip
    total = sum(len(v) for v in rec.times.values())
    print(f"{args.users} runners for {result['elapsed']:.0f} s on 127.0.0.1 "
          f"({'real pipeline' if args.real else 'synthetic analyse step'}): {total} requests, "
          f"{total / result['elapsed']:.0f}/s")  # fmt: skip
    print(format_table(["request", "count", "p50 ms", "p95 ms", "max ms", "alone p95 ms",
                        "p95 × alone"], rows))  # fmt: skip
    seeded, done = result["seeded"], result["done"]
    print(
        f"error responses: {len(rec.errors)}"
        + (f" (first: {rec.errors[:3]})" if rec.errors else "")
    )
    print(f"jobs completed: seed {seeded[0]}/{seeded[1]}, all {done[0]}/{done[1]}")
    print(f"every result belongs to its uploader: {'yes' if result['owned'] else 'NO'}")
    ok = not rec.errors and done[0] == done[1] and result["owned"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The supervisor of ``runform worker`` (:func:`runform.cli.worker._supervise`): how the stop
signals it receives reach its worker processes. Fake children record what they are sent,
so the count is exact whatever the timing."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from runform.cli.worker import _supervise


class FakeChild:
    """A worker process as the supervisor sees it; it stops ``linger_s`` after its first
    signal, as Huey's consumer does once the job in progress is finished."""

    def __init__(self, linger_s: float = 0.5) -> None:
        self.pid = 0
        self.signals: list[int] = []
        self.linger_s = linger_s
        self._ends_at: float | None = None

    def poll(self) -> int | None:
        if self._ends_at is None or time.monotonic() < self._ends_at:
            return None
        return 0

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        if self._ends_at is None:
            self._ends_at = time.monotonic() + self.linger_s

    def wait(self, timeout: float | None = None) -> int:
        while self.poll() is None:
            time.sleep(0.01)
        return 0

    def kill(self) -> None:
        raise AssertionError("a child that stops on its own is never killed")


@pytest.fixture
def own_handlers() -> Iterator[None]:
    """``_supervise`` installs SIGTERM and SIGINT handlers in this process: put pytest's back."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def supervise_and_signal(children: list[FakeChild], *signals_at: tuple[float, int]) -> None:
    """Run the supervisor over ``children`` and send this process each signal at its time
    (seconds after the children started)."""
    queue = iter(children)

    def send() -> None:
        begin = time.monotonic()
        for at, signum in signals_at:
            time.sleep(max(0.0, begin + at - time.monotonic()))
            os.kill(os.getpid(), signum)

    sender = threading.Thread(target=send)
    sender.start()
    _supervise(lambda: next(queue), len(children))
    sender.join()


def test_one_stop_signal_reaches_each_worker_process_once(own_handlers) -> None:
    """A second SIGTERM tells Huey's consumer to stop without finishing the job in progress,
    so the supervisor's own clean-up must not send one after the operator's."""
    children = [FakeChild(), FakeChild()]
    supervise_and_signal(children, (0.3, signal.SIGTERM))
    assert [c.signals for c in children] == [[signal.SIGTERM]] * 2
    assert all(c.poll() == 0 for c in children)


def test_ctrl_c_is_passed_on_once_as_ctrl_c(own_handlers) -> None:
    children = [FakeChild()]
    supervise_and_signal(children, (0.3, signal.SIGINT))
    assert children[0].signals == [signal.SIGINT]


def test_an_operators_second_signal_is_passed_on(own_handlers) -> None:
    """Twice means "stop now": the children hear it twice."""
    children = [FakeChild(linger_s=1.5)]
    supervise_and_signal(children, (0.3, signal.SIGTERM), (0.8, signal.SIGTERM))
    assert children[0].signals == [signal.SIGTERM, signal.SIGTERM]

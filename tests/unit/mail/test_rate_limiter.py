"""Spacing sends at the SES maximum send rate (chalicelib.mail.services.sender.RateLimiter)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from chalicelib.mail.services.sender import RateLimiter

TOLERANCE = 1e-9


class FakeTime:
    """A clock that only moves when someone sleeps (or the test advances it)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, "never sleep a negative time"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sends(limiter: RateLimiter, fake: FakeTime, count: int, work: float = 0.0) -> list[float]:
    """Wait before each of ``count`` sends; return when each send happened."""
    times = []
    for _ in range(count):
        limiter.wait()
        times.append(fake.now)
        fake.advance(work)
    return times


@pytest.mark.parametrize("rate", [1.0, 3.0, 7.0, 14.0, 0.5, 200.0])
@pytest.mark.parametrize("count", [1, 2, 10, 100])
def test_total_sleep_is_n_minus_one_intervals(rate: float, count: int) -> None:
    fake = FakeTime()
    limiter = RateLimiter(rate, clock=fake.clock, sleep=fake.sleep)

    times = sends(limiter, fake, count)

    assert sum(fake.sleeps) == pytest.approx((count - 1) / rate, abs=TOLERANCE)
    assert times[-1] - times[0] == pytest.approx((count - 1) / rate, abs=TOLERANCE)
    for earlier, later in pairwise(times):
        assert later - earlier >= 1 / rate - TOLERANCE


def test_first_send_does_not_wait() -> None:
    fake = FakeTime()
    limiter = RateLimiter(14, clock=fake.clock, sleep=fake.sleep)

    limiter.wait()

    assert fake.sleeps == []


@pytest.mark.parametrize("work", [0.01, 0.05, 0.0714, 0.2, 1.0])
def test_sends_never_closer_than_the_interval_when_sending_takes_time(work: float) -> None:
    rate = 14.0
    fake = FakeTime()
    limiter = RateLimiter(rate, clock=fake.clock, sleep=fake.sleep)

    times = sends(limiter, fake, 50, work=work)

    for earlier, later in pairwise(times):
        assert later - earlier >= 1 / rate - TOLERANCE
    # it only sleeps for the part of the interval the send itself did not use
    expected = 49 * max(0.0, 1 / rate - work)
    assert sum(fake.sleeps) == pytest.approx(expected, abs=1e-6)


def test_idle_time_is_not_saved_up_as_a_burst() -> None:
    rate = 10.0
    fake = FakeTime()
    limiter = RateLimiter(rate, clock=fake.clock, sleep=fake.sleep)

    limiter.wait()
    fake.advance(60.0)  # a quiet minute
    times = sends(limiter, fake, 5)

    for earlier, later in pairwise(times):
        assert later - earlier >= 1 / rate - TOLERANCE
    assert sum(fake.sleeps) == pytest.approx(4 / rate, abs=TOLERANCE)


def test_irregular_arrivals_keep_the_spacing() -> None:
    rate = 4.0
    fake = FakeTime()
    limiter = RateLimiter(rate, clock=fake.clock, sleep=fake.sleep)
    times = []
    for gap in [0.0, 0.1, 0.3, 0.0, 1.0, 0.2, 0.25, 0.0, 0.01]:
        fake.advance(gap)
        limiter.wait()
        times.append(fake.now)

    for earlier, later in pairwise(times):
        assert later - earlier >= 1 / rate - TOLERANCE


@pytest.mark.parametrize("rate", [0, 0.0, -1.0])
def test_rate_zero_or_less_means_no_limit(rate: float) -> None:
    fake = FakeTime()
    calls = {"clock": 0}

    def clock() -> float:
        calls["clock"] += 1
        return fake.now

    def sleep(seconds: float) -> None:
        raise AssertionError("an unlimited limiter must never sleep")

    limiter = RateLimiter(rate, clock=clock, sleep=sleep)
    for _ in range(1000):
        limiter.wait()

    assert fake.sleeps == []
    assert calls["clock"] == 0

"""The waiting list's arrival order (chalicelib.workshops.domain.registrations.ArrivalClock)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chalicelib.workshops.domain.registrations import ArrivalClock


def test_keys_follow_the_clock_and_carry_the_registration_id() -> None:
    ticks = iter([1_000, 2_000])
    clock = ArrivalClock(lambda: next(ticks))
    assert clock.key("a") == f"{1_000:020d}#a"
    assert clock.key("b") == f"{2_000:020d}#b"


def test_keys_keep_increasing_when_the_clock_stalls_or_steps_back() -> None:
    ticks = iter([5_000, 5_000, 4_000, 6_000])
    clock = ArrivalClock(lambda: next(ticks))
    keys = [clock.key(x) for x in "abcd"]
    assert keys == sorted(keys) and len({k.split("#")[0] for k in keys}) == 4
    assert keys[1].startswith(f"{5_001:020d}") and keys[2].startswith(f"{5_002:020d}")


def test_two_clocks_are_independent() -> None:
    a, b = ArrivalClock(lambda: 10), ArrivalClock(lambda: 10)
    assert a.key("x") == b.key("x")


def test_concurrent_joins_get_distinct_ordered_keys() -> None:
    clock = ArrivalClock(lambda: 42)  # a clock that never moves: order comes from the counter alone
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(clock.key, [f"r{i}" for i in range(400)]))
    stamps = [k.split("#")[0] for k in keys]
    assert len(set(stamps)) == 400

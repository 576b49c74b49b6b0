"""Rules of joint Cafcass and local authority workshops (chalicelib.workshops.domain.rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from chalicelib.core.errors import Conflict, InvalidInput
from chalicelib.workshops.domain.rules import (
    LONDON,
    MAX_SESSIONS,
    Group,
    Placement,
    PlacementDecision,
    Places,
    Session,
    WaitingEntry,
    Workshop,
    WorkshopStatus,
    check_schedule,
    check_transition,
    csv_safe,
    decide,
    has_place_for,
    next_to_promote,
    position,
    reminders_due,
    schedule_changed,
)

UTC = timezone.utc
LA = Group.LA_SOCIAL_WORKER
CAF = Group.CAFCASS
ADCS = Group.ADCS_PARTNER

WESTMINSTER = "E09000033"
CAMDEN = "E09000007"
ANGLESEY = "W06000001"

# 2027-01-15 is in GMT; the first session starts at 09:30 London = 09:30Z.
DAY = date(2027, 1, 15)
FIRST_START = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
BEFORE_RELEASE = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)   # 14 days before: not released (7 days)
AFTER_RELEASE = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)   # 5 days before: released (7 days)


def session(day: date = DAY, start: str = "09:30", end: str = "12:30") -> Session:
    return Session(day, time.fromisoformat(start), time.fromisoformat(end))


def places(capacity: int = 28, la: int = 12, caf: int = 12, adcs: int = 4, release_days_before: int | None = None,
           org_cap: int | None = None) -> Places:
    return Places(capacity=capacity, allocations={LA: la, CAF: caf, ADCS: adcs},
                  release_days_before=release_days_before, org_cap=org_cap)


def workshop(**overrides: object) -> Workshop:
    base = Workshop(
        id="ws-1", title="Pre-proceedings practice", description="Joint workshop", host_org="CAFCASS",
        region="london", venue="1 Example Street, London", online_url=None,
        sessions=(session(),), places=places(release_days_before=7, org_cap=4),
        registration_opens_at=datetime(2026, 12, 1, tzinfo=UTC),
        registration_closes_at=datetime(2027, 1, 14, tzinfo=UTC),
        cancellation_deadline=datetime(2027, 1, 13, tzinfo=UTC),
        status=WorkshopStatus.PUBLISHED,
    )
    return replace(base, **overrides)


def schedule(**overrides: object) -> tuple[Session, ...]:
    args: dict[str, object] = {
        "sessions": [session()], "places": places(),
        "opens": datetime(2026, 12, 1, tzinfo=UTC), "closes": datetime(2027, 1, 14, tzinfo=UTC),
        "cancel_deadline": datetime(2027, 1, 13, tzinfo=UTC),
        "venue": "1 Example Street, London", "online_url": None,
    }
    args.update(overrides)
    return check_schedule(**args)  # type: ignore[arg-type]


def assert_schedule_refused(code: str, field: str, **overrides: object) -> None:
    with pytest.raises(InvalidInput) as info:
        schedule(**overrides)
    assert (info.value.code, info.value.field) == (code, field)


def entry(rid: str, group: Group = LA, organisation: str = WESTMINSTER, key: str | None = None) -> WaitingEntry:
    return WaitingEntry(registration_id=rid, group=group, organisation=organisation, joined_key=key or rid)


# --- check_schedule ----------------------------------------------------------------------------------------------

def test_valid_schedule_returns_sessions_in_time_order() -> None:
    s1 = session(DAY, "09:30", "12:30")
    s2 = session(DAY, "13:30", "16:00")
    s3 = session(date(2027, 1, 16), "09:00", "10:00")
    assert schedule(sessions=[s3, s1, s2]) == (s1, s2, s3)


def test_valid_schedule_returns_a_tuple_even_for_a_tuple_input() -> None:
    assert schedule(sessions=(session(),)) == (session(),)


def test_sessions_may_touch_end_to_start() -> None:
    s1 = session(DAY, "09:00", "10:00")
    s2 = session(DAY, "10:00", "11:00")
    assert schedule(sessions=[s2, s1]) == (s1, s2)


def test_online_only_workshop_is_accepted() -> None:
    assert schedule(venue=None, online_url="https://meet.example/abc")


def test_exactly_max_sessions_is_accepted() -> None:
    many = [session(date(2026, 12, 20) + timedelta(days=i)) for i in range(MAX_SESSIONS)]
    closes = datetime(2026, 12, 19, tzinfo=UTC)
    result = schedule(sessions=many, closes=closes, cancel_deadline=closes)
    assert len(result) == MAX_SESSIONS == 10


def test_boundaries_at_the_first_start_are_accepted() -> None:
    assert schedule(closes=FIRST_START, cancel_deadline=FIRST_START)


def test_org_cap_of_one_and_zero_allocations_are_accepted() -> None:
    assert schedule(places=places(capacity=12, la=12, caf=0, adcs=0, org_cap=1))


@pytest.mark.parametrize("sessions", [[], ()])
def test_no_sessions_is_refused(sessions: object) -> None:
    assert_schedule_refused("no_sessions", "sessions", sessions=sessions)


def test_more_than_max_sessions_is_refused() -> None:
    many = [session(date(2026, 12, 20) + timedelta(days=i)) for i in range(MAX_SESSIONS + 1)]
    assert_schedule_refused("too_many_sessions", "sessions", sessions=many)


@pytest.mark.parametrize("start,end", [("10:00", "10:00"), ("10:00", "09:00")])
def test_session_ending_at_or_before_its_start_is_refused(start: str, end: str) -> None:
    assert_schedule_refused("session_ends_before_start", "sessions.0.end", sessions=[session(DAY, start, end)])


def test_bad_session_is_named_by_the_position_the_admin_gave_it() -> None:
    good = session(DAY, "09:00", "10:00")
    bad = session(DAY, "14:00", "13:00")
    assert_schedule_refused("session_ends_before_start", "sessions.0.end", sessions=[bad, good])
    assert_schedule_refused("session_ends_before_start", "sessions.1.end", sessions=[good, bad])


def test_overlapping_sessions_are_refused() -> None:
    s1 = session(DAY, "09:00", "12:00")
    s2 = session(DAY, "11:59", "13:00")
    assert_schedule_refused("sessions_overlap", "sessions.1.start", sessions=[s1, s2])


def test_session_inside_another_is_refused() -> None:
    outer = session(DAY, "09:00", "17:00")
    inner = session(DAY, "10:00", "11:00")
    later = session(DAY, "12:00", "13:00")
    assert_schedule_refused("sessions_overlap", "sessions.1.start", sessions=[later, inner, outer])


def test_overlap_is_named_by_the_later_session_at_its_given_position() -> None:
    s1 = session(DAY, "09:00", "10:00")
    s2 = session(DAY, "11:00", "12:00")
    s3 = session(DAY, "11:30", "13:00")
    assert_schedule_refused("sessions_overlap", "sessions.0.start", sessions=[s3, s2, s1])


def test_a_session_across_the_spring_clock_change_is_judged_in_real_time() -> None:
    from datetime import date as date_

    # 01:30 to 02:15 on 28 March 2027: 02:15 does not exist, and in real time it is before 01:30.
    assert_schedule_refused("session_ends_before_start", "sessions.0.end",
                            sessions=[session(date_(2027, 3, 28), "01:30", "02:15")])


@pytest.mark.parametrize("venue,online_url", [(None, None), ("", ""), ("", None), (None, "")])
def test_no_venue_and_no_link_is_refused(venue: str | None, online_url: str | None) -> None:
    assert_schedule_refused("no_location", "venue", venue=venue, online_url=online_url)


def test_allocation_missing_a_group_is_refused() -> None:
    missing = Places(capacity=24, allocations={LA: 12, CAF: 12})
    assert_schedule_refused("invalid_allocations", "places.allocations", places=missing)


def test_allocations_not_adding_up_to_capacity_are_refused() -> None:
    assert_schedule_refused("allocations_do_not_add_up", "places.allocations", places=places(capacity=30))
    assert_schedule_refused("allocations_do_not_add_up", "places.allocations", places=places(capacity=27))


def test_negative_allocation_is_refused_even_when_the_sum_matches() -> None:
    negative = places(capacity=24, la=14, caf=12, adcs=-2)
    assert_schedule_refused("allocations_do_not_add_up", "places.allocations", places=negative)


def test_capacity_below_one_is_refused() -> None:
    assert_schedule_refused("invalid_capacity", "places.capacity", places=places(capacity=0, la=0, caf=0, adcs=0))


@pytest.mark.parametrize("org_cap", [0, -1])
def test_org_cap_below_one_is_refused(org_cap: int) -> None:
    assert_schedule_refused("invalid_org_cap", "places.org_cap", places=places(org_cap=org_cap))


@pytest.mark.parametrize("closes", [datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)])
def test_registration_opening_at_or_after_closing_is_refused(closes: datetime) -> None:
    assert_schedule_refused("invalid_registration_window", "registration_closes_at", closes=closes)


def test_registration_closing_after_the_first_start_is_refused() -> None:
    assert_schedule_refused("invalid_registration_window", "registration_closes_at",
                            closes=FIRST_START + timedelta(seconds=1))


def test_cancellation_deadline_after_the_first_start_is_refused() -> None:
    assert_schedule_refused("invalid_cancellation_deadline", "cancellation_deadline",
                            cancel_deadline=FIRST_START + timedelta(seconds=1))


def test_first_start_is_the_earliest_session_whatever_the_input_order() -> None:
    late = session(date(2027, 1, 20), "09:30", "12:30")
    # Registration closing on 2027-01-16 is after the earliest session (2027-01-15), not the first listed.
    assert_schedule_refused("invalid_registration_window", "registration_closes_at",
                            sessions=[late, session()], closes=datetime(2027, 1, 16, tzinfo=UTC))


def test_first_start_is_compared_in_utc_during_summer_time() -> None:
    summer = session(date(2027, 7, 15), "09:30", "12:30")  # 08:30Z
    ok = datetime(2027, 7, 15, 8, 30, tzinfo=UTC)
    assert schedule(sessions=[summer], closes=ok, cancel_deadline=ok)
    assert_schedule_refused("invalid_registration_window", "registration_closes_at", sessions=[summer],
                            closes=datetime(2027, 7, 15, 9, 0, tzinfo=UTC), cancel_deadline=ok)


# --- Session times -------------------------------------------------------------------------------------------------

def test_winter_session_is_gmt() -> None:
    s = session(date(2027, 1, 15), "09:30", "12:30")
    assert s.starts_at == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
    assert s.ends_at == datetime(2027, 1, 15, 12, 30, tzinfo=UTC)
    assert s.starts_at.tzinfo is LONDON
    assert s.starts_at.utcoffset() == timedelta(0)


def test_summer_session_is_bst() -> None:
    s = session(date(2027, 7, 15), "09:30", "12:30")
    assert s.starts_at == datetime(2027, 7, 15, 8, 30, tzinfo=UTC)
    assert s.ends_at == datetime(2027, 7, 15, 11, 30, tzinfo=UTC)
    assert s.starts_at.utcoffset() == timedelta(hours=1)
    assert s.starts_at.astimezone(UTC).hour == 8


def test_session_times_follow_the_clock_change_day_by_day() -> None:
    # Clocks go forward on Sunday 28 March 2027 at 01:00 GMT.
    assert session(date(2027, 3, 27), "09:30").starts_at == datetime(2027, 3, 27, 9, 30, tzinfo=UTC)
    assert session(date(2027, 3, 29), "09:30").starts_at == datetime(2027, 3, 29, 8, 30, tzinfo=UTC)


# --- Workshop properties -------------------------------------------------------------------------------------------

def test_starts_at_and_ends_at_span_first_to_last_session() -> None:
    w = workshop(sessions=(session(DAY, "09:30", "12:30"), session(date(2027, 1, 22), "13:00", "16:00")))
    assert w.starts_at == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
    assert w.ends_at == datetime(2027, 1, 22, 16, 0, tzinfo=UTC)


def test_totals_sum_the_group_counters() -> None:
    w = workshop(confirmed={LA: 3, CAF: 5, ADCS: 1}, waiting={LA: 2, ADCS: 4})
    assert (w.confirmed_total, w.waiting_total) == (9, 6)


def test_totals_of_a_new_workshop_are_zero() -> None:
    w = workshop()
    assert (w.confirmed_total, w.waiting_total) == (0, 0)


def test_never_released_without_release_days() -> None:
    w = workshop(places=places(release_days_before=None))
    assert not w.released(FIRST_START)
    assert not w.released(FIRST_START + timedelta(days=30))


def test_released_from_exactly_n_days_before_the_start() -> None:
    w = workshop(places=places(release_days_before=7))
    boundary = FIRST_START - timedelta(days=7)
    assert w.released(boundary)
    assert not w.released(boundary - timedelta(microseconds=1))
    assert w.released(boundary + timedelta(hours=1))
    assert w.released(FIRST_START)


def test_release_zero_days_before_means_at_the_start() -> None:
    w = workshop(places=places(release_days_before=0))
    assert not w.released(FIRST_START - timedelta(seconds=1))
    assert w.released(FIRST_START)


def test_release_boundary_is_dst_correct_in_summer() -> None:
    w = workshop(sessions=(session(date(2027, 7, 15), "09:30", "12:30"),), places=places(release_days_before=2))
    boundary = datetime(2027, 7, 13, 8, 30, tzinfo=UTC)
    assert w.released(boundary)
    assert not w.released(boundary - timedelta(seconds=1))


@pytest.mark.parametrize("venue,online_url,expected", [
    ("1 Example Street", None, "1 Example Street"),
    ("1 Example Street", "https://meet.example/x", "1 Example Street"),
    (None, "https://meet.example/x", "https://meet.example/x"),
    ("", "https://meet.example/x", "https://meet.example/x"),
    (None, None, ""),
])
def test_location_is_the_venue_else_the_link(venue: str | None, online_url: str | None, expected: str) -> None:
    assert workshop(venue=venue, online_url=online_url).location() == expected


# --- Places.cap_for ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["E06000001", "E08000038", "E09000033", "E10000014", "W06000001"])
def test_cap_applies_to_local_authorities(code: str) -> None:
    assert places(org_cap=4).cap_for(code) == 4


@pytest.mark.parametrize("code", ["CAFCASS", "CAFCASS-CYMRU", "ADCS", "E07000001", "E09000033X", "e09000033", ""])
def test_cap_does_not_apply_to_others(code: str) -> None:
    assert places(org_cap=4).cap_for(code) is None


@pytest.mark.parametrize("code", ["E09000033", "CAFCASS"])
def test_no_cap_when_org_cap_is_none(code: str) -> None:
    assert places(org_cap=None).cap_for(code) is None


# --- check_transition ----------------------------------------------------------------------------------------------

S = WorkshopStatus
ALLOWED = {
    (S.DRAFT, S.PUBLISHED), (S.DRAFT, S.CANCELLED),
    (S.PUBLISHED, S.CLOSED), (S.PUBLISHED, S.COMPLETED), (S.PUBLISHED, S.CANCELLED),
    (S.CLOSED, S.PUBLISHED), (S.CLOSED, S.COMPLETED), (S.CLOSED, S.CANCELLED),
}
REFUSED = sorted({(a, b) for a in S for b in S} - ALLOWED, key=lambda t: (t[0].value, t[1].value))


@pytest.mark.parametrize("current,target", sorted(ALLOWED, key=lambda t: (t[0].value, t[1].value)))
def test_allowed_transitions(current: WorkshopStatus, target: WorkshopStatus) -> None:
    assert check_transition(current, target) is None


@pytest.mark.parametrize("current,target", REFUSED)
def test_refused_transitions(current: WorkshopStatus, target: WorkshopStatus) -> None:
    with pytest.raises(Conflict) as info:
        check_transition(current, target)
    assert (info.value.code, info.value.field) == ("invalid_transition", "status")


def test_completed_and_cancelled_are_final() -> None:
    for final in (S.COMPLETED, S.CANCELLED):
        for target in S:
            with pytest.raises(Conflict):
                check_transition(final, target)


def test_refused_transition_count() -> None:
    assert len(ALLOWED) == 8
    assert len(REFUSED) == 25 - 8


# --- schedule_changed ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"sessions": (session(DAY, "10:00", "12:30"),)},
    {"sessions": (session(), session(date(2027, 1, 22)))},
    {"venue": "2 Other Road, Cardiff"},
    {"venue": None, "online_url": "https://meet.example/x"},
    {"online_url": "https://meet.example/x"},
])
def test_schedule_changed_for_time_or_place(change: dict[str, object]) -> None:
    before = workshop()
    assert schedule_changed(before, replace(before, **change))


@pytest.mark.parametrize("change", [
    {"title": "New title"},
    {"description": "New description"},
    {"places": places(capacity=40, la=20, caf=16, adcs=4)},
    {"status": S.CLOSED},
    {"confirmed": {LA: 3}},
])
def test_schedule_unchanged_for_other_edits(change: dict[str, object]) -> None:
    before = workshop()
    assert not schedule_changed(before, replace(before, **change))


def test_schedule_unchanged_for_equal_sessions() -> None:
    before = workshop()
    assert not schedule_changed(before, replace(before, sessions=(session(),)))


# --- decide --------------------------------------------------------------------------------------------------------

CONFIRM = PlacementDecision(Placement.CONFIRM)


def wait(reason: str) -> PlacementDecision:
    return PlacementDecision(Placement.WAIT, reason)


def test_confirm_when_a_group_place_is_free_and_nobody_waits() -> None:
    w = workshop(confirmed={LA: 3, CAF: 12})
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE) == CONFIRM
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE).reason is None


def test_full_workshop_means_waiting() -> None:
    w = workshop(confirmed={LA: 12, CAF: 12, ADCS: 4})
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE) == wait("full")
    assert decide(w, CAF, "CAFCASS", 0, AFTER_RELEASE) == wait("full")


def test_full_takes_precedence_over_other_reasons() -> None:
    w = workshop(confirmed={LA: 12, CAF: 12, ADCS: 4}, waiting={LA: 3})
    assert decide(w, LA, WESTMINSTER, 99, BEFORE_RELEASE) == wait("full")


def test_group_full_before_release() -> None:
    w = workshop(confirmed={LA: 12})
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE) == wait("group_full")
    assert decide(w, CAF, "CAFCASS", 0, BEFORE_RELEASE) == CONFIRM


def test_group_with_no_allocation_is_full_before_release() -> None:
    w = workshop(places=places(capacity=24, la=12, caf=12, adcs=0, release_days_before=7))
    assert decide(w, ADCS, "ADCS", 0, BEFORE_RELEASE) == wait("group_full")
    assert decide(w, ADCS, "ADCS", 0, AFTER_RELEASE) == CONFIRM


def test_group_full_never_released_without_release_days() -> None:
    w = workshop(places=places(release_days_before=None), confirmed={LA: 12})
    assert decide(w, LA, WESTMINSTER, 0, FIRST_START) == wait("group_full")


def test_after_release_only_capacity_counts() -> None:
    w = workshop(confirmed={LA: 20, CAF: 1})
    assert decide(w, LA, WESTMINSTER, 0, AFTER_RELEASE) == CONFIRM
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE) == wait("group_full")


def test_release_boundary_in_decide() -> None:
    w = workshop(confirmed={LA: 12})
    boundary = FIRST_START - timedelta(days=7)
    assert decide(w, LA, WESTMINSTER, 0, boundary) == CONFIRM
    assert decide(w, LA, WESTMINSTER, 0, boundary - timedelta(seconds=1)) == wait("group_full")


def test_local_authority_over_cap_waits() -> None:
    w = workshop(confirmed={LA: 4})
    assert decide(w, LA, WESTMINSTER, 4, BEFORE_RELEASE) == wait("org_cap")
    assert decide(w, LA, WESTMINSTER, 5, BEFORE_RELEASE) == wait("org_cap")
    assert decide(w, LA, WESTMINSTER, 3, BEFORE_RELEASE) == CONFIRM
    assert decide(w, LA, CAMDEN, 0, BEFORE_RELEASE) == CONFIRM


def test_welsh_local_authority_is_capped() -> None:
    w = workshop(confirmed={LA: 4})
    assert decide(w, LA, ANGLESEY, 4, BEFORE_RELEASE) == wait("org_cap")


@pytest.mark.parametrize("group,organisation", [(CAF, "CAFCASS"), (CAF, "CAFCASS-CYMRU"), (ADCS, "ADCS")])
def test_national_bodies_are_never_capped(group: Group, organisation: str) -> None:
    w = workshop(confirmed={group: 1})
    assert decide(w, group, organisation, 100, BEFORE_RELEASE) == CONFIRM


def test_no_cap_when_org_cap_is_none_in_decide() -> None:
    w = workshop(places=places(release_days_before=7, org_cap=None), confirmed={LA: 10})
    assert decide(w, LA, WESTMINSTER, 10, BEFORE_RELEASE) == CONFIRM


def test_org_cap_is_checked_before_others_waiting() -> None:
    w = workshop(confirmed={LA: 4}, waiting={LA: 1})
    assert decide(w, LA, WESTMINSTER, 4, BEFORE_RELEASE) == wait("org_cap")


def test_others_waiting_in_the_group_before_release() -> None:
    w = workshop(confirmed={LA: 5}, waiting={LA: 1})
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE) == wait("others_waiting")


def test_waiting_in_another_group_does_not_block_before_release() -> None:
    w = workshop(confirmed={LA: 5, CAF: 12}, waiting={CAF: 3, LA: 0})
    assert decide(w, LA, WESTMINSTER, 0, BEFORE_RELEASE) == CONFIRM


def test_after_release_anyone_waiting_blocks() -> None:
    w = workshop(confirmed={LA: 5, CAF: 12}, waiting={CAF: 1})
    assert decide(w, LA, WESTMINSTER, 0, AFTER_RELEASE) == wait("others_waiting")


def test_after_release_nobody_waiting_confirms() -> None:
    w = workshop(confirmed={LA: 5, CAF: 12}, waiting={CAF: 0, LA: 0})
    assert decide(w, LA, WESTMINSTER, 0, AFTER_RELEASE) == CONFIRM


# --- has_place_for -------------------------------------------------------------------------------------------------

def test_has_place_for_a_group_with_a_free_place() -> None:
    w = workshop(confirmed={LA: 11})
    assert has_place_for(w, LA, BEFORE_RELEASE)


def test_no_place_for_a_full_group_before_release() -> None:
    w = workshop(confirmed={LA: 12})
    assert not has_place_for(w, LA, BEFORE_RELEASE)
    assert has_place_for(w, CAF, BEFORE_RELEASE)


def test_any_free_place_after_release() -> None:
    w = workshop(confirmed={LA: 12})
    assert has_place_for(w, LA, AFTER_RELEASE)


def test_no_place_when_full_even_after_release() -> None:
    w = workshop(confirmed={LA: 16, CAF: 12})
    assert not has_place_for(w, ADCS, AFTER_RELEASE)
    assert not has_place_for(w, ADCS, BEFORE_RELEASE)


# --- next_to_promote -----------------------------------------------------------------------------------------------

def test_first_come_first_served_by_joined_key() -> None:
    w = workshop(confirmed={LA: 11})
    a = entry("a", key="2027-01-02T10:00:00#a")
    b = entry("b", key="2027-01-01T10:00:00#b")
    assert next_to_promote(w, [a, b], {}, BEFORE_RELEASE) == b


def test_skips_people_whose_local_authority_is_at_its_cap() -> None:
    w = workshop(confirmed={LA: 6})
    first = entry("1", organisation=WESTMINSTER)
    second = entry("2", organisation=CAMDEN)
    assert next_to_promote(w, [first, second], {WESTMINSTER: 4, CAMDEN: 2}, BEFORE_RELEASE) == second
    assert next_to_promote(w, [first, second], {WESTMINSTER: 3, CAMDEN: 2}, BEFORE_RELEASE) == first


def test_cafcass_is_never_skipped_for_the_cap() -> None:
    w = workshop(confirmed={CAF: 11})
    person = entry("c", group=CAF, organisation="CAFCASS")
    assert next_to_promote(w, [person], {"CAFCASS": 11}, BEFORE_RELEASE) == person


def test_skips_groups_without_a_free_place() -> None:
    w = workshop(confirmed={LA: 12, CAF: 11})
    la = entry("1", group=LA)
    caf = entry("2", group=CAF, organisation="CAFCASS")
    assert next_to_promote(w, [la, caf], {}, BEFORE_RELEASE) == caf


def test_after_release_anyone_takes_any_free_place() -> None:
    w = workshop(confirmed={LA: 12, CAF: 12, ADCS: 3})
    la = entry("1", group=LA)
    caf = entry("2", group=CAF, organisation="CAFCASS")
    assert next_to_promote(w, [caf, la], {}, BEFORE_RELEASE) is None
    assert next_to_promote(w, [caf, la], {}, AFTER_RELEASE) == la


def test_nobody_when_nothing_fits() -> None:
    full = workshop(confirmed={LA: 12, CAF: 12, ADCS: 4})
    assert next_to_promote(full, [entry("1")], {}, AFTER_RELEASE) is None
    capped = workshop(confirmed={LA: 4})
    assert next_to_promote(capped, [entry("1")], {WESTMINSTER: 4}, BEFORE_RELEASE) is None
    assert next_to_promote(workshop(), [], {}, BEFORE_RELEASE) is None


# --- position ------------------------------------------------------------------------------------------------------

def test_position_is_within_ones_own_group() -> None:
    waiting = [
        entry("la2", LA, key="03"),
        entry("caf1", CAF, "CAFCASS", key="01"),
        entry("la1", LA, key="02"),
        entry("caf2", CAF, "CAFCASS", key="04"),
        entry("la3", LA, key="05"),
    ]
    assert position(waiting, "la1") == 1
    assert position(waiting, "la2") == 2
    assert position(waiting, "la3") == 3
    assert position(waiting, "caf1") == 1
    assert position(waiting, "caf2") == 2


def test_position_is_none_when_not_waiting() -> None:
    assert position([entry("a")], "b") is None
    assert position([], "a") is None


# --- reminders_due -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [S.DRAFT, S.CANCELLED, S.COMPLETED])
def test_no_reminders_unless_published_or_closed(status: WorkshopStatus) -> None:
    assert reminders_due(workshop(status=status), FIRST_START - timedelta(hours=1)) == []


@pytest.mark.parametrize("status", [S.PUBLISHED, S.CLOSED])
def test_no_reminders_at_or_after_the_start(status: WorkshopStatus) -> None:
    w = workshop(status=status)
    assert reminders_due(w, FIRST_START) == []
    assert reminders_due(w, FIRST_START + timedelta(days=1)) == []


@pytest.mark.parametrize("status", [S.PUBLISHED, S.CLOSED])
def test_reminders_by_time_before_the_start(status: WorkshopStatus) -> None:
    w = workshop(status=status)
    assert reminders_due(w, FIRST_START - timedelta(days=7, seconds=1)) == []
    assert reminders_due(w, FIRST_START - timedelta(days=7)) == ["7d"]
    assert reminders_due(w, FIRST_START - timedelta(days=1, seconds=1)) == ["7d"]
    assert reminders_due(w, FIRST_START - timedelta(days=1)) == ["7d", "1d"]
    assert reminders_due(w, FIRST_START - timedelta(seconds=1)) == ["7d", "1d"]


def test_reminders_are_dst_correct_in_summer() -> None:
    w = workshop(sessions=(session(date(2027, 7, 15), "09:30", "12:30"),))
    one_day_before = datetime(2027, 7, 14, 8, 30, tzinfo=UTC)
    assert reminders_due(w, one_day_before) == ["7d", "1d"]
    assert reminders_due(w, one_day_before - timedelta(seconds=1)) == ["7d"]


# --- csv_safe ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["=SUM(A1:A2)", "+44 20 7946 0000", "-1", "@cmd", "\tx", "\rx"])
def test_formula_starts_are_neutralised(value: str) -> None:
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value,expected", [
    ("Westminster", "Westminster"),
    ("a=b", "a=b"),
    (" =1", " =1"),
    ("", ""),
    (None, ""),
    (12, "12"),
    (-3, "'-3"),
])
def test_other_values_are_unchanged(value: object, expected: str) -> None:
    assert csv_safe(value) == expected

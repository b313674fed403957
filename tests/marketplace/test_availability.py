"""user_is_available: weekly slots read in the member's zone on the real dates (DST included)."""

import datetime as dt

import pytest

from marketplace.models import AvailabilityException
from marketplace.selectors import user_free_intervals, user_is_available
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import SlotFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """'2026-03-23 08:00' in UTC."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def free(user, start: str, end: str) -> bool:
    return user_is_available(user=user, start=at(start), end=at(end))


@pytest.fixture
def berlin():
    """Monday 09:00–17:00 in Berlin: 08:00–16:00 UTC in winter, 07:00–15:00 UTC in summer."""
    user = UserFactory(time_zone="Europe/Berlin")
    SlotFactory(user=user, day_of_week=0, start_time=dt.time(9), end_time=dt.time(17))
    return user


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Monday 23 March 2026, CET (UTC+1)
        ("2026-03-23 08:00", "2026-03-23 09:00", True),
        ("2026-03-23 07:00", "2026-03-23 07:30", False),  # 08:00 local
        ("2026-03-23 15:30", "2026-03-23 16:00", True),  # 16:30–17:00 local
        ("2026-03-23 15:30", "2026-03-23 16:30", False),  # runs past 17:00
        # Monday 30 March 2026, the day after the change to CEST (UTC+2)
        ("2026-03-30 07:00", "2026-03-30 07:30", True),  # 09:00 local
        ("2026-03-30 15:30", "2026-03-30 16:00", False),  # 17:30 local
        ("2026-03-30 14:30", "2026-03-30 15:00", True),  # 16:30 local
        # Monday 26 October 2026, the day after the change back to CET
        ("2026-10-26 07:30", "2026-10-26 08:00", False),  # 08:30 local
        ("2026-10-26 15:30", "2026-10-26 16:00", True),  # 16:30 local
        # other weekdays and empty ranges
        ("2026-03-24 08:00", "2026-03-24 09:00", False),
        ("2026-03-23 09:00", "2026-03-23 09:00", False),
    ],
)
def test_weekly_slot_follows_daylight_saving(berlin, start, end, expected):
    assert free(berlin, start, end) is expected


def test_a_slot_on_the_night_of_the_spring_change_is_one_hour_shorter():
    # given Sunday 00:00–06:00 in Berlin; on 29 March 2026 the clocks jump 02:00 → 03:00
    user = UserFactory(time_zone="Europe/Berlin")
    SlotFactory(user=user, day_of_week=6, start_time=dt.time(0), end_time=dt.time(6))

    # then the window is 23:00 UTC (Saturday) to 04:00 UTC: five real hours
    assert free(user, "2026-03-28 23:00", "2026-03-29 04:00") is True
    assert free(user, "2026-03-29 03:30", "2026-03-29 04:30") is False
    assert free(user, "2026-03-28 22:30", "2026-03-28 23:30") is False


def test_a_slot_on_the_night_of_the_autumn_change_is_one_hour_longer():
    # given Sunday 00:00–06:00 in Berlin; on 25 October 2026 the clocks go back 03:00 → 02:00
    user = UserFactory(time_zone="Europe/Berlin")
    SlotFactory(user=user, day_of_week=6, start_time=dt.time(0), end_time=dt.time(6))

    # then the window is 22:00 UTC (Saturday) to 05:00 UTC: seven real hours
    assert free(user, "2026-10-24 22:00", "2026-10-25 05:00") is True
    assert free(user, "2026-10-25 04:30", "2026-10-25 05:30") is False


def test_a_start_inside_the_spring_gap_moves_to_the_side_that_shrinks_the_window():
    # given Sunday 02:30–05:00 in Berlin: 02:30 does not exist on 29 March 2026
    user = UserFactory(time_zone="Europe/Berlin")
    SlotFactory(user=user, day_of_week=6, start_time=dt.time(2, 30), end_time=dt.time(5))

    # then the window opens at 01:30 UTC (03:30 CEST), never earlier
    assert free(user, "2026-03-29 01:00", "2026-03-29 01:30") is False
    assert free(user, "2026-03-29 01:30", "2026-03-29 03:00") is True


def test_consecutive_slots_make_one_window_across_midnight():
    # given Monday 22:00–00:00 and Tuesday 00:00–02:00 (00:00 as an end means midnight)
    user = UserFactory(time_zone="UTC")
    SlotFactory(user=user, day_of_week=0, start_time=dt.time(22), end_time=dt.time(0))
    SlotFactory(user=user, day_of_week=1, start_time=dt.time(0), end_time=dt.time(2))

    # then a session from Monday 23:00 to Tuesday 01:00 fits
    assert free(user, "2026-03-23 23:00", "2026-03-24 01:00") is True
    assert free(user, "2026-03-23 23:00", "2026-03-24 02:30") is False


def test_a_zone_east_of_utc_moves_the_window_to_the_previous_utc_day():
    # given Monday 08:00–10:00 in Tokyo (UTC+9): Sunday 23:00 to Monday 01:00 UTC
    user = UserFactory(time_zone="Asia/Tokyo")
    SlotFactory(user=user, day_of_week=0, start_time=dt.time(8), end_time=dt.time(10))

    assert free(user, "2026-03-22 23:30", "2026-03-23 00:30") is True
    assert free(user, "2026-03-23 08:00", "2026-03-23 09:00") is False


def test_a_dated_exception_blocks_what_it_overlaps_only(berlin):
    # given the member is away on Monday 23 March from 10:00 to 11:00 UTC
    AvailabilityException.objects.create(
        user=berlin, starts_at=at("2026-03-23 10:00"), ends_at=at("2026-03-23 11:00")
    )

    assert free(berlin, "2026-03-23 10:30", "2026-03-23 11:30") is False
    assert free(berlin, "2026-03-23 09:00", "2026-03-23 10:00") is True
    assert free(berlin, "2026-03-23 11:00", "2026-03-23 12:00") is True
    assert free(berlin, "2026-03-30 10:30", "2026-03-30 11:30") is True


def test_no_slots_means_never_available():
    user = UserFactory()

    assert free(user, "2026-03-23 08:00", "2026-03-23 09:00") is False


def test_naive_datetimes_are_refused(berlin):
    with pytest.raises(ValueError, match="timezone-aware"):
        user_is_available(
            user=berlin,
            start=dt.datetime(2026, 3, 23, 8),  # noqa: DTZ001 - naive on purpose
            end=dt.datetime(2026, 3, 23, 9),  # noqa: DTZ001
        )


def test_aware_datetimes_in_any_zone_are_compared_as_instants(berlin):
    cairo = dt.timezone(dt.timedelta(hours=2))

    start = dt.datetime(2026, 3, 23, 10, 0, tzinfo=cairo)  # 08:00 UTC, 09:00 in Berlin
    assert user_is_available(user=berlin, start=start, end=start + dt.timedelta(hours=1))


def test_the_answer_takes_two_queries(berlin, django_assert_num_queries):
    with django_assert_num_queries(2):
        free(berlin, "2026-03-23 08:00", "2026-03-23 09:00")


def test_free_intervals_cut_out_exceptions(berlin):
    AvailabilityException.objects.create(
        user=berlin, starts_at=at("2026-03-23 10:00"), ends_at=at("2026-03-23 11:00")
    )

    intervals = user_free_intervals(
        user=berlin, start=at("2026-03-23 00:00"), end=at("2026-03-24 00:00")
    )

    assert intervals == [
        (at("2026-03-23 08:00"), at("2026-03-23 10:00")),
        (at("2026-03-23 11:00"), at("2026-03-23 16:00")),
    ]

"""Business time in America/Santiago: hours, weekends, Chile's holidays, closed days."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.tickets.calendar import BusinessCalendar

CAL = BusinessCalendar()


def santiago(*args) -> datetime:
    return datetime(*args, tzinfo=CAL.tz)


def test_minutes_inside_one_working_day():
    start = santiago(2026, 11, 24, 9, 0)  # Tuesday
    assert CAL.add_minutes(start, 60) == santiago(2026, 11, 24, 10, 0).astimezone(UTC)


def test_after_hours_the_clock_waits_for_the_next_opening():
    friday_evening = santiago(2026, 11, 27, 19, 0)
    assert CAL.add_minutes(friday_evening, 30) == santiago(2026, 11, 30, 9, 0).astimezone(UTC)
    assert CAL.next_opening(friday_evening) == santiago(2026, 11, 30, 8, 30).astimezone(UTC)


def test_a_day_of_work_rolls_over_weekends():
    thursday = santiago(2026, 11, 26, 15, 0)
    # 2.5 h left Thursday, 9 h Friday, so 12 h ends Monday 09:00.
    assert CAL.add_minutes(thursday, 12 * 60) == santiago(2026, 11, 30, 9, 0).astimezone(UTC)


def test_national_holidays_do_not_count():
    # 18 and 19 September 2026 (Friday, Saturday) are Fiestas Patrias.
    thursday = santiago(2026, 9, 17, 17, 0)
    assert CAL.add_minutes(thursday, 60) == santiago(2026, 9, 21, 9, 0).astimezone(UTC)
    assert not CAL.is_business_day(date(2026, 12, 25))


def test_municipal_closed_days_do_not_count():
    calendar = BusinessCalendar(closed_days=frozenset({date(2026, 11, 25)}))
    tuesday = santiago(2026, 11, 24, 17, 0)
    assert calendar.add_minutes(tuesday, 60) == santiago(2026, 11, 26, 9, 0).astimezone(UTC)


def test_minutes_between_counts_only_working_time():
    friday = santiago(2026, 11, 27, 17, 0)
    monday = santiago(2026, 11, 30, 9, 0)
    assert CAL.minutes_between(friday, monday) == 30 + 30
    assert CAL.minutes_between(monday, friday) == 0


def test_twenty_business_days_for_a_transparency_request():
    filed = santiago(2026, 11, 16, 10, 0)  # Monday
    due = CAL.add_minutes(filed, 20 * CAL.minutes_per_day)
    # 20 working days later, skipping weekends and 8 December (Inmaculada Concepción).
    assert due == santiago(2026, 12, 15, 10, 0).astimezone(UTC)


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    st.integers(0, 30 * 540),
)
def test_adding_then_measuring_gives_back_the_minutes(naive, minutes):
    start = naive.replace(second=0, microsecond=0, tzinfo=UTC)
    end = CAL.add_minutes(start, minutes)
    assert end >= start
    assert CAL.minutes_between(start, end) == minutes
    if minutes:
        assert CAL.is_open(end - timedelta(minutes=1))

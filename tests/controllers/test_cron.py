"""CronJob schedules: when standard cron expressions fire next."""

from __future__ import annotations

import datetime

import pytest

from pyk8s.controllers.cron import Schedule

NOW = datetime.datetime(2026, 12, 1, 21, 47, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("schedule", "expected"), [
    ("*/5 * * * *", "2026-12-01T21:50:00"),
    ("* * * * *", "2026-12-01T21:48:00"),
    ("@hourly", "2026-12-01T22:00:00"),
    ("0 9 * * mon-fri", "2026-12-02T09:00:00"),
    ("30 2 1 * *", "2027-01-01T02:30:00"),
    ("0 0 29 2 *", "2028-02-29T00:00:00"),
    ("0 0 1 * mon", "2026-12-07T00:00:00"),  # both day fields restricted: either matches
    ("0 0 * jan-mar sun", "2027-01-03T00:00:00"),
    ("15 10-12/2 * * *", "2026-12-02T10:15:00"),
    ("CRON_TZ=Europe/Paris 0 9 * * *", "2026-12-02T08:00:00"),
])
def test_next_firing_time(schedule: str, expected: str) -> None:
    fired = Schedule.parse(schedule).next(NOW)
    assert fired is not None
    assert fired.strftime("%Y-%m-%dT%H:%M:%S") == expected


def test_time_zone_field_and_every() -> None:
    assert Schedule.parse("0 9 * * *", "America/New_York").next(NOW) == \
        datetime.datetime(2026, 12, 2, 14, 0, tzinfo=datetime.UTC)
    assert Schedule.parse("@every 90s").next(NOW) == NOW + datetime.timedelta(seconds=90)

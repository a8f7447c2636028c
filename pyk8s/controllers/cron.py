"""When a CronJob's schedule fires: standard cron, as robfig/cron (and so Kubernetes) reads it.

`Schedule.parse("*/5 9-17 * * mon-fri", time_zone)` understands five fields
(minute, hour, day of month, month, day of week; `*`, `?`, lists, ranges,
steps, month and weekday names), the descriptors `@yearly` ... `@hourly`,
`@every <duration>`, and a `CRON_TZ=`/`TZ=` prefix. When both day fields
are restricted a day matching either one fires, as in cron. `next(t)` is
the first firing time after `t` (aware datetimes; the schedule is evaluated
in its time zone, UTC unless given). The API server has already validated
the text (`pyk8s.api.resources._cron`); this module only evaluates it.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass

from pyk8s.api.resources._cron import FIELDS

DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
               "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
               "@hourly": "0 * * * *"}
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60,
          "h": 3600}
_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
MAX_YEARS = 5


def _values(expr: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    found: set[int] = set()
    for part in expr.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if span in ("*", "?"):
            start, end = low, high
        else:
            a, _, b = span.partition("-")
            start = names.get(a.lower(), int(a) if a.isdigit() else low)
            end = names.get(b.lower(), int(b) if b.isdigit() else high) if b else \
                (high if step_text else start)
        found.update(range(start, end + 1, step))
    return found


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # day of month is * (or ?)
    any_weekday: bool
    zone: datetime.tzinfo
    every: datetime.timedelta | None = None

    @classmethod
    def parse(cls, text: str, time_zone: str | None = None) -> Schedule:
        spec = text.strip()
        if spec.startswith(("TZ=", "CRON_TZ=")):
            prefix, _, spec = spec.partition(" ")
            time_zone = prefix.partition("=")[2]
            spec = spec.strip()
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(time_zone) if time_zone else datetime.UTC
        if spec.startswith("@every "):
            seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(spec[7:]))
            every = datetime.timedelta(seconds=max(seconds, 1))
            empty: frozenset[int] = frozenset()
            return cls(empty, empty, empty, empty, empty, True, True, zone, every)
        fields = DESCRIPTORS.get(spec, spec).split()
        sets = [frozenset(_values(f, low, high, names))
                for f, (low, high, names) in zip(fields, FIELDS, strict=True)]
        minutes, hours, days, months, weekdays = sets
        return cls(minutes, hours, days, months, weekdays, any_day=fields[2][0] in "*?",
                   any_weekday=fields[4][0] in "*?", zone=zone)

    def _day_matches(self, day: datetime.datetime) -> bool:
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next(self, after: datetime.datetime) -> datetime.datetime | None:
        """The first firing strictly after `after` (None: not within five years)."""
        if self.every is not None:
            return after + self.every
        t = after.astimezone(self.zone).replace(second=0, microsecond=0, tzinfo=None)
        t += datetime.timedelta(minutes=1)
        limit = t.year + MAX_YEARS
        while t.year <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + datetime.timedelta(days=32)
                     ).replace(day=1)
                continue
            if not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + datetime.timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + datetime.timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += datetime.timedelta(minutes=1)
                continue
            return t.replace(tzinfo=self.zone).astimezone(datetime.UTC)
        return None

"""CronJob schedules checked as Kubernetes checks them (robfig/cron's standard parser).

A schedule is five space-separated fields (minute, hour, day of month, month,
day of week) or a descriptor (`@hourly`, `@daily`, `@every 90m`, ...). Each
field is a comma-separated list of `*`, `?`, `N`, `N-M`, `*/S`, `N/S` or
`N-M/S`, months and weekdays also by name (`jan`, `mon`). `schedule_error`
returns the parser's own message (`expected exactly 5 fields, found 1:
[bad]`), which the API server quotes in its 422.
"""

from __future__ import annotations

import re

DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily",
                         "@midnight", "@hourly"})
MONTHS = {name: i + 1 for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (minimum, maximum, names) of minute, hour, day of month, month, day of week.
FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, MONTHS), (0, 6, WEEKDAYS),
)
_DURATION = re.compile(
    r"^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class _CronError(ValueError):
    pass


def schedule_error(schedule: str) -> str | None:
    """The parser's complaint about `schedule`, or None if it parses."""
    spec = schedule.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        spec = spec.partition(" ")[2].strip()
    if not spec:
        return "empty spec string"
    if spec.startswith("@"):
        return _descriptor_error(spec)
    fields = spec.split()
    if len(fields) != len(FIELDS):
        return f"expected exactly {len(FIELDS)} fields, found {len(fields)}: [{' '.join(fields)}]"
    try:
        for value, (low, high, names) in zip(fields, FIELDS, strict=True):
            for expr in value.split(","):
                _check_range(expr, low, high, names)
    except _CronError as e:
        return str(e)
    return None


def _descriptor_error(spec: str) -> str | None:
    if spec in DESCRIPTORS:
        return None
    if spec.startswith("@every "):
        duration = spec[len("@every "):]
        if _DURATION.match(duration):
            return None
        return f'failed to parse duration {spec}: time: invalid duration "{duration}"'
    return f"unrecognized descriptor: {spec}"


def _parse_int(expr: str) -> int:
    if not _INTEGER.match(expr):
        raise _CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": '
                         f"invalid syntax")
    number = int(expr)
    if number < 0:
        raise _CronError(f"negative number ({number}) not allowed: {expr}")
    return number


def _int_or_name(expr: str, names: dict[str, int]) -> int:
    named = names.get(expr.lower())
    return named if named is not None else _parse_int(expr)


def _check_range(expr: str, low: int, high: int, names: dict[str, int]) -> None:
    range_and_step = expr.split("/")
    bounds = range_and_step[0].split("-")
    if bounds[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _int_or_name(bounds[0], names)
        if len(bounds) > 2:
            raise _CronError(f"too many hyphens: {expr}")
        end = _int_or_name(bounds[1], names) if len(bounds) == 2 else start
    if len(range_and_step) > 2:
        raise _CronError(f"too many slashes: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _parse_int(range_and_step[1])
        if len(bounds) == 1:  # "N/step" means "N-max/step"
            end = high
    if start < low:
        raise _CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise _CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise _CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _CronError(f"step of range should be a positive number: {expr}")

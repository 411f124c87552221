"""Business time as a ruler: read from a fixed origin, so that the business time between
two moments is one subtraction.

crmcli.services.business_hours.business_time_between walks every day between two moments;
the KPIs ask it thousands of times over the same few weeks (every case of a month, its
first response and its resolution). A BusinessRuler keeps, for each local day, the
business time before that day (a prefix sum of Calendar.spans_on), and reads a moment as
that sum plus the part of its own day's spans already gone. The answers are the same as
business_time_between's, weekends, holidays and DST changes included (the tests compare
them); only the walking is done once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from crmcli.services.business_hours import Calendar


class BusinessRuler:
    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self._before: dict[date, timedelta] = {}  # business time from the origin to the day's start
        self._first: date | None = None  # the days known are [_first, _last]
        self._last: date | None = None

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two moments; zero when `end` is not after `start`."""
        if end <= start:
            return timedelta(0)
        if self.calendar.always:
            return end - start
        return self.reading(end) - self.reading(start)

    def reading(self, moment: datetime) -> timedelta:
        """Business time from the origin (the first day read) to `moment`; negative before it."""
        day = moment.astimezone(self.calendar.tz).date()
        total = self._start_of(day)
        for span_start, span_end in self.calendar.spans_on(day):
            if moment > span_start:
                total += min(moment, span_end) - span_start
        return total

    def _start_of(self, day: date) -> timedelta:
        if self._first is None or self._last is None:
            self._first = self._last = day
            self._before[day] = timedelta(0)
        while day > self._last:
            self._before[self._last + timedelta(days=1)] = self._before[self._last] + self._length(self._last)
            self._last += timedelta(days=1)
        while day < self._first:
            earlier = self._first - timedelta(days=1)
            self._before[earlier] = self._before[self._first] - self._length(earlier)
            self._first = earlier
        return self._before[day]

    def _length(self, day: date) -> timedelta:
        return sum((end - start for start, end in self.calendar.spans_on(day)), timedelta(0))

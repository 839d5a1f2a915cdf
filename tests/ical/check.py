"""Reads a calendar feed of the service as a calendar application would,
with the independent `icalendar` parser from PyPI, and prints what it
found as one line of JSON for the end-to-end test to judge.

Usage: check.py URL

Printed: {"status": <HTTP status>, "content_type": ..., and for a 200:
"crlf": every line ends in CRLF, "max_octets": the longest content line,
"name": the calendar's name, "events": [{uid, summary, start, end,
all_day, status, sequence, location, description, dtstamp}]}.
"""

import json
import sys
import urllib.error
import urllib.request
from datetime import date, datetime, timezone

from icalendar import Calendar


def when(value):
    """An iCalendar date or date-time as ISO 8601 (UTC for a time)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise SystemExit(f"floating time {value}: the feed must give UTC")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise SystemExit(f"not a date: {value!r}")


def main(url):
    try:
        with urllib.request.urlopen(url) as response:
            status = response.status
            content_type = response.headers.get("content-type", "")
            body = response.read()
    except urllib.error.HTTPError as e:
        print(json.dumps({"status": e.code, "content_type": e.headers.get("content-type", "")}))
        return
    lines = body.split(b"\r\n")
    out = {
        "status": status,
        "content_type": content_type,
        "crlf": body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b""),
        "max_octets": max(len(line) for line in lines),
    }
    calendar = Calendar.from_ical(body)
    out["name"] = str(calendar.get("X-WR-CALNAME", ""))
    out["version"] = str(calendar.get("VERSION", ""))
    events = []
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        events.append(
            {
                "uid": str(event.get("UID")),
                "summary": str(event.get("SUMMARY", "")),
                "start": when(start),
                "end": when(event.decoded("DTEND")),
                "all_day": not isinstance(start, datetime),
                "status": str(event.get("STATUS", "")),
                "sequence": int(event.get("SEQUENCE", 0)),
                "location": str(event["LOCATION"]) if "LOCATION" in event else None,
                "description": str(event.get("DESCRIPTION", "")),
                "dtstamp": when(event.decoded("DTSTAMP")),
            }
        )
    out["events"] = events
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])

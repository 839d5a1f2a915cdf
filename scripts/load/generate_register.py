#!/usr/bin/env python3
"""Write a register file of N entries in the CSV import format (one row per
change of an entry's history), for the load script.

    python3 scripts/load/generate_register.py --entries 100000 --society bsanz \
        --out register.csv --numbers numbers.txt --prefixes prefixes.txt

Deterministic for a given --seed. About 90% of people consent to be listed;
most entries are accredited with a few renewals, some are suspended, lapsed,
retired or revoked, and some reached a second tier. Every change is dated
before --today, so each entry's status today is its latest status.
"""

import argparse
import csv
import datetime as dt
import random
import uuid

GIVEN = """Ada Alan Alice Amir Ana Andrew Anna Ben Bianca Carla Catherine Chen Chloe Daniel David
Deepa Eleanor Elena Emily Emma Ethan Fatima Felix George Grace Hana Harriet Henry Hugo Ian Ines Isaac
Jack James Jane Jasmine John Jonah Julia Kai Karen Kate Laura Leo Liam Lucy Maria Mark Marta Matteo
Mei Mia Michael Mohammed Nadia Naomi Noah Olivia Oscar Paul Priya Rachel Raj Rosa Ruth Sam Sara Sean
Sofia Stephen Tara Thomas Tom Una Victor Wei William Yusuf Zara Zoe""".split()
FAMILY = """Abbott Adams Ahmed Anderson Baker Barnes Bell Bennett Brown Campbell Carter Chan Chen Clark
Collins Cook Cooper Davies Dawson Evans Fischer Fletcher Foster Garcia Gibson Gray Green Hall Harris
Hughes Hunt Jackson James Jensen Johnson Jones Kaur Kelly Khan King Kumar Lee Lewis Lim Lopez Martin
Mason Meyer Mitchell Moreau Morgan Murphy Nguyen Novak O'Brien Owen Parker Patel Perez Phillips Price
Reid Roberts Robinson Rossi Russell Schmidt Scott Shaw Silva Singh Smith Stewart Sullivan Tan Taylor
Thomas Thompson Turner Walker Wang Ward Watson White Williams Wilson Wong Wright Young Zhang""".split()
PLACES = [
    ("Sydney", "NSW"), ("Newcastle", "NSW"), ("Wollongong", "NSW"), ("Melbourne", "VIC"),
    ("Geelong", "VIC"), ("Ballarat", "VIC"), ("Brisbane", "QLD"), ("Cairns", "QLD"),
    ("Townsville", "QLD"), ("Perth", "WA"), ("Fremantle", "WA"), ("Adelaide", "SA"),
    ("Hobart", "TAS"), ("Launceston", "TAS"), ("Darwin", "NT"), ("Canberra", "ACT"),
    ("Auckland", "Auckland"), ("Wellington", "Wellington"), ("Christchurch", "Canterbury"),
    ("Dunedin", "Otago"), ("Hamilton", "Waikato"), ("Nelson", "Nelson"),
]
TITLES = ["Dr", "Dr", "Dr", "Prof", "Ms", "Mr", "Mx", ""]
BACKGROUNDS = ["general_practice", "psychiatry", "psychology", "nursing", "social_work"]
COLUMNS = [
    "registration", "person_id", "title", "given_name", "family_name", "display_name",
    "backgrounds", "city", "region", "email", "public_listing", "entered_pathway_on",
    "effective", "action", "tier", "valid_until", "grace_days", "reason", "visibility",
]
GRACE = 30


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cycle_from(start):
    """A one-year cycle starting on `start`: its last day."""
    return add_years(start, 1) - dt.timedelta(days=1)


def history(rng, today):
    """One entry's changes as (effective, action, tier, valid_until, grace, reason, visibility)."""
    latest = today - dt.timedelta(days=30)
    first = today - dt.timedelta(days=rng.randint(40, 10 * 365))
    changes = []
    valid_until = cycle_from(first)
    changes.append((first, "grant", "accredited-leader", valid_until, GRACE,
                    "Council approved the accreditation", "public"))
    day = first
    # Renew each year on time while the cycle ends before the recent past.
    renews = rng.random() < 0.85
    while renews and valid_until < latest:
        day = valid_until - dt.timedelta(days=rng.randint(1, 25))
        if day <= changes[-1][0]:
            day = changes[-1][0]
        valid_until = cycle_from(valid_until + dt.timedelta(days=1))
        changes.append((day, "renew", None, valid_until, GRACE, "Annual renewal", "public"))
        if rng.random() < 0.015:
            renews = False
    if rng.random() < 0.06 and day + dt.timedelta(days=400) < latest:
        day = day + dt.timedelta(days=rng.randint(30, 300))
        changes.append((day, "grant", "accredited-leader-trainer", None, None,
                        "Council accredited as a leader trainer", "public"))
    fate = rng.random()
    if not renews and valid_until + dt.timedelta(days=GRACE + 1) < latest:
        lapse_on = valid_until + dt.timedelta(days=GRACE + 1)
        changes.append((max(lapse_on, day), "lapse", None, None, None,
                        "Not renewed within the grace period", "public"))
    elif fate < 0.04:
        day = min(latest, day + dt.timedelta(days=rng.randint(1, 200)))
        changes.append((day, "suspend", None, None, None,
                        "Under review by the ethics committee", "confidential"))
    elif fate < 0.06:
        day = min(latest, day + dt.timedelta(days=rng.randint(1, 200)))
        changes.append((day, "retire", None, None, None, "Retired from practice", "public"))
    elif fate < 0.065:
        day = min(latest, day + dt.timedelta(days=rng.randint(1, 200)))
        changes.append((day, "revoke", None, None, None,
                        "Decision of the council", "confidential"))
    return changes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--society", default="bsanz")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--today", default=dt.date.today().isoformat())
    parser.add_argument("--out", required=True)
    parser.add_argument("--numbers", help="write the listed registration numbers here")
    parser.add_argument("--prefixes", help="write name prefixes to search for here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    today = dt.date.fromisoformat(args.today)
    prefix = args.society.upper()
    listed = []
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(1, args.entries + 1):
            registration = f"{prefix}-{n:06d}"
            person_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            if rng.random() < 0.15:
                family = f"{family}-{rng.choice(FAMILY)}"
            city, region = rng.choice(PLACES)
            public = rng.random() < 0.9
            if public:
                listed.append(registration)
            person = [
                registration, person_id, rng.choice(TITLES), given, family, "",
                ";".join(rng.sample(BACKGROUNDS, rng.randint(1, 2))), city, region,
                f"{given}.{family}.{n}@example.org".lower().replace("'", ""),
                "true" if public else "false", "",
            ]
            for (effective, action, tier, valid_until, grace, reason, visibility) in history(rng, today):
                writer.writerow(person + [
                    effective.isoformat(), action, tier or "",
                    valid_until.isoformat() if valid_until else "",
                    "" if grace is None else str(grace), reason, visibility,
                ])
    if args.numbers:
        with open(args.numbers, "w", encoding="utf-8") as f:
            f.write("\n".join(listed) + "\n")
    if args.prefixes:
        words = sorted({w.lower()[:k] for w in GIVEN + FAMILY for k in (3, 4, len(w))
                        if len(w) >= 3 and "'" not in w})
        with open(args.prefixes, "w", encoding="utf-8") as f:
            f.write("\n".join(words) + "\n")


if __name__ == "__main__":
    main()

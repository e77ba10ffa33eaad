#!/usr/bin/env python3
"""Generate a numbers CSV for dialer's import benchmarks, the way real spreadsheets look.

    bench/gen_numbers.py ROWS OUT.csv [--seed N] [--region CN|US]

Output: UTF-8 with a BOM and CRLF line ends (Excel's "CSV UTF-8"), header `phone,name,city`,
RFC 4180 quoting (names such as "Li, Wei" and "Bob ""Ace"" Smith" come out quoted). Rows:
- 85% valid numbers in mixed formats: international (`+86 138 0013 8000`, dashes, dots,
  no separators, NBSP/thin spaces), national for --region (CN `138-0013-8000`, US
  `(415) 555-2671`, `1-415-...`), full-width digits, a leading apostrophe, tel: URIs with
  `;ext=`, extensions (`x12`, `ext. 7`, `#3`), `00`/`011` international prefixes, `(0)`;
- 10% junk: blanks, words, letters, scientific notation, too short/long, unknown country
  codes, emergency numbers (911, 112, 110, 999, 000, 15), fully blank rows;
- 5% duplicates: an earlier number written again, usually in another format.

Same ROWS + seed + region -> byte-identical file. Python 3 standard library only.
"""

import argparse
import csv
import random
import sys

SURNAMES = ["Li", "Wang", "Zhang", "Smith", "Garcia", "Müller", "Dubois", "Tanaka", "O'Neil"]
GIVEN = ["Wei", "Fang", "Ana", "John", "Mary", "Jürgen", "Zoë", "Hiro", "Priya"]
CITIES = ["Beijing", "Shanghai", "New York", "Washington, D.C.", "London", "Berlin",
          "Paris", "Tokyo", "Shenzhen", "São Paulo"]
US_AREAS = ["201", "212", "213", "305", "312", "415", "617", "646", "702", "713", "718",
            "773", "818", "917", "206", "303", "404", "512"]
CN_MOBILE = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
             "152", "155", "156", "157", "158", "159", "180", "181", "182", "186", "187",
             "188", "189"]
FULL_WIDTH = {ord(c): chr(0xFF10 + int(c)) for c in "0123456789"}
FULL_WIDTH.update({ord("+"): "\uff0b", ord(" "): "\u3000", ord("-"): "\uff0d"})
JUNK = ["", " ", "n/a", "N/A", "unknown", "call back", "-", "TBD", "8.6138E+12", "1.23e10",
        "12", "911", "112", "110", "999", "000", "15", "+999 1234 5678",
        "+86 138 0013 8000 1234 5678", "1-800-FLOWERS", "+1 555 555 5555", "0"]


def cn_number(rng):
    """(country code, national significant number) of a China mobile number."""
    return "86", rng.choice(CN_MOBILE) + "%08d" % rng.randrange(10**8)


def us_number(rng):
    exchange = rng.randrange(200, 1000)
    while exchange % 100 == 11 or exchange == 555:  # N11 and 555 are not subscriber exchanges
        exchange = rng.randrange(200, 1000)
    return "1", rng.choice(US_AREAS) + str(exchange) + "%04d" % rng.randrange(10**4)


def gb_number(rng):
    # 76 is pagers, not mobiles.
    return "44", "7%s%08d" % (rng.choice("5789"), rng.randrange(10**8))


def de_number(rng):
    return "49", "30%08d" % rng.randrange(10**7, 10**8)


def fr_number(rng):
    return "33", "6%d%07d" % (rng.randrange(1, 8), rng.randrange(10**7))


def jp_number(rng):
    return "81", "90%08d" % rng.randrange(10**7, 10**8)


def grouped(nsn, sep):
    """nsn split in groups of 3-4 digits, joined with sep."""
    if len(nsn) == 11:  # China mobile: 3-4-4
        parts = [nsn[:3], nsn[3:7], nsn[7:]]
    elif len(nsn) == 10:
        parts = [nsn[:3], nsn[3:6], nsn[6:]]
    else:
        parts = [nsn[:2], nsn[2:6], nsn[6:]]
    return sep.join(parts)


def international(rng, cc, nsn):
    sep = rng.choice([" ", "-", ".", "", "\u00a0", "\u202f"])
    style = rng.randrange(10)
    if style == 0:
        return "+%s%s" % (cc, nsn)
    if style == 1 and cc == "1":
        return "+1 (%s) %s-%s" % (nsn[:3], nsn[3:6], nsn[6:])
    if style == 2 and cc in ("44", "49"):
        return "+%s (0)%s" % (cc, grouped(nsn, " "))
    return "+%s%s%s" % (cc, sep or " ", grouped(nsn, sep))


def national(rng, region, nsn):
    if region == "CN":
        return rng.choice([nsn, grouped(nsn, " "), grouped(nsn, "-")])
    style = rng.randrange(4)
    if style == 0:
        return "(%s) %s-%s" % (nsn[:3], nsn[3:6], nsn[6:])
    if style == 1:
        return "1-%s" % grouped(nsn, "-")
    return grouped(nsn, rng.choice([".", "-", " "]))


def decorate(rng, text):
    """Spreadsheet and CRM decorations on an already written number."""
    roll = rng.randrange(20)
    if roll == 0:
        return text.translate(FULL_WIDTH)
    if roll == 1:
        return "'" + text
    if roll == 2:
        return text + rng.choice([" x12", " ext. 7", "#3", " Ext 104"])
    if roll == 3:
        return "\u00a0" + text + " "
    return text


def write_number(rng, region, cc, nsn):
    home_cc = "86" if region == "CN" else "1"
    roll = rng.randrange(20)
    if cc == home_cc and roll < 8:
        return decorate(rng, national(rng, region, nsn))
    if roll == 8:
        return "tel:+%s-%s%s" % (cc, grouped(nsn, "-"), rng.choice(["", ";ext=55"]))
    if roll == 9 and cc != home_cc:
        idd = "00" if region == "CN" else "011 "
        return "%s%s %s" % (idd, cc, grouped(nsn, " "))
    return decorate(rng, international(rng, cc, nsn))


def new_number(rng, region):
    home = cn_number if region == "CN" else us_number
    maker = home if rng.random() < 0.6 else rng.choice(
        [cn_number, us_number, gb_number, de_number, fr_number, jp_number])
    return maker(rng)


def extras(rng):
    name = "%s %s" % (rng.choice(GIVEN), rng.choice(SURNAMES))
    roll = rng.randrange(25)
    if roll == 0:
        name = "%s, %s" % (rng.choice(SURNAMES), rng.choice(GIVEN))
    elif roll == 1:
        name = 'Bob "Ace" %s' % rng.choice(SURNAMES)
    return [name, rng.choice(CITIES)]


def generate(rows, out, seed, region):
    rng = random.Random(seed)
    written = []  # (cc, nsn) of valid numbers so far, for duplicates
    counts = {"valid": 0, "junk": 0, "duplicate": 0}
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["phone", "name", "city"])
        for _ in range(rows):
            roll = rng.random()
            if roll < 0.10:
                counts["junk"] += 1
                if rng.randrange(20) == 0:
                    w.writerow([])  # a fully blank line
                else:
                    w.writerow([rng.choice(JUNK)] + extras(rng))
            elif roll < 0.15 and written:
                counts["duplicate"] += 1
                cc, nsn = rng.choice(written)
                w.writerow([write_number(rng, region, cc, nsn)] + extras(rng))
            else:
                counts["valid"] += 1
                cc, nsn = new_number(rng, region)
                written.append((cc, nsn))
                w.writerow([write_number(rng, region, cc, nsn)] + extras(rng))
    return counts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", type=int)
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--region", choices=["CN", "US"], default="CN",
                   help="default_region the national numbers are written for")
    a = p.parse_args()
    counts = generate(a.rows, a.out, a.seed, a.region)
    print("wrote %d rows to %s (region %s, seed %d): %s" % (
        a.rows, a.out, a.region, a.seed,
        ", ".join("%s %d" % kv for kv in counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()

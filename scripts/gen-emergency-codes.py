#!/usr/bin/env python3
"""Regenerates src/campaign/phone/emergency_codes.rs: every emergency number of every region in
libphonenumber's short-number metadata, expanded to exact digit strings and grouped by country
calling code. Run after a libphonenumber metadata update (both files are in its resources/):
    python3 scripts/gen-emergency-codes.py PhoneNumberMetadata.xml ShortNumberMetadata.xml \
        > src/campaign/phone/emergency_codes.rs
Regions that share a calling code (+1, +7, +44, +262, +590, ...) share one list: a code only
ever matches a whole national number, so a neighbour's code cannot catch a subscriber number.
"""
import collections, re, sys
import xml.etree.ElementTree as ET

try:  # Python 3.11+
    import re._constants as C
    import re._parser as parser
except ImportError:  # older Pythons
    import sre_constants as C
    import sre_parse as parser

LIMIT = 5000  # an emergency pattern that expands further is a metadata change to look at


def expand(pattern):
    """Every string the (digits-only, finite) pattern matches."""

    def seq(items):
        outs = [""]
        for op, av in items:
            alts = node(op, av)
            outs = [a + b for a in outs for b in alts]
            if len(outs) > LIMIT:
                sys.exit(f"pattern {pattern!r} expands beyond {LIMIT} numbers")
        return outs

    def node(op, av):
        if op == C.LITERAL:
            return [chr(av)]
        if op == C.IN:
            out = []
            for o, a in av:
                if o == C.LITERAL:
                    out.append(chr(a))
                elif o == C.RANGE:
                    out += [chr(c) for c in range(a[0], a[1] + 1)]
                elif o == C.CATEGORY and a == C.CATEGORY_DIGIT:
                    out += list("0123456789")
                else:
                    sys.exit(f"unsupported class {o} in {pattern!r}")
            return out
        if op == C.SUBPATTERN:
            return seq(av[-1])
        if op == C.BRANCH:
            return [s for branch in av[1] for s in seq(branch)]
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            return [s for n in range(lo, hi + 1) for s in seq(list(sub) * n)]
        sys.exit(f"unsupported element {op} in {pattern!r}")

    return seq(list(parser.parse(pattern)))


calling_code = {
    t.get("id"): int(t.get("countryCode")) for t in ET.parse(sys.argv[1]).getroot().iter("territory")
}
codes = collections.defaultdict(set)
for territory in ET.parse(sys.argv[2]).getroot().iter("territory"):
    emergency = territory.find("emergency")
    region = territory.get("id")
    if emergency is None or region not in calling_code:
        continue
    pattern = re.sub(r"\s", "", emergency.find("nationalNumberPattern").text)
    codes[calling_code[region]].update(expand(pattern))

print("//! Emergency numbers by country calling code, generated from libphonenumber's")
print("//! ShortNumberMetadata.xml by scripts/gen-emergency-codes.py (do not edit by hand).")
print()
print("/// (calling code, its emergency numbers sorted), sorted by calling code.")
print("#[rustfmt::skip]")
print("pub(super) const EMERGENCY: &[(i32, &[&str])] = &[")
for cc in sorted(codes):
    numbers = ", ".join(f'"{n}"' for n in sorted(codes[cc]))
    print(f"    ({cc}, &[{numbers}]),")
print("];")

#!/usr/bin/env python3
"""Regenerates src/schedule/single_zone.rs from the tz database's zone.tab: every country
with exactly one zone. Run after a tzdata update:
    python3 scripts/gen-single-zones.py /usr/share/zoneinfo/zone.tab > src/schedule/single_zone.rs
"""
import collections, sys

zones = collections.defaultdict(list)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/zoneinfo/zone.tab"):
    if line.startswith("#") or not line.strip():
        continue
    code, _coords, zone = line.split("\t")[:3]
    zones[code].append(zone.strip())
single = sorted((c, z[0]) for c, z in zones.items() if len(z) == 1)
print("//! Countries with a single time zone, generated from the tz database's zone.tab by")
print("//! scripts/gen-single-zones.py (do not edit by hand). Sorted by ISO 3166 code.")
print()
print("/// (ISO 3166-1 alpha-2, IANA zone), sorted by code.")
print("pub const SINGLE_ZONE: &[(&str, &str)] = &[")
for c, z in single:
    print(f'    ("{c}", "{z}"),')
print("];")

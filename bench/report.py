#!/usr/bin/env python3
"""Prints every recorded benchmark (bench/results/*.json) as one table; with --check,
exits 1 when a full (non-smoke) figure misses its budget."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record import table  # noqa: E402

docs = []
for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "*.json"))):
    with open(path) as f:
        docs.append(json.load(f))
missed = []
for doc in docs:
    smoke = " (smoke: figures mean nothing)" if doc.get("smoke") else ""
    print(f"\n{table(doc)}\nrecorded {doc.get('recorded_at', '?')}{smoke}")
    if not doc.get("smoke"):
        missed += [f"{doc['name']}: {f['metric']}" for f in doc["figures"] if f.get("ok") is False]
if missed:
    print("\nOver budget:\n  " + "\n  ".join(missed))
if "--check" in sys.argv and missed:
    sys.exit(1)

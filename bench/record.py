#!/usr/bin/env python3
"""Records one benchmark's figures: reads a JSON document on stdin, adds the machine it
ran on, writes bench/results/<name>.json and prints the figures as a table.

Input (stdin):
  {"name": "export",
   "params": {"rows": 1000000},                      # what was measured, free form
   "figures": [
     {"metric": "CSV export throughput", "value": 312000, "unit": "rows/s",
      "ceiling": 900000,                             # measured in the same run (optional)
      "ceiling_what": "sqlite3 .mode csv of the same rows",
      "budget": 300000, "budget_kind": "min"},       # min: value >= budget; max: value <= budget;
                                                     # min_ratio / max_ratio: value/ceiling vs budget
     ...]}
Exit status 0 always (a benchmark reports; `bench/report.py --check` judges).
"""
import json
import os
import platform
import subprocess
import sys
import time


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(l.split()[1] for l in f if l.startswith("MemTotal")))
    except (OSError, StopIteration):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "rustc": rustc,
    }


def verdict(f):
    kind, budget, value, ceiling = f.get("budget_kind"), f.get("budget"), f["value"], f.get("ceiling")
    if budget is None or kind is None:
        return None
    if kind == "min":
        return value >= budget
    if kind == "max":
        return value <= budget
    if ceiling in (None, 0):
        return None
    ratio = value / ceiling
    return ratio >= budget if kind == "min_ratio" else ratio <= budget


def fmt(x):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.3f}" if abs(x) < 10 else f"{x:,.0f}"
    return f"{x:,}"


def table(doc):
    lines = [f"## {doc['name']}  {json.dumps(doc.get('params', {}))}",
             "| metric | value | unit | ceiling | ratio | budget | ok |",
             "|---|---|---|---|---|---|---|"]
    for f in doc["figures"]:
        ratio = f.get("ratio")
        budget = f.get("budget")
        kind = f.get("budget_kind", "")
        shown_budget = "–" if budget is None else {"min": "≥ ", "max": "≤ ", "min_ratio": "ratio ≥ ",
                                                    "max_ratio": "ratio ≤ "}.get(kind, "") + fmt(budget)
        ok = f.get("ok")
        lines.append(f"| {f['metric']} | {fmt(f['value'])} | {f.get('unit', '')} | {fmt(f.get('ceiling'))} | "
                     f"{'–' if ratio is None else f'{ratio:.2f}'} | {shown_budget} | "
                     f"{'–' if ok is None else ('yes' if ok else 'NO')} |")
    return "\n".join(lines)


def main():
    doc = json.load(sys.stdin)
    for f in doc["figures"]:
        c = f.get("ceiling")
        if c:
            f["ratio"] = f["value"] / c
        f["ok"] = verdict(f)
    doc["machine"] = machine()
    doc["recorded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    doc["smoke"] = os.environ.get("BENCH_SMOKE") == "1"
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, f"{doc['name']}.json"), "w") as out:
        json.dump(doc, out, indent=2, ensure_ascii=False)
        out.write("\n")
    print(table(doc))


if __name__ == "__main__":
    main()

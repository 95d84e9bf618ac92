#!/usr/bin/env python3
"""Writes N distinct declarations as JSONL (one per line) for the sheet benchmark.

Each row is the sample doorbell declaration with its own model name, firmware version
and support-end month (72 different months), so every label carries a different
signed payload and QR code, as in a real print run of many products.
Usage: gen_batch.py N OUT.jsonl
"""
import json
import sys
from pathlib import Path

n, out = int(sys.argv[1]), Path(sys.argv[2])
root = Path(__file__).resolve().parent.parent
base = json.loads((root / "samples" / "doorbell.json").read_text())
base["product"].pop("gtin", None)  # a GTIN would need its own check digit per row
with out.open("w") as f:
    for i in range(n):
        d = json.loads(json.dumps(base))
        d["product"]["model"] = f"Doorbell {i:06d}"
        d["product"]["firmware_version"] = f"5.{i % 100}.{i // 100 % 100}"
        year, month = 2030 + (i // 12) % 6, i % 12 + 1
        d["support"]["end"] = f"{year}-{month:02d}-28"
        f.write(json.dumps(d, separators=(",", ":")) + "\n")

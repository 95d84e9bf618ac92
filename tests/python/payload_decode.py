#!/usr/bin/env python3
"""Independent decoder of iotlabel payloads (format version 1), keys 0-18.

Written from docs/payload.md ("1. The payload") and the code tables of
docs/declaration.md ("Codes"), which it reads at run time: it shares no code with
the Rust crate. It turns a payload map into the declaration's JSON form (the
`declaration` field of tests/vectors/*.json) and checks every GTIN's GS1 check digit
with its own arithmetic.

Used by verify_vectors.py (every valid vector's decoded payload must equal the
vector's `declaration`) and, as a script, by tests/independent.rs:

    payload_decode.py CASES.json

CASES.json is a list of {"sample": PATH, "payload_hex": HEX}: each sample declaration
(TOML read with tomllib, or JSON) is compared with the decoded payload on every field
the payload carries. Exit 0 when all agree, 1 otherwise.
"""
import json
import os
import re
import sys

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "declaration.md")

# docs/declaration.md section heading -> what the payload calls that code list.
SECTIONS = {
    "Delivery": "delivery",
    "User action": "user_action",
    "Cost": "cost",
    "Period start": "period_from",
    "Commitment": "commitment",
    "Open support ends": "open_end",
    "Channel": "channel",
    "Schedule": "schedule",
    "End-of-support behaviour": "behaviour",
    "End-of-support offer": "offer",
    "Security measure": "measure",
    "Standard": "standard",
}


class Malformed(Exception):
    pass


def load_codes(path=DOCS):
    """{list name: {code: name}} from the `| code | `name` | … |` rows of each section."""
    codes, current = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^### (.+?)\s*$", line)
            if m:
                current = SECTIONS.get(m.group(1))
                continue
            if line.startswith("## "):
                current = None
            m = re.match(r"^\| (\d+) \| `([a-z0-9-]+)` \|", line)
            if current and m:
                codes.setdefault(current, {})[int(m.group(1))] = m.group(2)
    missing = set(SECTIONS.values()) - set(codes)
    if missing:
        raise SystemExit("payload_decode.py: docs/declaration.md lacks code tables %s" % sorted(missing))
    return codes


def gs1_check_digit_ok(digits):
    """GS1 mod-10: weights 3, 1, 3, … from the digit left of the check digit."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _code(codes, table, value, key):
    if not isinstance(value, int) or isinstance(value, bool) or value not in codes[table]:
        raise Malformed("key %d: %r is no %s code" % (key, value, table))
    return codes[table][value]


def _mask(codes, table, value, key, empty=None):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Malformed("key %d: %r is not a bit mask" % (key, value))
    if value == 0:
        if empty is None:
            raise Malformed("key %d: empty mask" % key)
        return [empty]
    names = []
    for bit in range(value.bit_length()):
        if value >> bit & 1:
            if bit not in codes[table] or codes[table][bit] == empty:
                raise Malformed("key %d: bit %d names no %s" % (key, bit, table))
            names.append(codes[table][bit])
    return names


def decode(m, codes):
    """A decoded payload map -> the declaration's JSON form (absent keys are absent)."""
    if not isinstance(m, dict) or not all(isinstance(k, int) and not isinstance(k, bool) for k in m):
        raise Malformed("not a map with integer keys")
    if any(k < 0 or k > 18 for k in m):
        raise Malformed("key above 18")
    if m.get(0) != 1:
        raise Malformed("version %r" % m.get(0))
    for k in (1, 2):
        if not isinstance(m.get(k), str) or not m[k]:
            raise Malformed("key %d: name missing" % k)
    if not isinstance(m.get(4), bool):
        raise Malformed("key 4: updates flag missing")
    if sum(k in m for k in (8, 9, 11)) > 1:
        raise Malformed("two forms of support end")
    if (9 in m) != (10 in m):
        raise Malformed("period months and period start go together")

    d = {"format": 1, "product": {"manufacturer": m[1], "model": m[2]}}
    if 3 in m:
        gtin = "%014d" % m[3]
        if len(gtin) != 14 or not gs1_check_digit_ok(gtin):
            raise Malformed("key 3: GTIN %s fails the GS1 check digit" % gtin)
        d["product"]["gtin"] = gtin
    u = {"security_updates": m[4]}
    for key, name, table in ((5, "delivery", "delivery"), (6, "user_action", "user_action"), (7, "cost", "cost")):
        if key in m:
            u[name] = _code(codes, table, m[key], key)
    d["updates"] = u
    s = {}
    if 8 in m:
        months = m[8]
        if not isinstance(months, int) or isinstance(months, bool) or months < 0:
            raise Malformed("key 8: %r" % months)
        s["end"] = "%04d-%02d" % (2000 + months // 12, months % 12 + 1)
    if 9 in m:
        s["period_months"] = m[9]
        s["period_from"] = _code(codes, "period_from", m[10], 10)
    if 11 in m:
        s["end"] = _code(codes, "open_end", m[11], 11)
    if 12 in m:
        s["commitment"] = _code(codes, "commitment", m[12], 12)
    if s:
        d["support"] = s
    n = {}
    if 13 in m:
        n["channels"] = _mask(codes, "channel", m[13], 13, empty="none")
    if 14 in m:
        n["schedule"] = _code(codes, "schedule", m[14], 14)
    if n:
        d["notification"] = n
    e = {}
    if 15 in m:
        e["behaviour"] = _code(codes, "behaviour", m[15], 15)
    if 16 in m:
        e["offer"] = _code(codes, "offer", m[16], 16)
    if e:
        d["end_of_support"] = e
    sec = {}
    if 17 in m:
        sec["measures"] = _mask(codes, "measure", m[17], 17)
    if 18 in m:
        sec["standards"] = _mask(codes, "standard", m[18], 18)
    if sec:
        d["security"] = sec
    return d


def carried(decl, codes):
    """The part of a source declaration that the payload carries, in decode()'s form."""
    order = {t: {name: code for code, name in codes[t].items()} for t in codes}
    p = decl["product"]
    out = {"format": 1, "product": {"manufacturer": p["manufacturer"], "model": p["model"]}}
    if "gtin" in p:
        out["product"]["gtin"] = p["gtin"].rjust(14, "0")
    u = decl["updates"]
    out["updates"] = {k: u[k] for k in ("security_updates", "delivery", "user_action", "cost") if k in u}
    s = decl.get("support") or {}
    support = {}
    if "end" in s:
        end = str(s["end"])
        support["end"] = end if end in ("indefinite", "unknown") else end[:7]
    for k in ("period_months", "period_from", "commitment"):
        if k in s:
            support[k] = s[k]
    if support:
        out["support"] = support
    n = decl.get("notification") or {}
    notif = {}
    if "channels" in n:
        notif["channels"] = sorted(n["channels"], key=lambda c: order["channel"][c])
    if "schedule" in n:
        notif["schedule"] = n["schedule"]
    if notif:
        out["notification"] = notif
    e = decl.get("end_of_support") or {}
    eos = {k: e[k] for k in ("behaviour", "offer") if k in e}
    if eos:
        out["end_of_support"] = eos
    sec = decl.get("security") or {}
    security = {}
    if "measures" in sec:
        security["measures"] = sorted(sec["measures"], key=lambda c: order["measure"][c])
    if "standards" in sec:
        security["standards"] = sorted(sec["standards"], key=lambda c: order["standard"][c])
    if security:
        out["security"] = security
    return out


def main(argv):
    import cbor2
    import tomllib

    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    codes = load_codes()
    failures = 0
    for case in json.load(open(argv[0])):
        path = case["sample"]
        if path.endswith(".toml"):
            with open(path, "rb") as f:
                decl = tomllib.load(f)
        else:
            with open(path, encoding="utf-8") as f:
                decl = json.load(f)
        try:
            got = decode(cbor2.loads(bytes.fromhex(case["payload_hex"])), codes)
        except Malformed as e:
            print("FAIL %s: %s" % (os.path.basename(path), e))
            failures += 1
            continue
        want = carried(decl, codes)
        if got != want:
            print("FAIL %s:\n  payload says %s\n  sample says  %s" % (
                os.path.basename(path), json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))
            failures += 1
        else:
            print("ok   %s: %d keys" % (os.path.basename(path), len(cbor2.loads(bytes.fromhex(case["payload_hex"])))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Independent check of iotlabel's product-record vectors with cbor2 + cryptography.

A second implementation written from docs/payload.md ("Product records"), sharing no
code with the Rust crate or the page: it parses the record's COSE_Sign1 with cbor2,
picks trusted keys by key id (first 4 bytes of SHA-256 of the raw public key), verifies
Ed25519 over the Sig_structure with `cryptography`, decodes the record map (integer keys
0-13, deterministic encoding, exact types and codes), and checks that the record names
this label (full SHA-256 of its COSE bytes) and manufacturer, and that its key is bound
to that manufacturer.

Usage: verify_records.py DIR   (exit 0 when every vector behaves as expected)
"""
import glob
import hashlib
import json
import os
import sys

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

STATUS = {0: "current", 1: "extended", 2: "withdrawn", 3: "superseded"}
REASON = {1: "security-issue", 2: "safety", 3: "replaced", 4: "discontinued", 5: "label-error"}
TYPES = {0: int, 1: bytes, 2: str, 3: int, 4: int, 5: int, 6: int, 7: int, 8: bytes,
         9: str, 10: str, 11: str, 12: str, 13: dict}
INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                "\u2066\u2067\u2068\u2069\u2028\u2029\ufeff")


class Malformed(Exception):
    pass


def month(i):
    if i > 0xFFFFFFFF or 2000 + i // 12 > 9999:
        raise Malformed("month out of range")
    return "%04d-%02d" % (2000 + i // 12, i % 12 + 1)


def text_ok(s, limit, newline):
    if not s.strip() or len(s) > limit or any(c in INVISIBLE for c in s):
        return False
    return not any((ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0) and not (newline and c == "\n") for c in s)


def url_ok(s):
    return (s.startswith("https://") or s.startswith("mailto:")) and len(s) <= 300 and \
        not any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in s)


def decode_record(payload):
    if len(payload) > 16 * 1024:
        raise Malformed("too large")
    try:
        m = cbor2.loads(payload)
    except Exception as e:  # noqa: BLE001
        raise Malformed("not CBOR: %s" % e)
    if not isinstance(m, dict):
        raise Malformed("not a map")
    # Deterministic encoding: the canonical re-encoding must give the same bytes
    # (this also catches key order, non-shortest heads and indefinite lengths).
    if cbor2.dumps(m, canonical=True) != payload:
        raise Malformed("not deterministic")
    for k, v in m.items():
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= 13:
            raise Malformed("unknown key %r" % (k,))
        if not isinstance(v, TYPES[k]) or isinstance(v, bool):
            raise Malformed("field %d has the wrong type" % k)
        if TYPES[k] is int and v < 0:
            raise Malformed("field %d is negative" % k)
    if m.get(0) != 1:
        raise Malformed("version")
    for k in (1, 2, 3, 4, 5):
        if k not in m:
            raise Malformed("missing field %d" % k)
    if len(m[1]) != 32 or (8 in m and len(m[8]) != 32):
        raise Malformed("hash length")
    if not text_ok(m[2], 120, False):
        raise Malformed("manufacturer")
    if not 1 <= m[3] <= 0xFFFFFFFF:
        raise Malformed("sequence")
    status = STATUS.get(m[5])
    if status is None:
        raise Malformed("status")
    if 7 in m and m[7] not in REASON:
        raise Malformed("reason")
    has = (6 in m, 7 in m, 8 in m)
    want = {"current": (False, False, False), "extended": (True, False, False),
            "withdrawn": (False, True, False), "superseded": (False, True, None)}[status]
    if any(w is not None and w != h for w, h in zip(want, has)):
        raise Malformed("fields 6-8 do not match the status")
    if 9 in m and not (url_ok(m[9]) and m[9].startswith("https://")):
        raise Malformed("details url")
    if 10 in m and not url_ok(m[10]):
        raise Malformed("contact url")
    for k in (11, 12):
        if k in m and not text_ok(m[k], 300, False):
            raise Malformed("text")
    notes = m.get(13, {})
    for k, v in notes.items():
        if not isinstance(k, str) or not isinstance(v, str) or not text_ok(k, 64, True) or not text_ok(v, 2000, True):
            raise Malformed("notes")
    return {
        "label_hash": m[1].hex(),
        "manufacturer": m[2],
        "seq": m[3],
        "issued": month(m[4]),
        "status": status,
        "extended_to": month(m[6]) if 6 in m else None,
        "reason": REASON[m[7]] if 7 in m else None,
        "superseded_by": m[8].hex() if 8 in m else None,
        "details_url": m.get(9),
        "vulnerability_contact": m.get(10),
        "firmware_version": m.get(11),
        "hardware_version": m.get(12),
        "notes": dict(notes),
    }


def check(v):
    label = bytes.fromhex(v["label_cose_hex"])
    address = hashlib.sha256(label).digest()[:8].hex()
    assert address == v["address"], "address %s" % address
    if v["record_cose_hex"] is None:
        return "missing", None
    raw = bytes.fromhex(v["record_cose_hex"])
    try:
        obj = cbor2.loads(raw)
        if isinstance(obj, cbor2.CBORTag):
            if obj.tag != 18:
                raise Malformed("tag")
            obj = obj.value
        if not (isinstance(obj, list) and len(obj) == 4):
            raise Malformed("not COSE_Sign1")
        prot_bytes, _unprot, payload, sig = obj
        prot = cbor2.loads(prot_bytes)
        if prot.get(1) not in (-8, -19) or not isinstance(prot.get(4), bytes) or len(sig) != 64:
            raise Malformed("header")
        kid = prot[4]
    except Malformed:
        return "malformed", None
    except Exception:  # noqa: BLE001
        return "malformed", None
    keys = []
    for k in v["trusted_keys"]:
        pub = load_pem_public_key(k["public_key_pem"].encode())
        rawkey = pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
        if hashlib.sha256(rawkey).digest()[:4] == kid:
            keys.append((pub, k["manufacturers"]))
    if not keys:
        return "unknown-key", None
    tbs = cbor2.dumps(["Signature1", prot_bytes, b"", payload])
    signer = None
    for pub, makers in keys:
        try:
            pub.verify(sig, tbs)
            signer = makers
            break
        except InvalidSignature:
            pass
    if signer is None:
        return "bad-signature", None
    try:
        rec = decode_record(payload)
    except Malformed:
        return "malformed", None
    if rec["label_hash"] != hashlib.sha256(label).hexdigest() or rec["manufacturer"] != v["label_manufacturer"]:
        return "wrong-label", None
    if signer and v["label_manufacturer"] not in signer:
        return "other-party", None
    return "valid", rec


def main():
    files = sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))
    failed = 0
    for f in files:
        v = json.load(open(f, encoding="utf-8"))
        try:
            verdict, rec = check(v)
            problems = []
            if verdict != v["expected"]:
                problems.append("verdict %s, expected %s" % (verdict, v["expected"]))
            if rec != v["record"]:
                problems.append("record differs: %r != %r" % (rec, v["record"]))
        except Exception as e:  # noqa: BLE001
            problems = ["threw %r" % e]
        if problems:
            failed += 1
            print("FAIL %s: %s" % (os.path.basename(f), "; ".join(problems)))
    print("%d/%d record vectors passed" % (len(files) - failed, len(files)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Independent check of iotlabel's test vectors with cbor2 + cryptography.

A second implementation written from docs/payload.md, sharing no code with the Rust
crate: it unpacks the link's digits (or base64url), parses the COSE_Sign1 with cbor2,
builds the Sig_structure from the received protected-header bytes, verifies Ed25519
with the `cryptography` package, and checks that the payload map uses unsigned
integer keys in ascending order with shortest-form encoding.

Usage: verify_vectors.py VECTOR_DIR   (exit 0 when every vector behaves as expected)
"""
import base64
import glob
import hashlib
import json
import os
import sys

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import payload_decode  # noqa: E402 - the independent decoder of keys 0-18

PARTIAL = {0: 0, 3: 1, 5: 2, 8: 3, 10: 4, 13: 5, 15: 6}


class Malformed(Exception):
    pass


def digits_to_bytes(d):
    if not d or not d.isdigit() or not d.isascii():
        raise Malformed("not digits")
    full, rest = divmod(len(d), 17)
    if rest not in PARTIAL:
        raise Malformed("invalid digit count")
    out = bytearray()
    groups = [(d[i * 17:(i + 1) * 17], 7) for i in range(full)]
    if rest:
        groups.append((d[full * 17:], PARTIAL[rest]))
    for text, n in groups:
        v = int(text)
        if v >= 1 << (8 * n):
            raise Malformed("impossible group value")
        out += v.to_bytes(n, "big")
    return bytes(out)


def link_to_cose(link):
    link = link.strip()
    if "#" not in link:
        return digits_to_bytes(link)
    url, frag = link.split("#", 1)
    if not url.lower().startswith("https://"):
        raise Malformed("not https")
    if frag.isdigit() or (frag and frag[0].isdigit()):
        return digits_to_bytes(frag)
    try:
        return base64.urlsafe_b64decode(frag + "=" * (-len(frag) % 4))
    except Exception as e:  # noqa: BLE001
        raise Malformed(str(e))


def check_deterministic_map(payload):
    """RFC 8949 4.2.1 for our payload: re-encoding in canonical form gives the same bytes."""
    value = cbor2.loads(payload)
    if not isinstance(value, dict) or not all(isinstance(k, int) and k >= 0 for k in value):
        raise Malformed("payload is not a map with unsigned integer keys")
    if cbor2.dumps(value, canonical=True) != payload:
        raise Malformed("payload not in deterministic encoding")
    if value.get(0) != 1:
        raise Malformed("unsupported payload version")
    return value


def verdict(vec, trusted):
    try:
        cose = link_to_cose(vec["link"])
        obj = cbor2.loads(cose)
        if isinstance(obj, cbor2.CBORTag):
            if obj.tag != 18:
                raise Malformed("wrong tag")
            obj = obj.value
        if not (isinstance(obj, (list, tuple)) and len(obj) == 4):
            raise Malformed("not a COSE_Sign1 array")
        protected_bytes, unprotected, payload, signature = obj
        protected = cbor2.loads(protected_bytes) if protected_bytes else {}
        alg = protected.get(1)
        if alg not in (-19, -8):
            raise Malformed(f"algorithm {alg}")
        kid = protected.get(4) or unprotected.get(4)
        if kid is None or len(signature) != 64:
            raise Malformed("no kid / bad signature length")
    except Malformed:
        return "malformed", None
    except Exception:  # noqa: BLE001 - any decoding failure is a malformed input
        return "malformed", None
    key = trusted.get(bytes(kid))
    if key is None:
        return "unknown-key", None
    tbs = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    try:
        key.verify(signature, tbs)
    except InvalidSignature:
        return "bad-signature", None
    try:
        return "valid", check_deterministic_map(payload)
    except Malformed:
        return "malformed", None


def decoded_equals(payload, decl):
    """Every payload key (0-18), decoded independently, gives the vector's declaration."""
    try:
        got = payload_decode.decode(payload, payload_decode.load_codes())
    except payload_decode.Malformed as e:
        print(f"     payload decode: {e}")
        return False
    if got != decl:
        print(f"     payload decodes to {json.dumps(got, sort_keys=True)}")
        print(f"     vector says        {json.dumps(decl, sort_keys=True)}")
    return got == decl


def main():
    vectors = sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))
    if not vectors:
        print("no vectors found", file=sys.stderr)
        return 1
    failures = 0
    for path in vectors:
        vec = json.load(open(path))
        pub = load_pem_public_key(vec["trusted_public_key_pem"].encode())
        assert isinstance(pub, Ed25519PublicKey)
        raw = pub.public_bytes_raw()
        trusted = {hashlib.sha256(raw).digest()[:4]: pub}
        got, payload = verdict(vec, trusted)
        ok = got == vec["expected"]
        if ok and got == "valid":
            decl = vec["declaration"]
            ok = payload[1] == decl["product"]["manufacturer"] and payload[2] == decl["product"]["model"]
            ok = ok and decoded_equals(payload, decl)
        print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(path)}: {got} (expected {vec['expected']})")
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

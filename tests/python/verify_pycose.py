#!/usr/bin/env python3
"""Third independent check of iotlabel's test vectors, with pycose (the common Python
COSE library), sharing no code with the Rust crate or with verify_vectors.py's COSE
handling.

For every vector that carries COSE bytes and whose protected header says alg -8
(EdDSA, what iotlabel emits by default), pycose must decode the COSE_Sign1 and its
verdict must match the vector's: a valid or unknown-key vector verifies under the key
that signed it, a bad-signature vector does not verify under the trusted key.
Vectors labelled -19 (Ed25519, RFC 9864, emitted only with `--alg ed25519`) are
expected to be refused by pycose 1.1.0 ("Unknown COSE attribute"); that refusal is
why iotlabel emits -8 by default, and this script reports it instead of failing, so
that a pycose release which learns -19 shows up here as "pycose now accepts -19".

Usage: verify_pycose.py VECTOR_DIR   (exit 0 when pycose agrees with every vector)
"""
import glob
import json
import os
import sys

import cbor2
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message


def pycose_verdict(cose_hex, pem):
    """'verifies', 'fails' or 'refused: <reason>' for the trusted key."""
    raw = load_pem_public_key(pem.encode()).public_bytes_raw()
    data = bytes.fromhex(cose_hex)
    try:
        # The structure is read with cbor2 and handed to pycose's own COSE_Sign1 reader
        # (headers, algorithm, signature): Sign1Message.decode() itself needs a tagged
        # message and fails on cbor2 6's tuples ("Bytes cannot be decoded as COSE message")
        obj = cbor2.loads(data)
        if isinstance(obj, cbor2.CBORTag):
            obj = obj.value
        # (and inside a tag it gives a frozendict, which pycose refuses as a header).
        phdr, uhdr, payload, sig = obj
        msg = Sign1Message.from_cose_obj([phdr, dict(uhdr), payload, sig], True)
    except Exception as e:  # noqa: BLE001 - pycose raises several types
        return f"refused: {e}"
    msg.key = OKPKey(crv=Ed25519, x=raw)
    try:
        return "verifies" if msg.verify_signature() else "fails"
    except Exception as e:  # noqa: BLE001
        return f"refused: {e}"


def main():
    vectors = sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))
    failures = checked = 0
    for path in vectors:
        vec = json.load(open(path))
        name = os.path.basename(path)
        if not vec.get("cose_hex") or vec["expected"] == "malformed":
            continue
        obj = cbor2.loads(bytes.fromhex(vec["cose_hex"]))
        if isinstance(obj, cbor2.CBORTag):
            obj = obj.value
        alg = cbor2.loads(obj[0]).get(1)
        got = pycose_verdict(vec["cose_hex"], vec["trusted_public_key_pem"])
        if alg == -19:
            ok = got.startswith("refused")
            note = "pycose refuses -19, as expected" if ok else "pycose now accepts -19"
            print(f"{'ok  ' if ok else 'NOTE'} {name}: alg -19: {got} ({note})")
            continue
        if vec["expected"] == "unknown-key":
            # Signed by a key the vector does not trust: pycose must reject it under the trusted key.
            want = "fails"
        else:
            want = {"valid": "verifies", "bad-signature": "fails"}[vec["expected"]]
        ok = got == want and alg == -8
        checked += 1
        print(f"{'ok  ' if ok else 'FAIL'} {name}: alg {alg}: {got} (expected {want})")
        failures += not ok
    print(f"{checked} vectors checked with pycose")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())

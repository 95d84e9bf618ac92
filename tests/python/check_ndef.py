#!/usr/bin/env python3
"""Independent check of iotlabel's NFC output with the `ndeflib` package.

Usage:
    check_ndef.py [--image] FILE EXPECTED_URI [EXPECTED_COSE_FILE]

FILE is a bare NDEF message (`iotlabel nfc --format ndef`), or with --image a
Type 2 tag memory image (`--format tag`): then the capability container and the
TLVs are walked here, in Python, independently of the Rust code, and the NDEF
TLV's value is handed to ndeflib.

Checks, with ndeflib in strict mode (MB/ME flags, lengths, no chunking):
  * the first record is a URI record whose IRI is exactly EXPECTED_URI;
  * if EXPECTED_COSE_FILE is given, the second and last record has media type
    application/cose; cose-type="cose-sign1" and exactly that file's bytes;
    otherwise the URI record is the only record.
Exit status 0 on success, 1 on a failed check, 2 if ndeflib is missing.
"""
import sys

try:
    import ndef
except ImportError:
    sys.stderr.write(
        "check_ndef.py: the Python package ndeflib is missing; "
        "run `pip install ndeflib`\n")
    sys.exit(2)

COSE_TYPE = 'application/cose; cose-type="cose-sign1"'


def fail(msg):
    sys.stderr.write("check_ndef.py: FAIL: " + msg + "\n")
    sys.exit(1)


def ndef_from_image(img):
    """Return the NDEF TLV value of a Type 2 tag image (pages 0.. of an NTAG21x)."""
    if len(img) < 16 or img[12] != 0xE1:
        fail("no capability container (0xE1 at byte 12)")
    if img[13] >> 4 != 1:
        fail("CC mapping version %#04x is not 1.x" % img[13])
    end = min(len(img), 16 + img[14] * 8)
    pos = 16
    while pos < end:
        t = img[pos]
        if t == 0x00:
            pos += 1
            continue
        if t == 0xFE:
            break
        if pos + 1 >= end:
            fail("TLV length truncated at byte %d" % pos)
        length = img[pos + 1]
        hdr = 2
        if length == 0xFF:
            if pos + 3 >= end:
                fail("3-byte TLV length truncated at byte %d" % pos)
            length = (img[pos + 2] << 8) | img[pos + 3]
            hdr = 4
        value = img[pos + hdr:pos + hdr + length]
        if len(value) != length or pos + hdr + length > end:
            fail("TLV at byte %d runs past the data area" % pos)
        if t == 0x03:
            # The terminator must follow the NDEF TLV in our images.
            after = pos + hdr + length
            if after >= end or img[after] != 0xFE:
                fail("no terminator TLV right after the NDEF TLV")
            if any(img[after + 1:end]):
                fail("data area is not zero-padded after the terminator")
            return value
        pos += hdr + length
    fail("no NDEF TLV found")


def main(argv):
    image = False
    if argv and argv[0] == "--image":
        image = True
        argv = argv[1:]
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 1
    path, expected_uri = argv[0], argv[1]
    expected_cose = None
    if len(argv) == 3:
        with open(argv[2], "rb") as f:
            expected_cose = f.read()
    with open(path, "rb") as f:
        data = f.read()
    if image:
        data = ndef_from_image(data)

    try:
        records = list(ndef.message_decoder(data, errors="strict"))
    except ndef.DecodeError as e:
        fail("ndeflib cannot decode the message: %s" % e)

    if not records:
        fail("the message has no records")
    uri = records[0]
    if not isinstance(uri, ndef.UriRecord):
        fail("first record is %r, not a URI record" % (uri,))
    if uri.iri != expected_uri:
        fail("URI is %r, expected %r" % (uri.iri, expected_uri))

    if expected_cose is None:
        if len(records) != 1:
            fail("expected one record, found %d" % len(records))
    else:
        if len(records) != 2:
            fail("expected two records, found %d" % len(records))
        mime = records[1]
        if mime.type != COSE_TYPE:
            fail("second record type is %r, expected %r" % (mime.type, COSE_TYPE))
        if bytes(mime.data) != expected_cose:
            fail("COSE record payload differs from %s" % argv[2])

    # Re-encode with ndeflib: an independent encoder must produce the same bytes.
    if b"".join(ndef.message_encoder(records)) != data:
        fail("ndeflib re-encodes the message to different bytes")
    print("ok: %s: %d record(s), URI %s" % (path, len(records), uri.iri))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

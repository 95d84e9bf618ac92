// iotlabel verifier: the page's second implementation of the payload spec.
//
// This file is inlined verbatim into the generated index.html AND loaded by Node
// (tests/site/vectors.mjs) so the code the tests check is the code the phone runs.
// It has no dependencies and touches no DOM: plain functions over Uint8Array.
//
// Pipeline (mirrors src/link.rs, src/envelope.rs, src/payload.rs, src/summary.rs,
// src/verify.rs in the Rust crate):
//   fragment ─► bytes (digits or base64url) ─► COSE_Sign1 ─► Ed25519 (WebCrypto)
//            ─► payload CBOR ─► facts ─► summary sentences from the phrase catalogue
//
// Every failure of untrusted input is thrown as a VerifyError, never anything else.
'use strict';

var IotlabelVerifier = (function () {
  // ---------------------------------------------------------------- errors

  /** A problem with the scanned input; `stage` says where it was found. */
  class VerifyError extends Error {
    constructor(stage, message) {
      super(message);
      this.name = 'VerifyError';
      this.stage = stage; // 'link' | 'envelope' | 'payload'
    }
  }
  const fail = (stage, message) => {
    throw new VerifyError(stage, message);
  };

  // ---------------------------------------------------------------- digits

  // 7 bytes → 17 digits; a final partial group of k = 1..6 bytes → these many digits
  // (the digit count of 2^(8k) − 1). See encode_digits in src/link.rs.
  const GROUP_BYTES = 7;
  const GROUP_DIGITS = 17;
  const PARTIAL_DIGITS = [3, 5, 8, 10, 13, 15];

  /** Unpacks the decimal digit form. Strict: wrong length or impossible group values fail. */
  function decodeDigits(s) {
    if (s.length === 0) fail('link', 'empty input: no digits');
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) {
        fail('link', `invalid character ${JSON.stringify(s[i])} at position ${i + 1} of the digits: only 0-9 are accepted`);
      }
    }
    const len = s.length;
    const groups = Math.floor(len / GROUP_DIGITS);
    const remainder = len % GROUP_DIGITS;
    let partialBytes = 0;
    if (remainder !== 0) {
      const i = PARTIAL_DIGITS.indexOf(remainder);
      if (i < 0) {
        fail('link', `invalid length: ${len} digits (${len} = 17×${groups} + ${remainder}); digits are probably missing or extra`);
      }
      partialBytes = i + 1;
    }
    const out = new Uint8Array(groups * GROUP_BYTES + partialBytes);
    let o = 0;
    let index = 1;
    for (let start = 0; start < len; index++) {
      const full = len - start >= GROUP_DIGITS;
      const width = full ? GROUP_DIGITS : remainder;
      const bytes = full ? GROUP_BYTES : partialBytes;
      // 17 digits exceed 2^53, so use BigInt.
      let value = BigInt(s.slice(start, start + width));
      const max = (1n << BigInt(8 * bytes)) - 1n;
      if (value > max) {
        fail('link', `impossible group value: group ${index} (digits ${start + 1}–${start + width}) is ${value}, but ${bytes} byte(s) hold at most ${max}; a digit was probably mistyped`);
      }
      for (let b = bytes - 1; b >= 0; b--) {
        out[o + b] = Number(value & 0xffn);
        value >>= 8n;
      }
      o += bytes;
      start += width;
    }
    return out;
  }

  // ---------------------------------------------------------------- base64url

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  /** base64url without padding (RFC 4648 §5), strict like Rust's base64 crate:
   * no '=', no other characters, unused bits of the last symbol must be zero. */
  function decodeBase64url(s) {
    if (s.length % 4 === 1) fail('link', `invalid base64url payload: ${s.length} symbols is not a valid base64url length`);
    const vals = new Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const v = B64.indexOf(s[i]);
      if (v < 0) fail('link', `invalid base64url payload: character ${JSON.stringify(s[i])} at position ${i + 1} is not in the base64url alphabet`);
      vals[i] = v;
    }
    const out = new Uint8Array(Math.floor((s.length * 6) / 8));
    let acc = 0;
    let bits = 0;
    let o = 0;
    for (const v of vals) {
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >> bits) & 0xff;
      }
      acc &= (1 << bits) - 1;
    }
    if (acc !== 0) fail('link', 'invalid base64url payload: the last symbol has extra bits set (truncated or damaged)');
    return out;
  }

  /** base64url without padding (for showing keys). */
  function encodeBase64url(bytes) {
    let s = '';
    let acc = 0;
    let bits = 0;
    for (const b of bytes) {
      acc = (acc << 8) | b;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        s += B64[(acc >> bits) & 63];
      }
      acc &= (1 << bits) - 1;
    }
    if (bits > 0) s += B64[(acc << (6 - bits)) & 63];
    return s;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function fromHex(s) {
    if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`not hex: ${s.slice(0, 20)}`);
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return out;
  }

  // ---------------------------------------------------------------- links

  /** The payload bytes of a fragment (the part after '#'): digits or base64url.
   * A base64url COSE_Sign1 starts with 'h' (0x84) or '0' is impossible, so a fragment
   * that starts with a digit must be all digits (see parse_link in src/link.rs). */
  function decodeFragment(fragment) {
    if (fragment.length === 0) fail('link', 'empty fragment: nothing follows #');
    checkSize(fragment);
    if (/^[0-9]+$/.test(fragment)) return { form: 'digits', bytes: decodeDigits(fragment) };
    if (/^[0-9]/.test(fragment)) {
      const i = fragment.search(/[^0-9]/);
      fail('link', `trailing junk after the digits: ${JSON.stringify(fragment[i])} at position ${i + 1} of the fragment`);
    }
    return { form: 'base64url', bytes: decodeBase64url(fragment) };
  }

  // GS1 mod-10 check digit over all digits but the last.
  function gtinCheckOk(digits) {
    if (!/^[0-9]{2,}$/.test(digits)) return false;
    let sum = 0;
    const body = digits.slice(0, -1);
    for (let i = 0; i < body.length; i++) {
      const d = body.charCodeAt(body.length - 1 - i) - 48;
      sum += i % 2 === 0 ? 3 * d : d;
    }
    return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
  }

  function gtin14(g) {
    if (![8, 12, 13, 14].includes(g.length) || !/^[0-9]+$/.test(g)) return null;
    const padded = g.padStart(14, '0');
    return gtinCheckOk(padded) ? padded : null;
  }

  // The same bound as MAX_LINK_BYTES in src/link.rs: nothing longer is a label, and
  // bounding the input bounds every later step (parsing, CBOR, duplicate checks).
  const MAX_LINK_BYTES = 8192;
  function checkSize(text) {
    const size = typeof text === 'string' ? new TextEncoder().encode(text).length : text.length;
    if (size > MAX_LINK_BYTES) fail('link', `the text is ${size} bytes long; a label's link is at most ${MAX_LINK_BYTES} bytes (a QR code holds at most 7,089 digits)`);
  }

  /** Reads a whole link (or bare digits) as `iotlabel verify` does: https only, a
   * DNS host, RFC 3986 path characters, a checked GS1 GTIN when the path has /01/. */
  function parseLink(text) {
    text = text.trim();
    if (text.length === 0) fail('link', 'empty input');
    checkSize(text);
    if (!text.includes('://') && !text.includes('#')) {
      if (/^[0-9]/.test(text)) return { base: null, gtin14: null, form: 'digits', bytes: decodeDigits(text) };
      fail('link', `not a link: ${JSON.stringify(text.slice(0, 40))}`);
    }
    const hashAt = text.indexOf('#');
    const url = hashAt < 0 ? text : text.slice(0, hashAt);
    const sep = url.indexOf('://');
    if (sep < 0) fail('link', `missing scheme: ${JSON.stringify(url)} must start with https://`);
    const scheme = url.slice(0, sep);
    if (scheme.toLowerCase() !== 'https') fail('link', `https is required: the link starts with ${JSON.stringify(scheme)}://`);
    const rest = url.slice(sep + 3);
    if (rest.includes('?')) fail('link', 'the URL has a query (?…); the payload belongs in the #fragment');
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '' : rest.slice(slash);
    if (authority.includes('@')) fail('link', 'user information (…@) is not allowed in the URL');
    if (authority.startsWith('[')) fail('link', 'IP address literals are not DNS names');
    let host = authority;
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      const port = authority.slice(colon + 1);
      if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail('link', `invalid port ${JSON.stringify(port)}`);
    }
    host = host.toLowerCase();
    const labelOk = (l) => l.length > 0 && l.length <= 63 && /^[a-z0-9-]+$/.test(l) && !l.startsWith('-') && !l.endsWith('-');
    if (host.length === 0 || host.length > 253 || !host.split('.').every(labelOk)) fail('link', `invalid host ${JSON.stringify(host)}`);
    if (!/^([A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/.test(path)) fail('link', `invalid character in the path ${JSON.stringify(path)}`);
    let g = null;
    const segs = path.split('/');
    for (let i = 0; i + 1 < segs.length; i++) {
      if (segs[i] === '01' && [8, 12, 13, 14].includes(segs[i + 1].length) && /^[0-9]+$/.test(segs[i + 1])) {
        g = gtin14(segs[i + 1]);
        if (g === null) fail('link', `invalid GTIN ${JSON.stringify(segs[i + 1])} in the GS1 Digital Link path: wrong check digit`);
        break;
      }
    }
    if (hashAt < 0) fail('link', 'missing fragment: the link has no #<payload> part');
    const frag = decodeFragment(text.slice(hashAt + 1));
    return { base: `https://${host}${colon >= 0 ? authority.slice(colon) : ''}${path}`, gtin14: g, form: frag.form, bytes: frag.bytes };
  }

  // ---------------------------------------------------------------- CBOR

  // A minimal strict CBOR decoder: only the items our envelope and payload use
  // (unsigned and negative integers, byte and text strings, arrays, maps, tag 18,
  // true/false/null). Stricter than RFC 8949 requires on purpose: indefinite lengths,
  // non-shortest heads, duplicate map keys, floats, other tags and simple values are
  // rejected, so there is exactly one way to read the bytes. Items keep their byte
  // offsets so callers can check map key order and take the protected header bytes
  // exactly as received.

  const MAX_DEPTH = 8;

  function cborDecode(bytes, stage, opts) {
    const sortedKeys = !!(opts && opts.sortedKeys);
    let pos = 0;
    const need = (n) => {
      if (pos + n > bytes.length) fail(stage, `truncated CBOR at byte ${pos}`);
    };
    // Reads a head; returns {major, info, value (BigInt)}.
    const head = () => {
      need(1);
      const ib = bytes[pos++];
      const major = ib >> 5;
      const info = ib & 31;
      let value;
      if (info < 24) value = BigInt(info);
      else if (info <= 27) {
        const n = 1 << (info - 24);
        need(n);
        value = 0n;
        for (let i = 0; i < n; i++) value = (value << 8n) | BigInt(bytes[pos++]);
        // Shortest form: a value must not fit a smaller head.
        const min = info === 24 ? 24n : 1n << BigInt(8 * (n / 2));
        if (value < min) fail(stage, `non-shortest CBOR integer or length at byte ${pos - n - 1}`);
      } else if (info === 31) {
        fail(stage, `indefinite-length CBOR item at byte ${pos - 1} (only definite lengths are allowed)`);
      } else fail(stage, `reserved CBOR head 0x${ib.toString(16)} at byte ${pos - 1}`);
      return { major, info, value };
    };
    const length = (v) => {
      if (v > BigInt(bytes.length)) fail(stage, `CBOR length ${v} exceeds the input`);
      return Number(v);
    };
    const item = (depth) => {
      if (depth > MAX_DEPTH) fail(stage, 'CBOR nested too deeply');
      const start = pos;
      const h = head();
      switch (h.major) {
        case 0:
          return { type: 'uint', value: h.value, start, end: pos };
        case 1:
          return { type: 'nint', value: -1n - h.value, start, end: pos };
        case 2: {
          const n = length(h.value);
          need(n);
          const value = bytes.slice(pos, pos + n);
          pos += n;
          return { type: 'bytes', value, start, end: pos };
        }
        case 3: {
          const n = length(h.value);
          need(n);
          let value;
          try {
            value = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(pos, pos + n));
          } catch (e) {
            fail(stage, `text string at byte ${start} is not valid UTF-8`);
          }
          pos += n;
          return { type: 'text', value, start, end: pos };
        }
        case 4: {
          const n = length(h.value);
          const value = [];
          for (let i = 0; i < n; i++) value.push(item(depth + 1));
          return { type: 'array', value, start, end: pos };
        }
        case 5: {
          const n = length(h.value);
          const value = [];
          const seen = new Set(); // the encoded keys, for a linear duplicate check
          let prevKey = null;
          for (let i = 0; i < n; i++) {
            const k = item(depth + 1);
            const key = bytes.subarray(k.start, k.end);
            const keyText = hex(key);
            if (seen.has(keyText)) fail(stage, `duplicate CBOR map key at byte ${k.start}`);
            seen.add(keyText);
            if (sortedKeys && prevKey !== null && compareBytes(prevKey, key) >= 0) {
              fail(stage, `CBOR map keys are not in ascending order at byte ${k.start} (not deterministic encoding; the payload may have been altered)`);
            }
            prevKey = key;
            value.push([k, item(depth + 1)]);
          }
          return { type: 'map', value, start, end: pos };
        }
        case 6: {
          // Tag 18 (COSE_Sign1) only in front of the envelope, as in src/envelope.rs.
          if (h.value !== 18n || depth !== 0) fail(stage, `unexpected CBOR tag ${h.value} at byte ${start}`);
          return { type: 'tag', tag: 18, value: item(depth + 1), start, end: pos };
        }
        default: {
          // major 7: only false (20), true (21), null (22); floats and others are refused.
          if (h.info === 20) return { type: 'bool', value: false, start, end: pos };
          if (h.info === 21) return { type: 'bool', value: true, start, end: pos };
          if (h.info === 22) return { type: 'null', value: null, start, end: pos };
          fail(stage, `unsupported CBOR simple value or float at byte ${start}`);
        }
      }
      return undefined; // unreachable
    };
    const top = item(0);
    if (pos !== bytes.length) fail(stage, `${bytes.length - pos} bytes of trailing data after the CBOR item`);
    return top;
  }

  function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }

  // Heads for the tiny encoder that builds the Sig_structure.
  function cborHead(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 0x100) return [(major << 5) | 24, n];
    if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  /** Sig_structure = ["Signature1", protected (bytes as received), h'' (no external
   * AAD), payload] (RFC 9052 §4.4), encoded as deterministic CBOR. */
  function sigStructure(protectedBytes, payload) {
    const parts = [
      cborHead(4, 4),
      cborHead(3, 10),
      Array.from('Signature1', (c) => c.charCodeAt(0)),
      cborHead(2, protectedBytes.length),
      Array.from(protectedBytes),
      cborHead(2, 0),
      cborHead(2, payload.length),
      Array.from(payload),
    ];
    return Uint8Array.from(parts.flat());
  }

  // ---------------------------------------------------------------- COSE_Sign1

  const ALG_ED25519 = -19; // RFC 9864, accepted (emitted with --alg ed25519)
  const ALG_EDDSA = -8; // RFC 9053, the one iotlabel emits by default

  /** Parses COSE_Sign1 bytes (untagged, or tag 18) without checking the signature. */
  function openEnvelope(bytes) {
    const E = 'envelope';
    let top = cborDecode(bytes, E);
    let tagged = false;
    if (top.type === 'tag') {
      tagged = true;
      top = top.value;
    }
    if (top.type !== 'array' || top.value.length !== 4) fail(E, 'not a COSE_Sign1 structure: expected an array of four items');
    const [prot, unprot, payload, sig] = top.value;
    if (prot.type !== 'bytes') fail(E, 'not a COSE_Sign1 structure: the protected header must be a byte string');
    if (unprot.type !== 'map') fail(E, 'not a COSE_Sign1 structure: the unprotected header must be a map');
    if (payload.type === 'null') fail(E, 'the envelope carries no payload (detached payloads are not used by iotlabel)');
    if (payload.type !== 'bytes') fail(E, 'not a COSE_Sign1 structure: the payload must be a byte string');
    if (sig.type !== 'bytes') fail(E, 'not a COSE_Sign1 structure: the signature must be a byte string');
    // An empty protected bstr stands for an empty map.
    const protMap = prot.value.length === 0 ? { type: 'map', value: [] } : cborDecode(prot.value, E);
    if (protMap.type !== 'map') fail(E, 'not a COSE_Sign1 structure: the protected header is not a map');
    const label = (k) => (k.type === 'uint' || k.type === 'nint' ? Number(k.value) : null);
    const find = (map, l) => {
      const hit = map.value.find(([k]) => label(k) === l);
      return hit ? hit[1] : undefined;
    };
    // The envelope rule shared with src/envelope.rs: no crit header (no extension is
    // understood) and no label in both header buckets (RFC 9052 §3), even an empty one.
    if (find(protMap, 2) !== undefined || find(unprot, 2) !== undefined) fail(E, 'the envelope has a crit header (label 2); iotlabel understands no header extensions');
    const protLabels = new Set(protMap.value.map(([k]) => label(k)).filter((l) => l !== null));
    for (const [k] of unprot.value) {
      const l = label(k);
      if (l !== null && protLabels.has(l)) fail(E, `header label ${l} is in both the protected and the unprotected header (RFC 9052 §3 forbids it)`);
    }
    const alg = find(protMap, 1);
    if (alg === undefined) fail(E, 'unsupported signature algorithm: none (no alg in the protected header)');
    if ((alg.type !== 'uint' && alg.type !== 'nint') || (Number(alg.value) !== ALG_ED25519 && Number(alg.value) !== ALG_EDDSA)) {
      fail(E, `unsupported signature algorithm ${alg.type === 'text' ? JSON.stringify(alg.value) : String(alg.value)} (expected -19 Ed25519 or -8 EdDSA)`);
    }
    let kid = find(protMap, 4);
    if (kid === undefined) kid = find(unprot, 4);
    if (kid === undefined || kid.type !== 'bytes' || kid.value.length === 0) fail(E, 'the envelope has no key id (kid, header label 4)');
    if (sig.value.length !== 64) fail(E, `the signature is ${sig.value.length} bytes; Ed25519 signatures are 64`);
    return {
      alg: Number(alg.value),
      kid: kid.value,
      payload: payload.value,
      protectedBytes: prot.value,
      signature: sig.value,
      tagged,
    };
  }

  // ---------------------------------------------------------------- payload

  // Code tables from src/declaration/codes.rs: code → name (the catalogue key).
  const CODES = {
    delivery: { 1: 'automatic', 2: 'automatic-opt-in', 3: 'user-initiated', 4: 'service-visit' },
    user_action: { 0: 'none', 1: 'keep-online', 2: 'approve-in-app', 3: 'install-manually', 4: 'restart-device', 5: 'visit-service' },
    cost: { 0: 'free', 1: 'subscription', 2: 'per-update-fee' },
    period_from: { 1: 'purchase', 2: 'registration', 3: 'manufacture' },
    commitment: { 1: 'minimum', 2: 'anticipated' },
    channel: { 0: 'app', 1: 'email', 2: 'sms', 3: 'device-indicator', 4: 'website', 5: 'subscription-service', 7: 'none' },
    schedule: { 1: 'as-needed', 2: 'monthly', 3: 'quarterly', 4: 'half-yearly', 5: 'yearly' },
    eos: { 1: 'keeps-working', 2: 'loses-functions', 3: 'stops-working' },
    offer: { 0: 'nothing', 1: 'paid-extended-support', 2: 'handed-over', 3: 'source-published' },
    measure: { 0: 'signed', 1: 'verified-on-device', 2: 'encrypted-transport', 3: 'rollback-protection', 4: 'independently-tested' },
    standard: { 0: 'ietf-suit', 1: 'uptane', 2: 'tuf', 3: 'etsi-en-303-645', 4: 'iec-62443-4-2', 5: 'en-18031', 6: 'nist-ir-8425' },
  };

  // Version-1 map keys: [name, CBOR type, largest value (for unsigned integers), required].
  const FIELDS = {
    0: ['version', 'uint', 0xffffffffn, true],
    1: ['manufacturer', 'text', 0n, true],
    2: ['model', 'text', 0n, true],
    3: ['gtin', 'uint', 0xffffffffffffffffn, false],
    4: ['updates', 'bool', 0n, true],
    5: ['delivery', 'uint', 0xffn, false],
    6: ['user_action', 'uint', 0xffn, false],
    7: ['cost', 'uint', 0xffn, false],
    8: ['end_month', 'uint', 0xffffffffn, false],
    9: ['period_months', 'uint', 0xffffn, false],
    10: ['period_from', 'uint', 0xffn, false],
    11: ['end_open', 'uint', 0xffn, false],
    12: ['commitment', 'uint', 0xffn, false],
    13: ['channels', 'uint', 0xffffffffffffffffn, false],
    14: ['schedule', 'uint', 0xffn, false],
    15: ['eos', 'uint', 0xffn, false],
    16: ['offer', 'uint', 0xffn, false],
    17: ['measures', 'uint', 0xffffffffffffffffn, false],
    18: ['standards', 'uint', 0xffffffffffffffffn, false],
  };
  const PAYLOAD_VERSION = 1;

  // Rust's char::is_whitespace (Unicode White_Space), for str::trim.
  const WHITE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
  // One rule for untrusted text, the same list as src/untrusted.rs: control characters,
  // bidi controls, invisible characters and line/paragraph separators are refused in names.
  const REFUSED = [
    [/[\u0000-\u001f\u007f-\u009f]/u, 'a control character'],
    [/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u, 'a bidirectional control, which reorders the text'],
    [/[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]/u, 'an invisible character'],
    [/[\u2028\u2029]/u, 'a line or paragraph separator'],
  ];
  function checkName(field, s) {
    if (WHITE.test(s) || Array.from(s).length > 120) fail('payload', `payload field ${field} is invalid: empty or longer than 120 characters`);
    const chars = Array.from(s);
    for (let i = 0; i < chars.length; i++) {
      for (const [re, what] of REFUSED) {
        if (re.test(chars[i])) {
          const cp = chars[i].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
          fail('payload', `payload field ${field} is invalid: contains U+${cp} at character ${i + 1}, ${what}`);
        }
      }
    }
  }

  function fromMask(table, mask, field) {
    let known = 0n;
    for (const c of Object.keys(table)) known |= 1n << BigInt(c);
    if ((mask & ~known) !== 0n) fail('payload', `payload field ${field} has code ${mask & ~known}, which names no known value`);
    return Object.keys(table)
      .map(Number)
      .sort((a, b) => a - b)
      .filter((c) => (mask >> BigInt(c)) & 1n)
      .map((c) => table[c]);
  }

  /** Decodes payload bytes into facts, as strictly as payload::decode in Rust: a
   * deterministic CBOR map with keys 0–18 ascending, exact types, known codes. */
  function decodePayload(bytes) {
    const P = 'payload';
    const top = cborDecode(bytes, P, { sortedKeys: true });
    if (top.type !== 'map') fail(P, 'payload is not a CBOR map');
    const w = {};
    for (const [k, v] of top.value) {
      if (k.type !== 'uint') fail(P, 'payload map keys must be unsigned integers');
      if (k.value > 18n) fail(P, `payload has unknown map key ${k.value} (version 1 uses keys 0–18)`);
      const [name, type, max] = FIELDS[Number(k.value)];
      if (v.type !== type || (type === 'uint' && v.value > max)) fail(P, `payload field ${name} (${k.value}) has the wrong type or is out of range`);
      w[name] = v.value;
    }
    for (const key of Object.keys(FIELDS)) {
      const [name, , , required] = FIELDS[key];
      if (required && !(name in w)) fail(P, `payload lacks the required field ${name} (${key})`);
    }
    if (w.version !== BigInt(PAYLOAD_VERSION)) fail(P, `payload format version ${w.version} is not supported (this page reads version ${PAYLOAD_VERSION})`);
    checkName('manufacturer (1)', w.manufacturer);
    checkName('model (2)', w.model);
    let gtin = null;
    if (w.gtin !== undefined) {
      gtin = w.gtin.toString().padStart(14, '0');
      if (gtin.length !== 14 || !gtinCheckOk(gtin)) fail(P, `payload field gtin (3) is invalid: ${gtin} is not a GTIN with a correct check digit`);
    }
    const code = (table, field, v) => {
      if (v === undefined) return null;
      const name = table[Number(v)];
      if (name === undefined) fail(P, `payload field ${field} has code ${v}, which names no known value`);
      return name;
    };
    let supportEnd = null;
    const [m, pm, open] = [w.end_month, w.period_months, w.end_open];
    if (m !== undefined && pm === undefined && open === undefined) {
      const year = 2000 + Number(m / 12n);
      if (year > 9999) fail(P, `payload field end month (8) is invalid: ${m} is out of range`);
      supportEnd = { kind: 'until', year, month: Number(m % 12n) + 1 };
    } else if (m === undefined && pm !== undefined && open === undefined) {
      const from = code(CODES.period_from, 'period start (10)', w.period_from);
      if (from === null) fail(P, 'payload field period start (10) is invalid: a period needs its start');
      supportEnd = { kind: 'period', months: Number(pm), from };
    } else if (m === undefined && pm === undefined && open !== undefined) {
      if (open === 1n) supportEnd = { kind: 'indefinite' };
      else if (open === 2n) supportEnd = { kind: 'unknown' };
      else fail(P, `payload field open end (11) has code ${open}, which names no open support end`);
    } else if (m !== undefined || pm !== undefined || open !== undefined) {
      fail(P, 'payload field support end (8–11) is invalid: more than one form of support end');
    }
    if (w.period_from !== undefined && pm === undefined) fail(P, 'payload field period start (10) is invalid: given without a period');
    let channels = null;
    if (w.channels !== undefined) {
      if (w.channels === 0n) channels = ['none'];
      else if ((w.channels >> 7n) & 1n) fail(P, 'payload field channels (13): "none" cannot be combined with channels');
      else channels = fromMask(CODES.channel, w.channels, 'channels (13)');
    }
    const set = (table, field, v) => {
      if (v === undefined) return [];
      if (v === 0n) fail(P, `payload field ${field} is invalid: an empty set is written by leaving the key out`);
      return fromMask(table, v, field);
    };
    return {
      manufacturer: w.manufacturer,
      model: w.model,
      gtin,
      security_updates: w.updates,
      delivery: code(CODES.delivery, 'delivery (5)', w.delivery),
      user_action: code(CODES.user_action, 'user action (6)', w.user_action),
      cost: code(CODES.cost, 'cost (7)', w.cost),
      support_end: supportEnd,
      commitment: code(CODES.commitment, 'commitment (12)', w.commitment),
      channels,
      schedule: code(CODES.schedule, 'schedule (14)', w.schedule),
      eos_behaviour: code(CODES.eos, 'end-of-support behaviour (15)', w.eos),
      eos_offer: code(CODES.offer, 'end-of-support offer (16)', w.offer),
      measures: set(CODES.measure, 'measures (17)', w.measures),
      standards: set(CODES.standard, 'standards (18)', w.standards),
    };
  }

  /** The facts in the declaration's JSON shape (Facts::to_declaration in Rust), so a
   * test can compare both implementations field by field. */
  function toDeclaration(f) {
    const d = { format: 1, product: { manufacturer: f.manufacturer, model: f.model }, updates: { security_updates: f.security_updates } };
    if (f.gtin !== null) d.product.gtin = f.gtin;
    for (const k of ['delivery', 'user_action', 'cost']) if (f[k] !== null) d.updates[k] = f[k];
    if (f.support_end !== null) {
      const s = {};
      const e = f.support_end;
      if (e.kind === 'until') s.end = `${String(e.year).padStart(4, '0')}-${String(e.month).padStart(2, '0')}`;
      else if (e.kind === 'period') {
        s.period_months = e.months;
        s.period_from = e.from;
      } else s.end = e.kind;
      if (f.commitment !== null) s.commitment = f.commitment;
      d.support = s;
    }
    if (f.channels !== null || f.schedule !== null) {
      d.notification = { channels: f.channels || [] };
      if (f.schedule !== null) d.notification.schedule = f.schedule;
    }
    if (f.eos_behaviour !== null) {
      d.end_of_support = { behaviour: f.eos_behaviour };
      if (f.eos_offer !== null) d.end_of_support.offer = f.eos_offer;
    }
    if (f.measures.length || f.standards.length) d.security = { measures: f.measures, standards: f.standards };
    return d;
  }

  // ---------------------------------------------------------------- summary

  // A faithful port of summarize() in src/summary.rs: same phrase keys, same joining.
  // `c` is one flat catalogue ({"label.a2": "How", ...}) as the site embeds it.

  function phrase(c, key) {
    if (!Object.prototype.hasOwnProperty.call(c, key)) throw new Error(`phrase catalogue "${c.lang}" has no phrase "${key}"`);
    return c[key];
  }

  // Rust's str::replace on "{name}" for each variable in turn.
  function fill(template, vars) {
    let s = template;
    for (const [k, v] of vars) s = s.split(`{${k}}`).join(v);
    return s;
  }

  const joinSentences = (parts) => parts.filter((p) => p !== '').join(' ');

  function list(c, items) {
    if (items.length === 0) return '';
    if (items.length === 1) return items[0];
    return items.slice(0, -1).join(phrase(c, 'list_sep')) + phrase(c, 'list_and') + items[items.length - 1];
  }

  /** The headline's key: automatic delivery that needs each update approved is not
   * called automatic (headline_key in src/summary.rs). */
  function headlineKey(f) {
    const auto = f.delivery === 'automatic' || f.delivery === 'automatic-opt-in';
    if (auto && f.user_action === 'approve-in-app') return 'approve';
    return f.delivery !== null ? f.delivery : 'unstated';
  }

  /** A.2 (how() in src/summary.rs): the approve action folds into an automatic
   * delivery; a delivery the action already says is left out. */
  function how(f, c) {
    let delivery = f.delivery !== null ? `delivery.${f.delivery}` : null;
    let action = f.user_action;
    const auto = f.delivery === 'automatic' || f.delivery === 'automatic-opt-in';
    if (auto && action === 'approve-in-app') {
      delivery = `delivery.${f.delivery}-approve`;
      action = null;
    } else if ((f.delivery === 'user-initiated' && action === 'install-manually') || (f.delivery === 'service-visit' && action === 'visit-service')) {
      delivery = null;
    }
    return joinSentences([delivery === null ? '' : phrase(c, delivery), action === null ? '' : phrase(c, `user_action.${action}`), f.cost === null ? '' : phrase(c, `cost.${f.cost}`)]);
  }

  /** "5 years", "18 months" (duration_in_words in src/today.rs). */
  function durationInWords(months, c) {
    if (months % 12 === 0) return months === 12 ? phrase(c, 'today.duration.year') : fill(phrase(c, 'today.duration.years'), [['n', String(months / 12)]]);
    return months === 1 ? phrase(c, 'today.duration.month') : fill(phrase(c, 'today.duration.months'), [['n', String(months)]]);
  }

  function summarize(f, c) {
    const ui = { title: phrase(c, 'ui.title'), declaration: phrase(c, 'ui.declaration'), scan: phrase(c, 'ui.scan'), more: phrase(c, 'ui.more') };
    const label = (k) => phrase(c, `label.${k}`);
    const opt = (prefix, v) => (v === null ? '' : phrase(c, `${prefix}.${v}`));
    const base = { lang: c.lang, manufacturer: f.manufacturer, model: f.model };

    if (!f.security_updates) {
      const statements = [{ element: 'A3', label: label('a3'), text: phrase(c, 'support.none') }];
      return { ...base, no_updates: true, headline: phrase(c, 'headline.none'), support: phrase(c, 'support_short.none'), statements, standards: '', ui };
    }

    const headline = phrase(c, `headline.${headlineKey(f)}`);
    const a2 = how(f, c);

    const firm = f.commitment === 'anticipated' ? 'anticipated' : 'minimum';
    let key;
    let vars = [];
    const e = f.support_end;
    if (e !== null && e.kind === 'until') {
      key = `until-${firm}`;
      vars = [['date', monthInWords(e.year, e.month, c)]];
    } else if (e !== null && e.kind === 'period') {
      key = `period-${firm}`;
      vars = [['duration', durationInWords(e.months, c)], ['from', phrase(c, `from.${e.from}`)]];
    } else if (e !== null && e.kind === 'indefinite') key = 'indefinite';
    else key = 'unknown';
    const a3 = fill(phrase(c, `support.${key}`), vars);
    const support = fill(phrase(c, `support_short.${key}`), vars);

    let b1Channels;
    if (f.channels === null) b1Channels = phrase(c, 'notification.unstated');
    else if (f.channels.includes('none')) b1Channels = phrase(c, 'notification.none');
    else {
      const names = f.channels.map((x) => phrase(c, `channel.${x}`));
      b1Channels = fill(phrase(c, 'notification.channels'), [['list', list(c, names)]]);
    }
    const b1 = joinSentences([b1Channels, opt('schedule', f.schedule)]);

    const b2 = f.eos_behaviour !== null ? joinSentences([phrase(c, `eos.${f.eos_behaviour}`), opt('offer', f.eos_offer)]) : phrase(c, 'eos.unstated');

    const m = f.measures.map((x) => phrase(c, `measure.${x}`));
    let b3;
    if (m.length) b3 = fill(phrase(c, 'security.measures'), [['list', list(c, m)]]);
    else if (f.standards.length) b3 = phrase(c, 'security.protected');
    else b3 = phrase(c, 'security.unstated');
    const standards = f.standards.length ? fill(phrase(c, 'security.standards'), [['list', f.standards.map((x) => phrase(c, `standard.${x}`)).join(', ')]]) : '';

    const statements = [
      { element: 'A2', label: label('a2'), text: a2 },
      { element: 'A3', label: label('a3'), text: a3 },
      { element: 'B1', label: label('b1'), text: b1 },
      { element: 'B2', label: label('b2'), text: b2 },
      { element: 'B3', label: label('b3'), text: b3 },
    ].filter((st) => st.text !== '');
    return { ...base, no_updates: false, headline, support, statements, standards, ui };
  }

  // ---------------------------------------------------------------- today's verdict

  // A port of assess() in src/today.rs: the support end judged on one day (the page
  // passes its device clock). Same phrase keys, same rounding.

  /** "June 2025" in the catalogue's words. */
  function monthInWords(year, month, c) {
    return fill(phrase(c, 'today.month_year'), [['month', phrase(c, `month.${month}`)], ['year', String(year)]]);
  }

  /** `asOf` is {year, month, day}; `extendedTo` a later last month {year, month} from a
   * verified record, or null. Resolves to {as_of, state, support_end, months_left,
   * extended, text} with the same values as the Rust struct serializes to. */
  function todayStatus(f, asOf, extendedTo, c) {
    const pad = (n, w) => String(n).padStart(w, '0');
    const out = { as_of: `${pad(asOf.year, 4)}-${pad(asOf.month, 2)}-${pad(asOf.day, 2)}`, state: 'unknown', support_end: null, months_left: null, extended: false, text: '' };
    const firm = f.commitment === 'anticipated' ? 'anticipated' : 'minimum';
    if (!f.security_updates) {
      out.state = 'no-updates';
      out.text = phrase(c, 'today.none');
      return out;
    }
    const e = f.support_end;
    if (e !== null && e.kind === 'until') {
      let end = { year: e.year, month: e.month };
      const idx = (ym) => ym.year * 12 + ym.month - 1;
      if (extendedTo && idx(extendedTo) > idx(end)) {
        end = { year: extendedTo.year, month: extendedTo.month };
        out.extended = true;
      }
      const left = idx(end) - idx(asOf);
      out.support_end = `${pad(end.year, 4)}-${pad(end.month, 2)}`;
      out.months_left = left;
      const date = monthInWords(end.year, end.month, c);
      if (left < 0) {
        out.state = 'ended';
        out.text = fill(phrase(c, 'today.ended'), [['date', date]]);
      } else {
        out.state = 'supported';
        let leftText;
        if (left === 0) leftText = phrase(c, 'today.left.this-month');
        else if (left === 1) leftText = phrase(c, 'today.left.next-month');
        else if (left < 12) leftText = fill(phrase(c, 'today.left.months'), [['n', String(left)]]);
        else {
          const years = Math.floor((left + 6) / 12);
          leftText = years === 1 ? phrase(c, 'today.left.year') : fill(phrase(c, 'today.left.years'), [['n', String(years)]]);
        }
        out.text = fill(phrase(c, `today.until-${firm}`), [['date', date], ['left', leftText]]);
      }
    } else if (e !== null && e.kind === 'period') {
      out.state = 'period';
      out.text = fill(phrase(c, `today.period-${firm}.${e.from}`), [['duration', durationInWords(e.months, c)]]);
    } else if (e !== null && e.kind === 'indefinite') {
      out.state = 'indefinite';
      out.text = phrase(c, 'today.indefinite');
    } else {
      out.text = phrase(c, 'today.unknown');
    }
    return out;
  }

  /** Whether a today-state may be shown as reassuring (never ended or no updates). */
  const todayIsGood = (state) => state === 'supported' || state === 'period' || state === 'indefinite';

  /** Keys bound to makers (src/verify.rs): a signature from a trusted key whose keyset
   * entry names manufacturers vouches only for those names. A label naming another
   * manufacturer is 'other-party': its facts are shown only as unverified. */
  function bindMaker(r) {
    if (r.verdict !== 'valid' || !r.facts || !r.signer) return r;
    const makers = r.signer.manufacturers;
    if (!Array.isArray(makers) || makers.length === 0 || makers.includes(r.facts.manufacturer)) return r;
    return { ...r, verdict: 'other-party' };
  }

  // ---------------------------------------------------------------- product records

  // A port of src/record.rs (decode) and verify_record in src/verify.rs: a record is a
  // COSE_Sign1 in the label's envelope, over a deterministic CBOR map (docs/payload.md,
  // "Product records"), published at <records>/<address>.

  const RECORD_STATUS = { 0: 'current', 1: 'extended', 2: 'withdrawn', 3: 'superseded' };
  const RECORD_REASON = { 1: 'security-issue', 2: 'safety', 3: 'replaced', 4: 'discontinued', 5: 'label-error' };
  const RECORD_MAX_BYTES = 16 * 1024;
  // Field number → [name, CBOR type].
  const RECORD_FIELDS = {
    0: ['version', 'uint'], 1: ['label', 'bytes'], 2: ['manufacturer', 'text'], 3: ['seq', 'uint'], 4: ['issued', 'uint'],
    5: ['status', 'uint'], 6: ['extended_to', 'uint'], 7: ['reason', 'uint'], 8: ['superseded_by', 'bytes'],
    9: ['details_url', 'text'], 10: ['vulnerability_contact', 'text'], 11: ['firmware_version', 'text'],
    12: ['hardware_version', 'text'], 13: ['notes', 'map'],
  };
  // Bidi controls and invisible characters a record's text may not carry.
  const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/u;
  const recordTextOk = (s, max, newline) =>
    !WHITE.test(s) && !INVISIBLE.test(s) && !/\p{Cc}/u.test(newline ? s.replace(/\n/g, '') : s) && Array.from(s).length <= max;
  const urlOk = (s) => (s.startsWith('https://') || s.startsWith('mailto:')) && !/[\s\p{Cc}\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(s) && Array.from(s).length <= 300;
  const monthOf = (i, field) => {
    const year = 2000 + Number(i / 12n);
    if (i > 0xffffffffn || year > 9999) fail('record', `record field ${field} is out of range`);
    return { year, month: Number(i % 12n) + 1 };
  };
  const ym = (m) => `${String(m.year).padStart(4, '0')}-${String(m.month).padStart(2, '0')}`;

  /** Decodes record payload bytes as strictly as record::decode in Rust. */
  function decodeRecord(bytes) {
    const R = 'record';
    if (bytes.length > RECORD_MAX_BYTES) fail(R, `record is ${bytes.length} bytes; the limit is ${RECORD_MAX_BYTES}`);
    const top = cborDecode(bytes, R, { sortedKeys: true });
    if (top.type !== 'map') fail(R, 'record is not a CBOR map');
    const w = {};
    for (const [k, v] of top.value) {
      if (k.type !== 'uint') fail(R, 'record map keys must be unsigned integers');
      if (k.value > 13n) fail(R, `record has unknown map key ${k.value} (version 1 uses keys 0–13)`);
      const [name, type] = RECORD_FIELDS[Number(k.value)];
      if (v.type !== type) fail(R, `record field ${name} (${k.value}) has the wrong CBOR type`);
      w[name] = v.value;
    }
    if (w.version === undefined) fail(R, 'record lacks the required field version (0)');
    if (w.version !== 1n) fail(R, `record format version ${w.version} is not supported`);
    for (const f of ['label', 'manufacturer', 'seq', 'issued', 'status']) if (w[f] === undefined) fail(R, `record lacks the required field ${f}`);
    if (w.label.length !== 32) fail(R, 'record field label (1) is not 32 bytes');
    if (w.superseded_by !== undefined && w.superseded_by.length !== 32) fail(R, 'record field superseded by (8) is not 32 bytes');
    if (!recordTextOk(w.manufacturer, 120, false)) fail(R, 'record field manufacturer (2) is invalid');
    if (w.seq < 1n || w.seq > 0xffffffffn) fail(R, 'record field sequence (3) is out of range');
    const issued = monthOf(w.issued, 'issued (4)');
    const ext = w.extended_to === undefined ? undefined : monthOf(w.extended_to, 'extended to (6)');
    let reason;
    if (w.reason !== undefined) {
      reason = RECORD_REASON[Number(w.reason)];
      if (w.reason > 5n || reason === undefined) fail(R, `record field reason (7) has code ${w.reason}, which names no reason`);
    }
    const status = w.status <= 3n ? RECORD_STATUS[Number(w.status)] : undefined;
    if (status === undefined) fail(R, `record field status (5) has code ${w.status}, which names no status`);
    const shape = { current: [false, false, false], extended: [true, false, false], withdrawn: [false, true, false], superseded: [false, true, null] }[status];
    const has = [ext !== undefined, reason !== undefined, w.superseded_by !== undefined];
    for (let i = 0; i < 3; i++) if (shape[i] !== null && shape[i] !== has[i]) fail(R, 'record field status (5): fields 6–8 do not match the status');
    if (w.details_url !== undefined && !(urlOk(w.details_url) && w.details_url.startsWith('https://'))) fail(R, 'record field details_url must be an https:// address without spaces');
    if (w.vulnerability_contact !== undefined && !urlOk(w.vulnerability_contact)) fail(R, 'record field vulnerability_contact must be an https:// or mailto: address without spaces');
    for (const f of ['firmware_version', 'hardware_version']) if (w[f] !== undefined && !recordTextOk(w[f], 300, false)) fail(R, `record field ${f} is invalid`);
    const notes = {};
    if (w.notes !== undefined) {
      for (const [k, v] of w.notes) {
        if (k.type !== 'text' || v.type !== 'text') fail(R, 'record field notes (13): keys and values must be text');
        if (!recordTextOk(k.value, 64, true) || !recordTextOk(v.value, 2000, true)) fail(R, 'record field notes (13): a note is empty, too long or has control or invisible characters');
        notes[k.value] = v.value;
      }
    }
    return {
      label_hash: hex(w.label),
      manufacturer: w.manufacturer,
      seq: Number(w.seq),
      issued: ym(issued),
      status,
      extended_to: ext === undefined ? null : ym(ext),
      reason: reason === undefined ? null : reason,
      superseded_by: w.superseded_by === undefined ? null : hex(w.superseded_by),
      details_url: w.details_url === undefined ? null : w.details_url,
      vulnerability_contact: w.vulnerability_contact === undefined ? null : w.vulnerability_contact,
      firmware_version: w.firmware_version === undefined ? null : w.firmware_version,
      hardware_version: w.hardware_version === undefined ? null : w.hardware_version,
      notes,
    };
  }

  /** The record address of a label: the first 8 bytes of SHA-256 over its COSE bytes. */
  async function recordAddress(subtle, labelBytes) {
    const h = new Uint8Array(await subtle.digest('SHA-256', labelBytes));
    return hex(h.slice(0, 8));
  }

  /**
   * Verifies a label's record (verify_record in src/verify.rs). `recordBytes` is null
   * when none was found. Resolves to {verdict, record, signer, error} with verdict
   * 'valid' | 'missing' | 'malformed' | 'unknown-key' | 'bad-signature' | 'other-party'
   * | 'wrong-label' | 'unsupported'. Only a 'valid' record is returned.
   */
  async function verifyRecord(recordBytes, labelBytes, manufacturer, trust, subtle) {
    const out = { verdict: 'missing', record: null, signer: null, error: null };
    if (recordBytes === null) return out;
    let env;
    let rec;
    try {
      if (recordBytes.length > RECORD_MAX_BYTES) fail('record', `record is ${recordBytes.length} bytes; the limit is ${RECORD_MAX_BYTES}`);
      env = openEnvelope(recordBytes);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      return { ...out, verdict: 'malformed', error: e.message };
    }
    const kid = hex(env.kid);
    const candidates = trust.filter((k) => k.kid.toLowerCase() === kid);
    const tbs = sigStructure(env.protectedBytes, env.payload);
    let signer = null;
    let unsupported = false;
    for (const k of candidates) {
      const ok = await ed25519Verify(subtle, fromHex(k.public_key_hex), env.signature, tbs);
      if (ok === null) unsupported = true;
      else if (ok) {
        signer = k;
        break;
      }
    }
    if (signer === null) {
      const verdict = candidates.length === 0 ? 'unknown-key' : unsupported ? 'unsupported' : 'bad-signature';
      return { ...out, verdict, error: verdict === 'unknown-key' ? `no trusted key has id ${kid}` : `the signature does not verify with key ${kid}` };
    }
    try {
      rec = decodeRecord(env.payload);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      return { ...out, verdict: 'malformed', error: e.message };
    }
    const labelHash = hex(new Uint8Array(await subtle.digest('SHA-256', labelBytes)));
    if (rec.label_hash !== labelHash || rec.manufacturer !== manufacturer) return { ...out, verdict: 'wrong-label', signer, error: 'the record is about another label' };
    const makers = signer.manufacturers;
    if (Array.isArray(makers) && makers.length > 0 && !makers.includes(manufacturer)) {
      return { ...out, verdict: 'other-party', signer, error: `signed by ${signer.name}, whose key is not trusted for "${manufacturer}"` };
    }
    return { verdict: 'valid', record: rec, signer, error: null };
  }

  /** The record's status sentence (record_text in src/cli/sign.rs). */
  function recordText(check, c) {
    const r = check.record;
    if (r === null) return phrase(c, 'record.unchecked');
    const words = (s) => monthInWords(Number(s.slice(0, 4)), Number(s.slice(5, 7)), c);
    const issued = words(r.issued);
    const reason = r.reason === null ? '' : phrase(c, `record.reason.${r.reason}`);
    const key = `record.${r.status}`;
    const vars = [['issued', issued], ['reason', reason]];
    if (r.status === 'extended') vars.unshift(['date', words(r.extended_to)]);
    return fill(phrase(c, key), vars);
  }

  // ---------------------------------------------------------------- verification

  /** The key id of a raw 32-byte Ed25519 public key: first 4 bytes of its SHA-256. */
  async function keyId(subtle, publicKey) {
    const h = new Uint8Array(await subtle.digest('SHA-256', publicKey));
    return h.slice(0, 4);
  }

  /** Checks one signature with WebCrypto. Returns true/false, or null when this
   * browser has no Ed25519 (then nobody may claim the label is valid). */
  async function ed25519Verify(subtle, publicKey, signature, message) {
    let key;
    try {
      key = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      if (e && (e.name === 'NotSupportedError' || e.name === 'TypeError' || e.name === 'SyntaxError')) return null;
      return false; // a malformed key in the store: it vouches for nothing
    }
    try {
      return await subtle.verify({ name: 'Ed25519' }, key, signature, message);
    } catch (e) {
      return false;
    }
  }

  /**
   * Verifies a payload against trusted keys. `input` is the fragment without '#', a
   * whole link (with opts.link) or the COSE bytes themselves (a Uint8Array).
   * `trust` is the site's key list: [{name, kid (hex), public_key_hex, ...}].
   * Resolves to {verdict, signer, facts, error, kid, alg, form, bytes} where verdict is
   * 'valid' | 'unknown-key' | 'bad-signature' | 'malformed' | 'unsupported' (this
   * browser cannot check Ed25519). The order follows src/verify.rs: the signature is
   * checked before the payload is read, and a bad signature's payload is never shown.
   */
  async function verify(input, trust, subtle, opts) {
    const isLink = !!(opts && opts.link);
    const isBytes = input instanceof Uint8Array;
    const out = { verdict: 'malformed', signer: null, facts: null, error: null, kid: null, alg: null, form: null, length: 0 };
    let env;
    try {
      if (isBytes) checkSize(input);
      const parsed = isBytes ? { form: 'bytes', bytes: input } : isLink ? parseLink(input) : decodeFragment(input);
      out.form = parsed.form;
      out.length = parsed.bytes.length;
      env = openEnvelope(parsed.bytes);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      out.error = e.message;
      return out;
    }
    out.kid = hex(env.kid);
    out.alg = env.alg;
    const candidates = trust.filter((k) => k.kid.toLowerCase() === out.kid);
    const tbs = sigStructure(env.protectedBytes, env.payload);
    let unsupported = false;
    for (const k of candidates) {
      const ok = await ed25519Verify(subtle, fromHex(k.public_key_hex), env.signature, tbs);
      if (ok === null) unsupported = true;
      else if (ok) {
        out.signer = k;
        break;
      }
    }
    if (out.signer) out.verdict = 'valid';
    else if (candidates.length === 0) out.verdict = 'unknown-key';
    else if (unsupported) out.verdict = 'unsupported';
    else out.verdict = 'bad-signature';
    if (out.verdict === 'bad-signature') return out;
    try {
      out.facts = decodePayload(env.payload);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      // Signed but unreadable (e.g. a newer format), or unsigned junk: either way the
      // facts cannot be shown, which is what `iotlabel verify` calls malformed.
      out.error = e.message;
      out.verdict = 'malformed';
      out.signer = null;
    }
    return out;
  }

  return {
    VerifyError,
    decodeDigits,
    decodeBase64url,
    encodeBase64url,
    decodeFragment,
    parseLink,
    cborDecode,
    sigStructure,
    openEnvelope,
    decodePayload,
    toDeclaration,
    summarize,
    monthInWords,
    todayStatus,
    todayIsGood,
    bindMaker,
    decodeRecord,
    recordAddress,
    verifyRecord,
    recordText,
    keyId,
    ed25519Verify,
    verify,
    hex,
    fromHex,
  };
})();

if (typeof module !== 'undefined' && module.exports) module.exports = IotlabelVerifier;

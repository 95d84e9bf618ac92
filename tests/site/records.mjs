// Checks the verifier page's record code (assets/site/verifier.js: decodeRecord,
// verifyRecord) against the record vectors in tests/vectors/records/*.json, under
// Node's WebCrypto (Node ≥ 20).
//
//   node tests/site/records.mjs [DIR]
//
// Each vector gives the label's COSE bytes and manufacturer, the record's COSE bytes
// (or null: none published), the trusted keys with the manufacturers they are bound
// to, the expected verdict and, for a valid record, its fields as the Rust code
// decodes them. Exit status 0 when every vector passes.

import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const V = createRequire(import.meta.url)(join(root, 'assets/site/verifier.js'));
const subtle = globalThis.crypto && globalThis.crypto.subtle;
if (!subtle) {
  console.error('this Node has no globalThis.crypto.subtle; Node 20 or newer is needed');
  process.exit(2);
}
const dir = process.argv[2] || join(root, 'tests/vectors/records');

function rawFromPem(pem) {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Uint8Array.from(Buffer.from(b64, 'base64'));
  if (der.length !== 44 || V.hex(der.subarray(0, 12)) !== '302a300506032b6570032100') throw new Error('not an Ed25519 SPKI public key');
  return der.subarray(12);
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
let failed = 0;
for (const f of files) {
  const v = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const problems = [];
  try {
    const trust = [];
    for (const [i, k] of v.trusted_keys.entries()) {
      const raw = rawFromPem(k.public_key_pem);
      trust.push({ name: `key ${i}`, kid: V.hex(await V.keyId(subtle, raw)), public_key_hex: V.hex(raw), manufacturers: k.manufacturers });
    }
    const label = V.fromHex(v.label_cose_hex);
    const address = await V.recordAddress(subtle, label);
    if (address !== v.address) problems.push(`address ${address}, expected ${v.address}`);
    const rec = v.record_cose_hex === null ? null : V.fromHex(v.record_cose_hex);
    const r = await V.verifyRecord(rec, label, v.label_manufacturer, trust, subtle);
    if (r.verdict !== v.expected) problems.push(`verdict ${r.verdict}, expected ${v.expected}${r.error ? ` (${r.error})` : ''}`);
    if (!isDeepStrictEqual(r.record, v.record)) problems.push(`record differs:\n  got      ${JSON.stringify(r.record)}\n  expected ${JSON.stringify(v.record)}`);
  } catch (e) {
    problems.push(`threw ${e && e.stack ? e.stack : e}`);
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${f}: ${v.description}\n  - ${problems.join('\n  - ')}`);
  }
}
console.log(`${files.length - failed}/${files.length} record vectors passed`);
process.exit(failed ? 1 : 0);

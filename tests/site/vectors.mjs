// Runs the verifier page's own JavaScript (assets/site/verifier.js, the file inlined
// into index.html) against test vectors, under Node's WebCrypto (Node ≥ 20).
//
//   node tests/site/vectors.mjs [--site DIR] [--quiet] [VECTOR_FILE_OR_DIR ...]
//
// Without vector arguments it reads every tests/vectors/*.json. The phrase catalogues
// come from a generated site (--site DIR, the output of `iotlabel site`); without
// --site the script generates one with `cargo run -- site`.
//
// Vector fields used (see tests/vectors/): link, cose_hex, payload_hex, key_id,
// trusted_public_key_pem, expected ("valid" | "bad-signature" | "unknown-key" |
// "malformed"), declaration, summary_en {headline, support, statements}, and the
// optional summaries {lang: {headline, support, statements}} that tests/site.rs adds
// to its generated vectors to compare every language with the Rust summarize().
// Exit status 0 when every vector passes; failures are listed.

import { createRequire } from 'node:module';
import { readFileSync, readdirSync, statSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { tmpdir } from 'node:os';
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

// ------------------------------------------------------------------ arguments

let siteDir = null;
let quiet = false;
const inputs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--site') siteDir = argv[++i];
  else if (argv[i] === '--quiet') quiet = true;
  else inputs.push(argv[i]);
}
if (inputs.length === 0) inputs.push(join(root, 'tests/vectors'));
if (siteDir === null) {
  siteDir = mkdtempSync(join(tmpdir(), 'iotlabel-site-'));
  try {
    execFileSync('cargo', ['run', '--quiet', '--', 'site', '--trust', join(root, 'samples/trust'), '-o', siteDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    console.error(`could not generate a site with \`cargo run -- site\` (${e.message.split('\n')[0]}); pass --site DIR`);
    process.exit(2);
  }
}

// The data block the page reads: catalogues of every language.
const html = readFileSync(join(siteDir, 'index.html'), 'utf8');
const m = html.match(/<script type="application\/json" id="iotlabel-data">([\s\S]*?)<\/script>/);
if (!m) {
  console.error(`${siteDir}/index.html has no #iotlabel-data block`);
  process.exit(2);
}
const DATA = JSON.parse(m[1]);

const files = [];
for (const p of inputs) {
  if (statSync(p).isDirectory()) {
    for (const f of readdirSync(p).sort()) if (f.endsWith('.json')) files.push(join(p, f));
  } else files.push(p);
}
if (files.length === 0) {
  console.error(`no vector files in ${inputs.join(', ')}`);
  process.exit(2);
}

// ------------------------------------------------------------------ helpers

/** Raw 32-byte Ed25519 key from an SPKI PEM (RFC 8410: 12-byte prefix + key). */
function rawFromPem(pem) {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Uint8Array.from(Buffer.from(b64, 'base64'));
  const prefix = '302a300506032b6570032100';
  if (der.length !== 44 || V.hex(der.subarray(0, 12)) !== prefix) throw new Error('not an Ed25519 SPKI public key');
  return der.subarray(12);
}

async function trustFrom(vector) {
  const pems = [].concat(vector.trusted_public_key_pem || [], vector.trusted_public_keys_pem || []);
  const keys = [];
  for (const [i, pem] of pems.entries()) {
    const raw = rawFromPem(pem);
    keys.push({ name: `vector key ${i + 1}`, kid: V.hex(await V.keyId(subtle, raw)), public_key_hex: V.hex(raw) });
  }
  return keys;
}

function summaryTexts(s) {
  return { headline: s.headline, support: s.support, statements: s.statements.map((x) => x.text), standards: s.standards };
}

// ------------------------------------------------------------------ run

let failed = 0;
// A file holds one vector, or an array of them (tests/site.rs writes arrays).
const vectors = [];
for (const file of files) {
  const content = JSON.parse(readFileSync(file, 'utf8'));
  const base = file.split('/').pop();
  if (Array.isArray(content)) content.forEach((v, i) => vectors.push([`${base}[${i}]`, v]));
  else vectors.push([base, content]);
}

for (const [name, v] of vectors) {
  const problems = [];
  const check = (ok, what) => {
    if (!ok) problems.push(what);
  };
  try {
    const trust = await trustFrom(v);
    let r;
    if (typeof v.link === 'string') r = await V.verify(v.link, trust, subtle, { link: true });
    else if (typeof v.cose_hex === 'string') r = await V.verify(V.fromHex(v.cose_hex), trust, subtle, { bytes: true });
    else throw new Error('vector has neither link nor cose_hex');
    check(r.verdict === v.expected, `verdict ${r.verdict}, expected ${v.expected}${r.error ? ` (${r.error})` : ''}`);

    // The bytes the link carries are the vector's COSE bytes, and the envelope's
    // payload is its payload.
    if (typeof v.link === 'string' && typeof v.cose_hex === 'string' && v.expected !== 'malformed') {
      check(V.hex(V.parseLink(v.link).bytes) === v.cose_hex, 'link does not decode to cose_hex');
    }
    if (typeof v.cose_hex === 'string' && typeof v.payload_hex === 'string' && v.expected !== 'malformed') {
      check(V.hex(V.openEnvelope(V.fromHex(v.cose_hex)).payload) === v.payload_hex, 'envelope payload differs from payload_hex');
    }
    if (typeof v.key_id === 'string' && r.kid !== null) check(r.kid === v.key_id, `key id ${r.kid}, expected ${v.key_id}`);
    if (v.expected === 'valid' || v.expected === 'unknown-key') check(r.facts !== null, 'no facts decoded');
    if (v.expected === 'bad-signature') check(r.facts === null, 'facts shown for a bad signature');

    if (v.declaration && r.facts) {
      const got = V.toDeclaration(r.facts);
      check(isDeepStrictEqual(got, v.declaration), `declaration differs:\n  got      ${JSON.stringify(got)}\n  expected ${JSON.stringify(v.declaration)}`);
    }
    const summaries = Object.assign({}, v.summaries || {});
    if (v.summary_en) summaries.en = v.summary_en;
    for (const [lang, want] of Object.entries(summaries)) {
      if (!r.facts) break;
      if (!DATA.phrases[lang]) {
        problems.push(`no catalogue for ${lang} in the site`);
        continue;
      }
      const got = summaryTexts(V.summarize(r.facts, DATA.phrases[lang]));
      check(isDeepStrictEqual(got, want), `summary (${lang}) differs:\n  got      ${JSON.stringify(got)}\n  expected ${JSON.stringify(want)}`);
    }
    // Today's verdict (src/today.rs) on given days, in given languages.
    for (const t of v.today || []) {
      if (!r.facts) break;
      const [y, mo, d] = t.as_of.split('-').map(Number);
      const ext = t.extended_to ? { year: Number(t.extended_to.slice(0, 4)), month: Number(t.extended_to.slice(5, 7)) } : null;
      const got = V.todayStatus(r.facts, { year: y, month: mo, day: d }, ext, DATA.phrases[t.lang]);
      check(isDeepStrictEqual(got, t.expected), `today (${t.lang}, ${t.as_of}) differs:\n  got      ${JSON.stringify(got)}\n  expected ${JSON.stringify(t.expected)}`);
    }
  } catch (e) {
    problems.push(`threw ${e && e.stack ? e.stack : e}`);
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${name}: ${v.description || ''}\n  - ${problems.join('\n  - ')}`);
  } else {
    if (!quiet) console.log(`ok   ${name} (${v.expected})`);
  }
}
// A browser without WebCrypto Ed25519 must say it cannot check, never "valid".
const firstValid = vectors.find(([, v]) => v.expected === 'valid' && typeof v.link === 'string');
if (firstValid) {
  const [name, v] = firstValid;
  const noEd25519 = {
    digest: (...a) => subtle.digest(...a),
    importKey: () => Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError')),
    verify: () => Promise.reject(new Error('unreachable')),
  };
  const r = await V.verify(v.link, await trustFrom(v), noEd25519, { link: true });
  if (r.verdict !== 'unsupported' || r.signer !== null) {
    failed++;
    console.log(`FAIL ${name} without Ed25519: verdict ${r.verdict}, expected unsupported`);
  } else if (!quiet) console.log(`ok   ${name} without Ed25519 (unsupported)`);
}

console.log(`${vectors.length - failed}/${vectors.length} vectors passed`);
process.exit(failed ? 1 : 0);

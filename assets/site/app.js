// iotlabel verifier page: reads the payload from location.hash, verifies it with
// IotlabelVerifier (verifier.js, inlined before this script) and renders the verdict
// and the declaration in the reader's language.
//
// Data comes from the JSON block #iotlabel-data that `iotlabel site` embeds: the
// trusted keys, every phrase catalogue and the page's own words. Untrusted text (the
// manufacturer and model from the payload) is only ever set with textContent.
//
// Language: ?lang=xx in the URL wins (so a link or test can force one, and the
// switcher keeps it across reloads), then navigator.languages, then the site's first
// language (English unless the site was written with --lang).
'use strict';

(function () {
  const V = IotlabelVerifier;
  const DATA = JSON.parse(document.getElementById('iotlabel-data').textContent);
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------ language

  const available = DATA.languages.map((l) => l.code);
  const base = (tag) => String(tag).split(/[-_]/)[0].toLowerCase();

  function pickLanguage() {
    const forced = new URLSearchParams(location.search).get('lang');
    if (forced && available.includes(base(forced))) return base(forced);
    const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (const tag of wanted) if (available.includes(base(tag))) return base(tag);
    return available[0];
  }

  let lang = pickLanguage();
  let result = null; // the last verification result

  // The page's own words: this language, falling back per key to the site's first.
  function t(key, vars) {
    const own = DATA.ui[lang] || {};
    let s = key in own ? own[key] : (DATA.ui[available[0]] || {})[key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split(`{${k}}`).join(v);
    return s;
  }

  const setText = (id, text) => {
    $(id).textContent = text;
  };

  // ------------------------------------------------------------ rendering

  function renderChrome() {
    document.documentElement.lang = lang;
    document.title = t('page_title');
    setText('paste-label', t('paste.label'));
    setText('paste-button', t('paste.button'));
    setText('tech-title', t('tech.title'));
    setText('keys-title', t('keys.title'));
    setText('privacy', t('privacy'));
    setText('not-official', t('not_official'));
    setText('lang-label', t('language'));
    for (const b of $('lang-switch').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    const keys = $('keys');
    keys.textContent = '';
    for (const k of DATA.keys) {
      const li = document.createElement('li');
      let line = `${k.name} — ${t('tech.kid').toLowerCase()} ${k.kid}`;
      if (k.valid_from || k.valid_until) line += ` — ${t('keys.period', { from: k.valid_from || '…', until: k.valid_until || '…' })}`;
      li.textContent = line;
      keys.appendChild(li);
    }
  }

  function techRow(list, term, value) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }

  // The day support ends are judged against: the device clock (local date), or the
  // fixed day a test site was generated with. Never taken from the link.
  function asOf() {
    if (typeof DATA.as_of === 'string') {
      const [year, month, day] = DATA.as_of.split('-').map(Number);
      return { year, month, day };
    }
    const now = new Date();
    return { year: now.getFullYear(), month: now.getMonth() + 1, day: now.getDate() };
  }

  let revealed = false; // the reader asked to see an unverified label's text
  let recordCheck = null; // the label's record, once fetched and checked
  let labelBytes = null; // the label's COSE bytes (the record is addressed by their hash)

  // Records live in records/ beside the page: strip a GS1 Digital Link tail
  // (/01/<GTIN-14>…) and index.html from the page's path, so …/v, …/v/ and
  // …/v/01/<GTIN> all find …/v/records/<address>.
  function pageDir() {
    let path = location.pathname.replace(/\/01\/\d{14}(\/.*)?$/, '').replace(/\/index\.html$/, '');
    if (!path.endsWith('/')) path += '/';
    return path;
  }
  const recordsUrl = (address) => `${pageDir()}records/${address}`;

  // Fetches and checks the label's record from this page's own origin: only the short
  // hash is in the request, never the payload. Offline, missing or refused: null.
  async function fetchRecord(subtle) {
    const address = await V.recordAddress(subtle, labelBytes);
    try {
      const resp = await fetch(recordsUrl(address), { credentials: 'omit', cache: 'no-cache', redirect: 'error', referrerPolicy: 'no-referrer' });
      if (!resp.ok) return null;
      return new Uint8Array(await resp.arrayBuffer());
    } catch (e) {
      return null;
    }
  }

  function renderRecord(c) {
    const status = $('record-status');
    const links = $('record-links');
    const facts = $('record-facts');
    links.textContent = '';
    facts.textContent = '';
    links.hidden = true;
    facts.hidden = true;
    if (recordCheck === null || recordCheck.verdict === 'pending') {
      status.hidden = true;
      return;
    }
    status.hidden = false;
    const rc = recordCheck;
    if (rc.record === null) {
      const ignored = rc.verdict !== 'missing';
      status.dataset.record = ignored ? 'ignored' : 'missing';
      status.dataset.status = '';
      status.textContent = ignored ? `${V.recordText(rc, c)} ${c['record.ignored']}` : V.recordText(rc, c);
      return;
    }
    const r = rc.record;
    status.dataset.record = 'valid';
    status.dataset.status = r.status;
    status.textContent = V.recordText(rc, c);
    // Only https: and mailto: links are ever made (the decoder refuses anything else).
    const link = (href, text) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = href;
      a.rel = 'noopener noreferrer';
      a.textContent = text;
      li.appendChild(a);
      links.appendChild(li);
    };
    if (r.details_url) link(r.details_url, c['record.details']);
    if (r.vulnerability_contact) link(r.vulnerability_contact, c['record.contact']);
    links.hidden = links.childElementCount === 0;
    const row = (term, value) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      facts.append(dt, dd);
    };
    if (r.firmware_version) row(c['record.firmware'], r.firmware_version);
    if (r.hardware_version) row(c['record.hardware'], r.hardware_version);
    // Notes are the manufacturer's own words, in the declaration's language.
    for (const [k, v] of Object.entries(r.notes)) row(k, v);
    facts.hidden = facts.childElementCount === 0;
  }

  function renderResult() {
    const box = $('verdict');
    const r = result;
    const verdict = r === null ? 'none' : r.verdict;
    box.dataset.verdict = verdict;
    const vars = { name: r && r.signer ? r.signer.name : '', kid: r && r.kid ? r.kid : '', maker: r && r.facts ? r.facts.manufacturer : '' };
    setText('verdict-title', t(`verdict.${verdict}.title`));
    setText('verdict-detail', t(`verdict.${verdict}.detail`, vars));
    $('paste').hidden = r !== null && verdict === 'valid';

    const tech = $('tech-list');
    tech.textContent = '';
    if (r !== null) {
      if (r.kid) techRow(tech, t('tech.kid'), r.kid);
      if (r.alg !== null) techRow(tech, t('tech.alg'), r.alg === -19 ? 'Ed25519 (-19)' : 'EdDSA (-8)');
      if (r.length) techRow(tech, t('tech.size'), t('tech.bytes', { n: String(r.length) }));
      if (r.error) techRow(tech, t('tech.error'), r.error);
    }

    const answer = $('answer');
    const section = $('declaration');
    const revealBox = $('reveal-box');
    if (r === null || r.facts === null) {
      answer.hidden = true;
      section.hidden = true;
      revealBox.hidden = true;
      box.dataset.good = 'true';
      return;
    }
    const c = DATA.phrases[lang];
    const s = V.summarize(r.facts, c);
    const extendedTo = recordCheck && recordCheck.record && recordCheck.record.extended_to;
    const today = V.todayStatus(r.facts, asOf(), extendedTo ? { year: Number(extendedTo.slice(0, 4)), month: Number(extendedTo.slice(5, 7)) } : null, c);
    const verified = verdict === 'valid';
    // Unverified facts (unknown key, another party's key, a browser that cannot
    // check) stay behind an explicit, greyed control until the reader asks.
    const show = verified || revealed;
    revealBox.hidden = verified;
    const unverified = $('unverified');
    unverified.hidden = verified;
    unverified.textContent = t('unverified');
    const reveal = $('reveal');
    reveal.hidden = revealed;
    reveal.textContent = t('reveal');
    answer.hidden = !show;
    section.hidden = !show;
    answer.classList.toggle('unverified-facts', !verified);
    section.classList.toggle('unverified-facts', !verified);
    // The answer first: does it get security updates, and until when, today.
    const todayEl = $('today');
    todayEl.textContent = today.text;
    todayEl.dataset.state = today.state;
    box.dataset.good = String(V.todayIsGood(today.state));
    section.dataset.lang = s.lang;
    setText('product', `${s.manufacturer} ${s.model}`);
    $('gtin').hidden = r.facts.gtin === null;
    setText('gtin', r.facts.gtin === null ? '' : `${t('gtin')} ${r.facts.gtin}`);
    // Today's line (above) is the live answer to "until when", so the page shows
    // neither the printed support line nor the A.3 statement that repeats it; for a
    // device without updates, today's line is the headline and A.3 says what it means.
    const headline = $('headline');
    headline.textContent = s.no_updates ? '' : s.headline;
    headline.hidden = s.no_updates;
    headline.dataset.noUpdates = String(s.no_updates);
    const standards = $('standards');
    standards.textContent = s.standards;
    standards.hidden = s.standards === '';
    renderRecord(c);
    const dl = $('statements');
    dl.textContent = '';
    for (const st of s.statements) {
      if (st.element === 'A3' && !s.no_updates) continue;
      const dt = document.createElement('dt');
      dt.textContent = st.label;
      dt.dataset.element = st.element;
      const dd = document.createElement('dd');
      dd.textContent = st.text;
      dd.dataset.element = st.element;
      dl.append(dt, dd);
    }
  }

  // The product list (when the site publishes records): shown when the page is opened
  // without a label, e.g. by typing the short URL printed under the QR code. Each entry
  // opens the same view as scanning that label.
  let products = null;

  function renderProducts() {
    const box = $('products');
    box.hidden = result !== null || products === null || products.length === 0;
    if (box.hidden) return;
    setText('products-title', t('products.title'));
    setText('products-search-label', t('products.search'));
    $('products-search').placeholder = t('products.search');
    const q = $('products-search').value.trim().toLowerCase();
    const list = $('products-list');
    list.textContent = '';
    for (const p of products) {
      const hay = `${p.manufacturer} ${p.model} ${p.gtin || ''}`.toLowerCase();
      if (q !== '' && !hay.includes(q)) continue;
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#${p.label}`;
      const name = document.createElement('span');
      name.textContent = `${p.manufacturer} ${p.model}`;
      a.appendChild(name);
      if (p.gtin) {
        const g = document.createElement('small');
        g.textContent = `${t('gtin')} ${p.gtin}`;
        a.appendChild(g);
      }
      li.appendChild(a);
      list.appendChild(li);
    }
  }

  async function loadProducts() {
    if (DATA.records !== true || products !== null) return;
    try {
      const resp = await fetch(`${pageDir()}records/products.json`, { credentials: 'omit', cache: 'no-cache', redirect: 'error', referrerPolicy: 'no-referrer' });
      const j = resp.ok ? await resp.json() : null;
      // Only base64url labels, so a link can never be anything but this page's fragment.
      products = j && Array.isArray(j.products) ? j.products.filter((p) => p && typeof p.label === 'string' && /^[A-Za-z0-9_-]+$/.test(p.label) && typeof p.model === 'string' && typeof p.manufacturer === 'string') : [];
    } catch (e) {
      products = [];
    }
  }

  function render() {
    renderChrome();
    renderResult();
    renderProducts();
  }

  // ------------------------------------------------------------ verification

  async function check() {
    // Fragments hold only digits or base64url; anything else fails in the decoder.
    const fragment = location.hash.replace(/^#/, '');
    if (fragment === '') {
      result = null;
      recordCheck = null;
      await loadProducts();
    } else {
      document.body.dataset.state = 'checking';
      const box = $('verdict');
      box.dataset.verdict = 'checking';
      setText('verdict-title', t('checking'));
      setText('verdict-detail', '');
      const subtle = globalThis.crypto && globalThis.crypto.subtle;
      if (!subtle) {
        // No WebCrypto at all (e.g. an insecure context): the page cannot check.
        const none = { importKey: () => Promise.reject(new TypeError('no WebCrypto')) };
        result = await V.verify(fragment, DATA.keys, none);
      } else {
        result = await V.verify(fragment, DATA.keys, subtle);
      }
      // A key vouches only for the manufacturers its keyset entry names.
      result = V.bindMaker(result);
      revealed = false;
      recordCheck = null;
      // The second layer: the label's record, when the site publishes records.
      if (DATA.records === true && result.facts !== null && subtle) {
        try {
          labelBytes = V.decodeFragment(fragment).bytes;
          recordCheck = { verdict: 'pending', record: null };
          render();
          const bytes = await fetchRecord(subtle);
          recordCheck = await V.verifyRecord(bytes, labelBytes, result.facts.manufacturer, DATA.keys, subtle);
        } catch (e) {
          recordCheck = { verdict: 'missing', record: null, signer: null, error: String(e) };
        }
      }
    }
    render();
    document.body.dataset.state = 'done';
  }

  // ------------------------------------------------------------ wiring

  for (const l of DATA.languages) {
    const b = document.createElement('button');
    b.type = 'button';
    b.lang = l.code;
    b.dataset.lang = l.code;
    // Short codes keep the switcher on one line on a phone; the full name is read out.
    b.textContent = l.code.toUpperCase();
    b.title = l.name;
    b.setAttribute('aria-label', l.name);
    b.addEventListener('click', () => {
      lang = l.code;
      // Keep the choice in the URL (not in a cookie); the fragment stays as it is.
      const url = new URL(location.href);
      url.searchParams.set('lang', lang);
      history.replaceState(null, '', url.href);
      render();
    });
    $('lang-switch').appendChild(b);
  }

  $('paste').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('paste-input').value.trim();
    const at = text.indexOf('#');
    location.hash = at >= 0 ? text.slice(at + 1) : text;
  });

  $('products-search').addEventListener('input', renderProducts);

  $('reveal').addEventListener('click', () => {
    revealed = true;
    render();
  });

  // Framed by another page (where no frame-ancestors header could be sent): show no
  // verdict a framing page could dress up, only a link that opens this page itself.
  let framed = false;
  try {
    framed = window.top !== window.self;
  } catch (e) {
    framed = true;
  }
  if (framed) {
    document.body.dataset.state = 'framed';
    const main = document.querySelector('main');
    main.textContent = '';
    const a = document.createElement('a');
    a.href = location.href;
    a.target = '_top';
    a.rel = 'noopener';
    a.textContent = t('framed');
    main.appendChild(a);
    return;
  }

  window.addEventListener('hashchange', check);
  render();
  check();

  // Offline: a service worker keeps a copy of this page (only over https). Registered
  // from and scoped to the page's own directory, also when the page is opened as …/v
  // or …/v/01/<GTIN> (a relative 'sw.js' would point outside the uploaded folder).
  if ('serviceWorker' in navigator && location.protocol === 'https:') {
    const dir = pageDir();
    navigator.serviceWorker.register(`${dir}sw.js`, { scope: dir }).catch(() => {});
  }
})();

// Checks Pathmark credentials with @digitalcredentials/verifier-core, an
// implementation Pathmark shares no code with (jsonld.js, its own
// eddsa-rdfc-2022 suite, its own status list code).
//
// Usage: node verify.mjs [--loopback-https-as-http] credential.json ...
// With the flag, https://127.0.0.1:PORT/... is fetched over plain HTTP, so a
// did:web issuer (resolved at https://HOST/.well-known/did.json) can be
// resolved against a test server on the loopback interface.
// Prints one JSON line per credential: {file, signature, revocation,
// expiration, schema, errors}. Offline: a request to a host other than the
// loopback interface fails before it leaves the process, except the 1EdTech
// JSON Schema, which is answered from the pinned copy in tests/data.

const { readFile } = await import('node:fs/promises');
const here = new URL('.', import.meta.url);
const PINNED = {
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json':
    new URL('../data/openbadges/ob_v3p0_achievementcredential_schema.json', here),
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const args = process.argv.slice(2);
const httpsAsHttp = args.includes('--loopback-https-as-http');
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  let href = typeof input === 'string' ? input : (input.url || String(input));
  if (httpsAsHttp && href.startsWith('https://127.0.0.1:')) {
    href = 'http://' + href.slice('https://'.length);
    input = typeof input === 'string' ? href : new Request(href, input);
  }
  if (PINNED[href]) {
    const body = await readFile(PINNED[href], 'utf8');
    return new Response(body, { headers: { 'content-type': 'application/json' } });
  }
  const url = new URL(href);
  if (!LOOPBACK.has(url.hostname)) {
    throw new Error(`offline verifier: refusing to fetch ${url.origin}`);
  }
  return realFetch(input, init);
};

const { verifyCredential } = await import('@digitalcredentials/verifier-core');

function step(result, id) {
  const entry = (result.log || []).find((e) => e.id === id);
  return entry ? entry.valid : null;
}

function schemaResult(result) {
  const info = result.additionalInformation || [];
  const entry = info.find((e) => e.id === 'schema_check') || info[0];
  if (!entry || !Array.isArray(entry.results)) return null;
  return entry.results.every((r) => r.result && r.result.valid);
}

for (const file of args.filter((a) => !a.startsWith('--'))) {
  const credential = JSON.parse(await readFile(file, 'utf8'));
  const result = await verifyCredential({ credential, knownDIDRegistries: [] });
  const errors = (result.errors || []).map((e) => `${e.name}: ${e.message}`);
  console.log(JSON.stringify({
    file,
    signature: step(result, 'valid_signature'),
    revocation: step(result, 'revocation_status'),
    expiration: step(result, 'expiration'),
    schema: schemaResult(result),
    errors,
  }));
}

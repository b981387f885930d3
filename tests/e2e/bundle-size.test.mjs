// The widget loads on every portal page, so what it ships is held to a budget.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const BUDGET_BROTLI_BYTES = 320 * 1024;
/** The loader is on every portal page, before anything else of the messenger. */
const LOADER = 'messenger-loader.js';
const LOADER_BUDGET_GZIP_BYTES = 5 * 1024;

test('release wasm + js compress to at most 320 KB with brotli', () => {
  const dist = process.env.MESSENGER_DIST;
  assert.ok(dist, 'run through `cargo xtask test bundle`: MESSENGER_DIST is not set');
  // The widget (loaded when first needed); the loader has its own budget below.
  const shipped = readdirSync(dist).filter((f) => (f.endsWith('.wasm') || f.endsWith('.js')) && f !== LOADER);
  assert.ok(shipped.some((f) => f.endsWith('.wasm')), `no .wasm in ${dist}`);
  assert.ok(shipped.some((f) => f.endsWith('.js')), `no .js in ${dist}`);
  let total = 0;
  for (const f of shipped) {
    const compressed = brotliCompressSync(readFileSync(join(dist, f)), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    });
    total += compressed.length;
  }
  console.log(`bundle: ${shipped.join(' + ')} = ${total} bytes brotli (budget ${BUDGET_BROTLI_BYTES})`);
  assert.ok(total <= BUDGET_BROTLI_BYTES, `${total} bytes brotli is over the ${BUDGET_BROTLI_BYTES} budget`);
});

test('the loader compresses to at most 5 KB with gzip -9', () => {
  const dist = process.env.MESSENGER_DIST;
  assert.ok(dist, 'run through `cargo xtask test bundle`: MESSENGER_DIST is not set');
  const bytes = readFileSync(join(dist, LOADER));
  const gzip = gzipSync(bytes, { level: 9 }).length;
  console.log(`loader: ${LOADER} = ${bytes.length} bytes raw, ${gzip} bytes gzip (budget ${LOADER_BUDGET_GZIP_BYTES})`);
  assert.ok(gzip <= LOADER_BUDGET_GZIP_BYTES, `${gzip} bytes gzip is over the ${LOADER_BUDGET_GZIP_BYTES} budget`);
});

test('the widget files have content-hashed names and precompressed copies; the loader names them', () => {
  const dist = process.env.MESSENGER_DIST;
  assert.ok(dist, 'MESSENGER_DIST is not set');
  const files = readdirSync(dist);
  const hashed = [
    /^messenger-widget-[0-9a-f]{16}\.js$/,
    /^messenger-widget-[0-9a-f]{16}_bg\.wasm$/,
    /^messenger-[0-9a-f]{16}\.css$/,
  ].map((re) => {
    const found = files.filter((f) => re.test(f));
    assert.equal(found.length, 1, `one file like ${re} in dist (found ${found})`);
    return found[0];
  });
  for (const name of hashed) {
    const digest = createHash('sha256').update(readFileSync(join(dist, name))).digest('hex');
    assert.ok(name.includes(`-${digest.slice(0, 16)}`), `${name} is named after its bytes (${digest.slice(0, 16)})`);
  }
  const loader = readFileSync(join(dist, LOADER), 'utf8');
  for (const name of hashed) assert.ok(loader.includes(name), `the loader names ${name}`);
  for (const name of [...hashed, LOADER, 'index.html']) {
    for (const ext of ['.br', '.gz']) assert.ok(files.includes(name + ext), `${name}${ext} is in dist`);
  }
});

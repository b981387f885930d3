// The widget loads on every portal page, so what it ships is held to a budget.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliCompressSync, constants } from 'node:zlib';

const BUDGET_BROTLI_BYTES = 320 * 1024;

test('release wasm + js compress to at most 320 KB with brotli', () => {
  const dist = process.env.MESSENGER_DIST;
  assert.ok(dist, 'run through `cargo xtask test bundle`: MESSENGER_DIST is not set');
  const shipped = readdirSync(dist).filter((f) => f.endsWith('.wasm') || f.endsWith('.js'));
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

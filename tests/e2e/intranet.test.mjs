// The demo intranet (demo/intranet/, issue 10): a portal whose pages include only the loader
// and sign their user in with a token the portal's backend signs. Portal identity with
// tokens signed here as a portal would (node's crypto HMAC), the live badge on every page,
// the custom element, shutdown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PORTAL_SECRET, eventually, intranetArgs, intranetWithFixtures, launcher, portalToken,
  protocolClient, useServerAndBrowser,
} from './harness.mjs';

const dir = intranetWithFixtures('intranet');
const env = useServerAndBrowser('intranet', { args: intranetArgs(dir) });

async function portalLogin(token) {
  const r = await fetch(`${env.server.url}/api/portal-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return { status: r.status, body: await r.json() };
}

/** A browser signed in to the intranet as `user` (the intranet's cookie, no messenger password). */
async function intranetUser(user) {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.addInitScript(() => {
    addEventListener('messenger:unread', (e) => { window.lastUnread = e.detail; });
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${user}] page error: ${err.message}`));
  await page.goto(`${env.server.url}/intranet/sign-in?user=${user}`);
  assert.equal(new URL(page.url()).pathname, '/intranet/', 'signing in lands on the news page');
  return { context, page };
}

async function send(from, to, text) {
  const client = await protocolClient(env.server.url, from);
  try {
    const other = client.welcome.users.find((u) => u.username === to).id;
    const { conversation } = await client.cmd({ type: 'open_direct', user_id: other });
    await client.cmd({ type: 'send_message', conversation_id: conversation.id, text });
  } finally {
    client.close();
  }
}

test('a portal-signed token signs in without a password; tampered, expired and replayed ones are refused', async () => {
  const claims = { sub: 'zoe', name: 'Zoe Portal', email: 'zoe@example.test', dept: ['Head office', 'Sales'] };
  const good = portalToken(claims);
  const ok = await portalLogin(good);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.ok(ok.body.token, 'a session token');

  const replayed = await portalLogin(good);
  assert.equal(replayed.status, 401);
  assert.equal(replayed.body.code, 'token_replayed');

  // The payload changed after signing (another user), the signature kept.
  const [h, , sig] = portalToken(claims).split('.');
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'alice', iat: 1, exp: 9e9, jti: 'x' })).toString('base64url');
  const tampered = await portalLogin(`${h}.${forged}.${sig}`);
  assert.equal(tampered.status, 401);
  assert.equal(tampered.body.code, 'token_invalid');

  const wrongKey = await portalLogin(portalToken(claims, `${PORTAL_SECRET}-not`));
  assert.equal(wrongKey.body.code, 'token_invalid');

  const now = Math.floor(Date.now() / 1000);
  const expired = await portalLogin(portalToken({ ...claims, iat: now - 400, exp: now - 100 }));
  assert.equal(expired.status, 401);
  assert.equal(expired.body.code, 'token_expired');

  // Through the loader: the page hands the JWT to boot; the widget opens signed in as Zoe.
  const context = await env.browser.newContext();
  const page = await context.newPage();
  try {
    const jwt = portalToken(claims);
    await page.goto(`${env.server.url}/intranet/page.html?${new URLSearchParams({ jwt, before: 'open', preload: 'now' })}`);
    await eventually(async () => assert.match(await page.getByTestId('me').textContent(), /Zoe Portal/));
    assert.equal(await page.getByTestId('login-password').count(), 0, 'no password asked');
  } finally {
    await context.close();
  }
});

test('the launcher badge is live on every intranet page and shows the count at once on the next', async () => {
  const alice = await intranetUser('alice');
  const { page } = alice;
  try {
    await launcher(page).waitFor();
    const badge = page.getByTestId('launcher-badge');
    const count = async () => ((await badge.isVisible()) ? Number(await badge.textContent()) : 0);
    const start = await eventually(() => page.evaluate(() => {
      if (!window.lastUnread) throw new Error('no count from the server yet');
      return window.lastUnread.total;
    }));
    assert.equal(await count(), start);

    await send('bob', 'alice', 'Intranet hello 1');
    await eventually(async () => assert.equal(await count(), start + 1));
    assert.match(await page.title(), new RegExp(`^\\(${start + 1}\\) News`));

    for (const [path, title] of [['people.html', 'People'], ['docs.html', 'Documents']]) {
      // Moving on: the new page shows the count as soon as the launcher is drawn, no zero first.
      await page.goto(`${env.server.url}/intranet/${path}`, { waitUntil: 'domcontentloaded' });
      const first = await page.evaluate(() => {
        const host = document.querySelector('mw-host');
        const b = host && host.shadowRoot.querySelector('[data-testid="launcher-badge"]');
        return b && !b.hidden ? b.textContent : '0';
      });
      assert.equal(first, String(start + 1), `${path}: the badge at DOMContentLoaded`);
      assert.match(await page.title(), new RegExp(`^\\(${start + 1}\\) ${title}`));
    }

    await send('bob', 'alice', 'Intranet hello 2');
    await eventually(async () => assert.equal(await count(), start + 2));
    assert.match(await page.title(), new RegExp(`^\\(${start + 2}\\) Documents`));
  } finally {
    await alice.context.close();
  }
});

test('<messenger-widget mode="inline"> fills its element, signed in through identity-url', async () => {
  const carol = await intranetUser('carol');
  const { page } = carol;
  try {
    await page.goto(`${env.server.url}/intranet/element.html`);
    await page.getByTestId('me').waitFor();
    const el = await page.locator('messenger-widget').boundingBox();
    const me = await page.getByTestId('me').boundingBox();
    assert.ok(me.x >= el.x && me.y >= el.y && me.x + me.width <= el.x + el.width + 1,
      `the widget is drawn inside its element: ${JSON.stringify({ el, me })}`);
    assert.equal(await launcher(page).count(), 0, 'inline mode has no launcher');
  } finally {
    await carol.context.close();
  }
});

test('shutdown signs out and leaves no session of the user in the browser', async () => {
  const dave = await intranetUser('dave');
  const { page } = dave;
  try {
    await launcher(page).click();
    await page.getByTestId('me').waitFor();
    await page.evaluate(() => {
      window.signedOut = false;
      addEventListener('messenger:signedOut', () => { window.signedOut = true; });
    });
    await page.evaluate(() => Messenger.push(['shutdown']));
    assert.equal(await page.evaluate(() => window.signedOut), true, 'messenger:signedOut before shutdown resolved');
    await launcher(page).waitFor({ state: 'detached' });
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => /^mw-session|messenger\.token/.test(k)));
    assert.deepEqual(left, []);
    assert.doesNotMatch(await page.title(), /^\(\d+\)/);
  } finally {
    await dave.context.close();
  }
});

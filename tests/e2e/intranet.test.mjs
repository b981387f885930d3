// The demo intranet (demo/intranet/, issue 10): a portal whose pages include only the loader
// and sign their user in with a token the portal's backend signs. Portal identity with
// tokens signed here as a portal would (node's crypto HMAC), the live badge on every page and
// what it counts (the loader's poll and the widget alike), the custom element, shutdown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PORTAL_SECRET, eventually, intranetArgs, intranetWithFixtures, launcher, passwordToken,
  portalToken, protocolClient, useServerAndBrowser, widgetRequests,
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

/**
 * A browser signed in to the intranet as `user` on the tests' portal page (page.html, booted
 * with the intranet's /intranet/token), with `query` (e.g. `preload`); `block` lists URL globs
 * the browser never reaches.
 */
async function portalPage(user, query, { block = [] } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
  for (const glob of block) await context.route(glob, (route) => route.abort());
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${user}] page error: ${err.message}`));
  // Signed in without opening the news page it redirects to (whose loader would load the
  // widget on idle and connect the user).
  const signIn = await context.request.get(`${env.server.url}/intranet/sign-in?user=${user}`, { maxRedirects: 0 });
  assert.equal(signIn.status(), 303);
  const requests = widgetRequests(page);
  await page.goto(`${env.server.url}/intranet/page.html?${new URLSearchParams({ identity: 'intranet', ...query })}`);
  await launcher(page).waitFor();
  return { context, page, requests };
}

/** The count the page's host has heard last (`unread` event), once it heard one. */
function heardTotal(page) {
  return eventually(() => page.evaluate(() => {
    if (!window.lastUnread) throw new Error('no unread count yet');
    return window.lastUnread.total;
  }));
}

/** What the badge shows (0 when hidden) and the title, as the user sees them. */
async function shown(page) {
  const badge = page.getByTestId('launcher-badge');
  return { badge: (await badge.isVisible()) ? Number(await badge.textContent()) : 0, title: await page.title() };
}

const titled = (n, title = 'Loader test') => (n ? `(${n}) ${title}` : title);

/** Whether `user` has a live connection (a widget) as another user sees it. */
async function presenceOf(user) {
  const client = await protocolClient(env.server.url, 'dave');
  try {
    return client.welcome.users.find((u) => u.username === user).presence;
  } finally {
    client.close();
  }
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
    // The first count the page hears is a counted one (the server's or the widget's): a
    // browser with nothing remembered hears no 0 before it (that 0 was this test's flake).
    const start = await eventually(() => page.evaluate(() => {
      if (!window.lastUnread) throw new Error('no count from the server yet');
      return window.lastUnread.total;
    }));
    assert.equal(await count(), start);
    assert.equal(await page.title(), titled(start, 'News · Northwind Intranet'));

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

test('with nothing remembered, the page shows and tells no count until one is counted', async () => {
  // The first answer of /api/unread is held back, and the widget is not loaded (preload
  // open), so nothing can count meanwhile: the loader must not make up a 0.
  let release;
  const held = new Promise((r) => { release = r; });
  const context = await env.browser.newContext();
  await context.route('**/api/unread*', async (route) => {
    await held;
    await route.continue();
  });
  const page = await context.newPage();
  try {
    await context.request.get(`${env.server.url}/intranet/sign-in?user=alice`, { maxRedirects: 0 });
    await page.goto(`${env.server.url}/intranet/page.html?identity=intranet&preload=open`);
    await launcher(page).waitFor();
    await eventually(async () => assert.ok(
      await page.evaluate(() => !!localStorage.getItem(`mw-session:${location.origin}:alice`)),
      'signed in, asking for the count',
    ));
    assert.deepEqual(await page.evaluate(() => window.hostEvents.filter((e) => e.name === 'unread')), []);
    assert.deepEqual(await shown(page), { badge: 0, title: titled(0) });

    release();
    const r = await fetch(`${env.server.url}/api/unread`, {
      headers: { Authorization: `Bearer ${await passwordToken(env.server.url, 'alice')}` },
    });
    const counted = await r.json();
    assert.ok(counted.messages > 0, 'alice has unread messages (the demo greeting at least)');
    const heard = await heardTotal(page);
    assert.equal(heard, counted.messages + counted.notifications);
    const first = await page.evaluate(() => window.hostEvents.find((e) => e.name === 'unread').detail.total);
    assert.equal(first, heard, 'the first count told is the counted one');
    assert.deepEqual(await shown(page), { badge: heard, title: titled(heard) });
  } finally {
    await context.close();
  }
});

test('one message adds one to the badge and the title, counted by the poll or by the widget alike', async () => {
  // Alice's browser A never loads the widget: only the loader's poll counts there. Browser B
  // cannot reach /api/unread: only its widget counts there. Erin's direct chat with alice
  // does not exist before her first message; carol's is opened while B's widget is connected.
  const polled = await portalPage('alice', { preload: 'open' });
  let live;
  try {
    const start = await heardTotal(polled.page);
    assert.deepEqual(await shown(polled.page), { badge: start, title: titled(start) });
    // The earlier tests' widgets of alice are gone with their browsers.
    await eventually(async () => assert.equal(await presenceOf('alice'), 'offline', 'no widget of alice is connected'));

    // Before any widget of alice is connected: a new conversation and its first message.
    await send('erin', 'alice', 'Before your widget connects');
    await eventually(async () => assert.deepEqual(await shown(polled.page), { badge: start + 1, title: titled(start + 1) }));

    // B's widget connects after it: its count has that message once.
    live = await portalPage('alice', { preload: 'now' }, { block: ['**/api/unread*'] });
    await eventually(async () => assert.equal(await presenceOf('alice'), 'online'));
    await eventually(async () => assert.deepEqual(await shown(live.page), { badge: start + 1, title: titled(start + 1) }));
    assert.equal(await heardTotal(live.page), start + 1);

    // With the widget connected: in the existing conversation, then in a new one.
    await send('erin', 'alice', 'While your widget is connected');
    for (const { page } of [live, polled]) {
      await eventually(async () => assert.deepEqual(await shown(page), { badge: start + 2, title: titled(start + 2) }));
    }
    await send('carol', 'alice', 'A new chat while your widget is connected');
    for (const { page } of [live, polled]) {
      await eventually(async () => assert.deepEqual(await shown(page), { badge: start + 3, title: titled(start + 3) }));
      assert.equal(await heardTotal(page), start + 3);
    }
    assert.deepEqual(polled.requests, [], 'browser A counted without the widget');
  } finally {
    await live?.context.close();
    await polled.context.close();
  }
});

test('a widget starting from its stored copy never takes the badge back to a count the poll passed', async () => {
  // Alice's widget stores its copy (count N); a message arrives while no page of hers is
  // open (N + 1). On the next page the poll counts N + 1 at once, while the widget restores
  // its copy (N) and its connection is held back: the badge, the title and the host's events
  // stay at N + 1 throughout, and the widget takes over once it has caught up.
  const first = await portalPage('alice', { preload: 'now' });
  const { context, page } = first;
  let release;
  const held = new Promise((r) => { release = r; });
  try {
    await eventually(async () => assert.equal(await presenceOf('alice'), 'online'));
    const rail = page.getByTestId('unread-counter').locator('.mw-nav-count');
    const start = await heardTotal(page);
    await eventually(async () => assert.equal(await rail.textContent(), String(start)));
    await page.goto('about:blank');
    await eventually(async () => assert.equal(await presenceOf('alice'), 'offline'));
    await send('bob', 'alice', 'While no page of yours was open');

    let connects = 0;
    await context.routeWebSocket('**/ws', async (ws) => {
      connects += 1;
      await held;
      ws.connectToServer();
    });
    // The widget loads on the click, after the poll has counted.
    await page.goto(`${env.server.url}/intranet/page.html?identity=intranet&preload=open`);
    await eventually(async () => assert.equal(await heardTotal(page), start + 1, 'the poll counted the new message'));
    await launcher(page).click();
    // The widget is up with its stored copy, not connected yet.
    await eventually(async () => assert.equal(await rail.textContent(), String(start)));
    // It connects after drawing its copy: the held socket is the reason it is not live.
    await eventually(() => assert.ok(connects >= 1, 'the widget tried to connect'));
    assert.deepEqual(await shown(page), { badge: start + 1, title: titled(start + 1) });

    release();
    await eventually(async () => assert.equal(await rail.textContent(), String(start + 1)));
    await eventually(async () => assert.equal(await presenceOf('alice'), 'online'));
    assert.deepEqual(await shown(page), { badge: start + 1, title: titled(start + 1) });
    const told = await page.evaluate(() => window.hostEvents.filter((e) => e.name === 'unread').map((e) => e.detail.total));
    // The page may first show the count this browser remembered (N), then the poll's.
    assert.equal(told.at(-1), start + 1);
    assert.ok(told.every((n, i) => i === 0 || n >= told[i - 1]), `the count never stepped back: ${told}`);
  } finally {
    release();
    await context.close();
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

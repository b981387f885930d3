// The chat timeline against the real server with a 10,000-message history: windowed rows,
// paging back with a steady view, day separators, the new-messages divider, jump to latest,
// live delivery and read state, and the typing indicator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  eventually, openChatWith, signIn, useServerAndBrowser,
} from './harness.mjs';

const HISTORY = 10_000;

const env = useServerAndBrowser('mw-e2e-timeline', { args: ['--demo-history', String(HISTORY)] });

const timeline = (page) => page.getByTestId('timeline');
const messages = (page) => page.getByTestId('message');
const stateOf = (page, text) => messages(page).filter({ hasText: text }).getByTestId('message-state');

/** Runs in the page: waits `n` animation frames. */
const FRAMES = `(n) => new Promise((done) => {
  const step = () => (--n <= 0 ? done() : requestAnimationFrame(step));
  requestAnimationFrame(step);
})`;

async function rowCounts(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="timeline"]');
    return {
      rows: el.querySelectorAll('li').length,
      messages: el.querySelectorAll('[data-testid="message"]').length,
      loaded: Number(el.dataset.rows),
    };
  });
}

/** Whether the element with this text is inside the timeline's visible area. */
async function inView(page, text) {
  return page.evaluate((text) => {
    const el = document.querySelector('[data-testid="timeline"]');
    const box = el.getBoundingClientRect();
    const row = [...el.querySelectorAll('[data-testid="message"]')].find((r) => r.textContent.includes(text));
    if (!row) return false;
    const r = row.getBoundingClientRect();
    return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  }, text);
}

test('a 10,000-message history: few DOM rows, steady paging back, separators, divider, jump to latest', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const { page } = alice;
  const newest = `History message ${HISTORY} of ${HISTORY} from Alice.`;

  const opened = Date.now();
  await openChatWith(page, 'bob');
  await eventually(async () => assert.ok(await inView(page, newest), 'newest message at the bottom'));
  console.log(`timeline: opening the ${HISTORY}-message chat showed its newest message after ${Date.now() - opened} ms`);

  // The divider sits right before the one message Alice had not read (from Bob).
  const divider = page.getByTestId('new-messages-divider');
  await divider.waitFor();
  const afterDivider = await divider.evaluate((d) => d.nextElementSibling?.textContent ?? '');
  assert.match(afterDivider, /History message 9999 of 10000 from Bob\./);
  assert.equal(await divider.count(), 1);

  // Day separators: scrolling up from the newest message reaches one naming its day.
  const day = await page.evaluate(async (frames) => {
    const wait = eval(frames);
    const el = document.querySelector('[data-testid="timeline"]');
    for (let i = 0; i < 40; i += 1) {
      const sep = [...el.querySelectorAll('[data-testid="day-separator"]')].at(-1);
      if (sep) {
        let next = sep.nextElementSibling;
        while (next && !next.querySelector('time')) next = next.nextElementSibling;
        return { label: sep.textContent, at: next?.querySelector('time')?.getAttribute('datetime') };
      }
      el.scrollTop -= 300;
      await wait(3);
    }
    return null;
  }, FRAMES);
  assert.ok(day, 'a day separator above the newest messages');
  const dayOf = (d) => new Date(d).toDateString();
  const yesterday = new Date();
  yesterday.setDate(yesterday.getDate() - 1);
  if (dayOf(day.at) === dayOf(Date.now())) assert.equal(day.label, 'Today');
  else if (dayOf(day.at) === dayOf(yesterday)) assert.equal(day.label, 'Yesterday');
  else assert.match(day.label, /\d/);

  let counts = await rowCounts(page);
  assert.ok(counts.rows <= 200, `rows in the DOM: ${counts.rows}`);

  // Page back: each time the view nears the top an older page loads, and the message
  // being looked at stays where it was.
  let checked = 0;
  for (let i = 0; i < 12; i += 1) {
    const before = await page.evaluate(async (frames) => {
      const wait = eval(frames);
      const el = document.querySelector('[data-testid="timeline"]');
      el.scrollTop = 1400;
      await wait(4);
      const box = el.getBoundingClientRect();
      const anchor = [...el.querySelectorAll('[data-testid="message"]')].find((r) => {
        const t = r.getBoundingClientRect().top;
        return t >= box.top + 420 && t < box.bottom - 80;
      });
      if (!anchor) return null;
      const loaded = Number(el.dataset.rows);
      // Well into the zone where older messages load (the first 1,000 px: a row measured
      // after the jump may have moved the view a few pixels); read the position before
      // anything reacts.
      el.scrollTop -= 500;
      return { id: anchor.dataset.messageId, top: anchor.getBoundingClientRect().top, loaded };
    }, FRAMES);
    assert.ok(before, 'a message row in view');
    await eventually(async () => {
      const { loaded } = await rowCounts(page);
      assert.ok(loaded > before.loaded, `older page loaded (${loaded})`);
    });
    const afterTop = await page.evaluate(async ({ frames, id }) => {
      await eval(frames)(4);
      const row = document.querySelector(`[data-testid="timeline"] [data-message-id="${id}"]`);
      return row ? row.getBoundingClientRect().top : null;
    }, { frames: FRAMES, id: before.id });
    assert.ok(afterTop !== null, 'the anchored message is still rendered');
    assert.ok(Math.abs(afterTop - before.top) <= 3,
      `message ${before.id} stayed in place: ${before.top} → ${afterTop}`);
    checked += 1;
    counts = await rowCounts(page);
    assert.ok(counts.rows <= 200, `rows in the DOM: ${counts.rows}`);
  }
  assert.equal(checked, 12);
  assert.ok(counts.loaded >= 50 * 13, `loaded ${counts.loaded}`);

  // Load a larger part of the history, then time scrolling through it.
  const loadStart = Date.now();
  while ((await rowCounts(page)).loaded < 3_000) {
    const loaded = (await rowCounts(page)).loaded;
    // After the previous page settled (it puts the view back on the anchored message).
    await page.evaluate(async (frames) => {
      await eval(frames)(3);
      document.querySelector('[data-testid="timeline"]').scrollTop = 0;
    }, FRAMES);
    await eventually(async () => assert.ok((await rowCounts(page)).loaded > loaded));
  }
  counts = await rowCounts(page);
  console.log(`timeline: ${counts.loaded} rows (messages and separators) in memory after ${Date.now() - loadStart} ms of paging; ${counts.rows} rows in the DOM`);
  assert.ok(counts.rows <= 200, `rows in the DOM: ${counts.rows}`);

  const frames = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid="timeline"]');
    const deltas = [];
    let max = 0;
    await new Promise((done) => {
      let last = performance.now();
      let n = 0;
      const step = (t) => {
        deltas.push(t - last);
        last = t;
        el.scrollTop += 250;
        max = Math.max(max, el.querySelectorAll('li').length);
        n += 1;
        if (n < 240) requestAnimationFrame(step); else done();
      };
      requestAnimationFrame(step);
    });
    deltas.shift();
    const avg = deltas.reduce((a, b) => a + b, 0) / deltas.length;
    return { avg, worst: Math.max(...deltas), maxRows: max, scrolled: el.scrollTop };
  });
  console.log(`timeline: scrolling 240 frames of 250 px: average frame ${frames.avg.toFixed(1)} ms, worst ${frames.worst.toFixed(1)} ms, at most ${frames.maxRows} rows`);
  assert.ok(frames.maxRows <= 200, `rows while scrolling: ${frames.maxRows}`);

  // Away from the bottom: the jump button brings the newest message back.
  await page.evaluate(() => { document.querySelector('[data-testid="timeline"]').scrollTop = 20_000; });
  const jump = page.getByTestId('jump-latest');
  await jump.waitFor();
  await jump.click();
  await eventually(async () => assert.ok(await inView(page, newest)));
  await eventually(async () => assert.ok(await jump.isHidden()));

  await alice.context.close();
});

test('delivery and read state live: a group counts readers, a direct message goes sent → delivered → read', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const conversation = (page, title) => page.locator('[data-testid="conversation"]').filter({ hasText: title });

  // The demo group: Dave's welcome is Alice's one unread line, under "New messages" and "Today".
  await conversation(alice.page, 'Engineering').click();
  await alice.page.getByTestId('chat-title').filter({ hasText: 'Engineering' }).waitFor();
  const divider = alice.page.getByTestId('new-messages-divider');
  await divider.waitFor();
  assert.match(await divider.evaluate((d) => d.nextElementSibling?.textContent ?? ''), /Welcome to the Engineering chat/);
  assert.equal(await alice.page.getByTestId('day-separator').first().textContent(), 'Today');

  const input = alice.page.getByTestId('compose-input');
  await input.fill('Build is green');
  await input.press('Enter');
  const groupState = stateOf(alice.page, 'Build is green');
  await eventually(async () => assert.equal(await groupState.textContent(), 'Read by 0 of 1'));
  assert.equal(await groupState.getAttribute('title'), 'Not yet read by: Dave Ivanov');

  const dave = await signIn(env.browser, env.server.url, 'dave');
  await conversation(dave.page, 'Engineering').click();
  await messages(dave.page).filter({ hasText: 'Build is green' }).waitFor();
  await eventually(async () => assert.equal(await groupState.textContent(), 'Read by 1 of 1'));
  assert.equal(await groupState.getAttribute('title'), 'Read by everyone');
  await dave.context.close();

  // Bob has not signed in yet: the message is stored, not delivered.
  await openChatWith(alice.page, 'bob');
  await input.fill('Are you around?');
  await input.press('Enter');
  const direct = messages(alice.page).filter({ hasText: 'Are you around?' });
  await eventually(async () => assert.equal(await direct.getAttribute('data-state'), 'sent'));
  assert.equal(await stateOf(alice.page, 'Are you around?').textContent(), 'Sent');

  const bob = await signIn(env.browser, env.server.url, 'bob');
  await eventually(async () => assert.equal(await direct.getAttribute('data-state'), 'delivered'));
  assert.equal(await stateOf(alice.page, 'Are you around?').textContent(), 'Delivered');
  await openChatWith(bob.page, 'alice');
  await eventually(async () => assert.equal(await direct.getAttribute('data-state'), 'read'));

  // After a reload the state comes from the conversation's member states at once.
  await alice.page.reload();
  await alice.page.getByTestId('me').waitFor();
  await openChatWith(alice.page, 'bob');
  await eventually(async () => assert.equal(
    await messages(alice.page).filter({ hasText: 'Are you around?' }).getAttribute('data-state'), 'read'));

  await alice.context.close();
  await bob.context.close();
});

test('Bob typing shows "Bob Nguyen is typing…" to Alice until it runs out or his message arrives', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const bob = await signIn(env.browser, env.server.url, 'bob');
  await openChatWith(alice.page, 'bob');
  await openChatWith(bob.page, 'alice');
  const typing = alice.page.getByTestId('typing');
  assert.equal(await typing.textContent(), '');

  const input = bob.page.getByTestId('compose-input');
  await input.pressSequentially('just a sec', { delay: 20 });
  await eventually(async () => assert.equal(await typing.textContent(), 'Bob Nguyen is typing…'));
  // No more typing: it goes away by itself after a few seconds.
  const shown = Date.now();
  await eventually(async () => assert.equal(await typing.textContent(), ''), { timeout: 9_000 });
  assert.ok(Date.now() - shown >= 2_000, 'it stayed up for a few seconds');

  // Typing again, then sending: the message replaces the indicator at once.
  await input.fill('');
  await input.pressSequentially('here I am', { delay: 20 });
  await eventually(async () => assert.equal(await typing.textContent(), 'Bob Nguyen is typing…'));
  await input.press('Enter');
  await messages(alice.page).filter({ hasText: 'here I am' }).waitFor();
  await eventually(async () => assert.equal(await typing.textContent(), ''), { timeout: 1_500 });

  await alice.context.close();
  await bob.context.close();
});

test('scrolling up a frame at a time is never undone, and older pages keep coming', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  await openChatWith(page, 'bob');
  await eventually(async () => assert.ok(await inView(page, `History message ${HISTORY} of ${HISTORY} from Alice.`)));
  const run = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid="timeline"]');
    const start = Number(el.dataset.rows);
    let undone = 0;
    for (let i = 0; i < 240; i += 1) {
      // A message in view: scrolling up by 200 px moves it 200 px down the screen.
      const box = el.getBoundingClientRect();
      const seen = [...el.querySelectorAll('[data-testid="message"]')]
        .find((r) => r.getBoundingClientRect().top >= box.top);
      const id = seen?.dataset.messageId;
      const before = seen?.getBoundingClientRect().top;
      el.scrollTop -= 200;
      const moved = el.scrollTop !== 0 || before !== undefined;
      await new Promise((done) => requestAnimationFrame(() => done()));
      const after = id && el.querySelector(`[data-message-id="${id}"]`)?.getBoundingClientRect().top;
      // At the top, waiting for the next page, there is nothing to scroll.
      if (moved && after !== undefined && after !== null && after - before < 100 && el.scrollTop > 0) undone += 1;
    }
    return { undone, start, end: Number(el.dataset.rows) };
  });
  console.log(`timeline: 240 frames of -200 px: ${run.undone} undone, rows ${run.start} → ${run.end}`);
  assert.ok(run.undone <= 2, `steps undone: ${run.undone}`);
  assert.ok(run.end >= run.start + 100, `older pages loaded: ${run.start} → ${run.end}`);
  await context.close();
});

test('paging back as fast as the view allows reaches the first message, even past the server\'s rate limit', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  await openChatWith(page, 'bob');
  await eventually(async () => assert.ok(await inView(page, `History message ${HISTORY} of ${HISTORY} from Alice.`)));
  // To the top every frame: each page comes in a frame or two, so the server's limit of 20
  // commands a second (burst 60) refuses some; a refused page must be asked for again.
  const run = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid="timeline"]');
    const t0 = performance.now();
    let last = Number(el.dataset.rows);
    let still = performance.now();
    while (performance.now() - t0 < 90_000 && performance.now() - still < 5_000) {
      el.scrollTop = 0;
      await new Promise((done) => requestAnimationFrame(() => done()));
      const rows = Number(el.dataset.rows);
      if (rows !== last) {
        last = rows;
        still = performance.now();
      }
      if (document.querySelector('[data-testid="load-older"]')?.closest('[hidden]')) {
        return { done: true, rows, ms: performance.now() - t0 };
      }
    }
    return { done: false, rows: last, ms: performance.now() - t0 };
  });
  console.log(`timeline: paged back to the first message: ${run.done}, ${run.rows} rows in ${Math.round(run.ms)} ms`);
  assert.ok(run.done, `stalled at ${run.rows} rows`);
  // The very first message is at the top.
  await eventually(async () => {
    await page.getByTestId('timeline').evaluate((el) => { el.scrollTop = 0; });
    assert.ok(await page.getByTestId('message')
      .filter({ hasText: `History message 1 of ${HISTORY} from` }).count() > 0);
  });
  await context.close();
});

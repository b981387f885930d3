// The interface in five languages against the real server: the browser's language picks the
// texts, the settings switch them at once and keep the choice, Russian and Polish counts take
// the plural form Intl's rules give, dates and times come from Intl, and the longest
// translations (Russian, Polish, Vietnamese) fit the widget at 360×640.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  eventually, openChatWith, sendDirect, signIn, useServerAndBrowser,
} from './harness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const catalog = (code) => JSON.parse(readFileSync(join(ROOT, 'locales', `${code}.json`), 'utf8'));
const TEXTS = Object.fromEntries(['en', 'fr', 'ru', 'vi', 'pl'].map((c) => [c, catalog(c)]));
// Screenshots of the chat per language, next to the other scratch files of this stage.
const SHOTS = join(process.env.TMPDIR || '/tmp', 'i18n-screenshots');

const env = useServerAndBrowser('mw-e2e-i18n', { args: ['--demo-history', '120'] });

/** The form of a plural text for `n`, as Intl's rules for `code` pick it. */
function plural(code, id, n) {
  const forms = TEXTS[code][id];
  const category = new Intl.PluralRules(code).select(n);
  return forms[category].replace('{count}', new Intl.NumberFormat(code).format(n));
}

async function rootLang(page) {
  return page.locator('.mw-root').getAttribute('lang');
}

test('the browser\'s language picks the interface\'s, from the sign-in form on', async () => {
  const context = await env.browser.newContext({ locale: 'ru-RU', viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  const ru = TEXTS.ru;
  await eventually(async () => assert.equal(
    await page.locator('.mw-login-title').textContent(), ru['login.title'],
  ));
  assert.equal(await rootLang(page), 'ru');
  assert.equal(await page.getByTestId('login-submit').textContent(), ru['login.submit']);
  await page.getByTestId('login-username').fill('alice');
  await page.getByTestId('login-password').fill('wrong');
  await page.getByTestId('login-submit').click();
  await eventually(async () => assert.equal(
    await page.getByTestId('login-error').textContent(), ru['login.rejected'],
  ));
  await page.getByTestId('login-password').fill('demo');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('me').waitFor();
  assert.equal(await page.getByTestId('settings-button').getAttribute('aria-label'), ru['rail.settings']);
  assert.equal(await page.getByTestId('contact-search').getAttribute('placeholder'), ru['people.search']);
  await openChatWith(page, 'carol');
  assert.equal(await page.getByTestId('compose-input').getAttribute('placeholder'), ru['compose.placeholder']);
  assert.equal(await page.getByTestId('compose-send').textContent(), ru['compose.send']);
  await page.getByTestId('compose-input').fill('Привет!');
  await page.getByTestId('compose-input').press('Enter');
  const mine = page.getByTestId('message').filter({ hasText: 'Привет!' });
  await mine.waitFor();
  // Today's separator, and the time as Intl writes it in Russian.
  await eventually(async () => assert.equal(
    await page.getByTestId('day-separator').last().textContent(), ru['day.today'],
  ));
  const time = mine.getByTestId('message-time');
  const expected = await time.evaluate((t) => new Intl.DateTimeFormat('ru', { hour: '2-digit', minute: '2-digit' })
    .format(new Date(t.getAttribute('datetime'))));
  assert.equal(await time.textContent(), expected);
  await context.close();
});

test('the settings switch the language at once, and the choice survives a reload', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'bob');
  const en = TEXTS.en;
  const pl = TEXTS.pl;
  assert.equal(await rootLang(page), 'en');
  await page.getByTestId('settings-button').click();
  assert.equal(await page.locator('.mw-navpanel-title').textContent(), en['settings.title']);
  const picker = page.getByTestId('settings-language');
  assert.deepEqual(
    await picker.locator('option').allTextContents(),
    ['English', 'Français', 'Русский', 'Tiếng Việt', 'Polski'],
  );
  await picker.selectOption('pl');
  await eventually(async () => assert.equal(
    await page.locator('.mw-navpanel-title').textContent(), pl['settings.title'],
  ));
  assert.equal(await rootLang(page), 'pl');
  assert.equal(await page.getByTestId('settings-button').getAttribute('aria-label'), pl['rail.settings']);
  assert.equal(await picker.inputValue(), 'pl');
  await page.reload();
  await page.getByTestId('me').waitFor();
  await eventually(async () => assert.equal(
    await page.getByTestId('settings-button').getAttribute('aria-label'), pl['rail.settings'],
  ));
  assert.equal(await rootLang(page), 'pl');
  // And back: English is built in, so it comes at once.
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-language').selectOption('en');
  await eventually(async () => assert.equal(
    await page.locator('.mw-navpanel-title').textContent(), en['settings.title'],
  ));
  await context.close();
});

for (const code of ['ru', 'pl']) {
  test(`${code}: "new messages" counts take the plural form of 1, 2–4 and 5+`, async () => {
    const reader = await signIn(env.browser, env.server.url, 'alice', 'demo', { locale: code });
    const writer = await signIn(env.browser, env.server.url, 'bob');
    const { page } = reader;
    await openChatWith(page, 'bob');
    const jump = page.getByTestId('jump-latest');
    // Away from the newest message, so arrivals are counted on the jump button. The chat
    // title shows before the history is drawn: scrolling a list not yet longer than the view
    // moved nothing, and the view stayed on the newest message (a CI flake).
    const timeline = page.getByTestId('timeline');
    await eventually(() => timeline.evaluate((el) => {
      if (el.scrollHeight <= el.clientHeight) throw new Error('the history is not drawn yet');
    }));
    await timeline.evaluate((el) => { el.scrollTop = 0; });
    await eventually(async () => assert.equal(await jump.isHidden(), false));
    let sent = 0;
    for (const total of [1, 2, 5]) {
      while (sent < total) {
        sent += 1;
        await sendDirect(writer.page, 'alice', `${code} count ${sent}`);
      }
      await eventually(async () => assert.equal(
        (await jump.textContent()).trim(), plural(code, 'timeline.new_count', total),
      ));
    }
    await reader.context.close();
    await writer.context.close();
  });
}

test('the longest translations fit at 360×640, and the chat is screenshot in ru and vi', async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const code of ['ru', 'pl', 'vi']) {
    const { context, page } = await signIn(env.browser, env.server.url, 'carol', 'demo', {
      viewport: { width: 360, height: 640 }, locale: code,
    });
    assert.equal(await rootLang(page), code);
    const overflow = () => page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const out = [];
      if (document.scrollingElement.scrollWidth > width) out.push(`page scrolls sideways: ${document.scrollingElement.scrollWidth}`);
      for (const el of document.querySelectorAll('.mw-root *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        // Inside a scrolled or clipped box it cannot push the widget wider.
        if (el.closest('.mw-tl-scroll, .mw-navpanel-body, .mw-list')) {
          if (r.right > width + 1 && getComputedStyle(el).position !== 'fixed') {
            const clip = el.parentElement && getComputedStyle(el.parentElement).overflowX;
            if (clip === 'visible') out.push(`${el.className || el.tagName}: ${Math.round(r.right)}`);
          }
          continue;
        }
        if (r.right > width + 1) out.push(`${el.className || el.tagName}: right ${Math.round(r.right)}`);
      }
      return out;
    });
    const screens = [
      ['list', async () => {}],
      ['chat', async () => { await openChatWith(page, 'alice'); }],
      ['channels', async () => { await page.getByTestId('chat-back').click(); await page.getByTestId('channels-counter').click(); }],
      ['notifications', async () => { await page.getByTestId('notifications-counter').click(); }],
      ['settings', async () => { await page.getByTestId('settings-button').click(); }],
    ];
    for (const [name, go] of screens) {
      await go();
      await page.waitForTimeout(150);
      assert.deepEqual(await overflow(), [], `${code} ${name}`);
      if (name === 'chat' && code !== 'pl') {
        const path = join(SHOTS, `chat-${code}-360x640.png`);
        await page.screenshot({ path });
        assert.ok(statSync(path).size > 10_000, `${path} has a picture`);
        console.log(`i18n: screenshot ${path}`);
      }
    }
    await context.close();
  }
});

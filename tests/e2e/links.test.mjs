// Links as a reader sees them: real-world messages sent through the reference server, read in
// Chromium with the widget's own styles. A link goes exactly where its text says; what could
// pass for another host says which host it really is; numbers that are not phone numbers stay
// text; bidi controls cannot reorder a link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openChatWith, sendDirect, signIn, useServerAndBrowser } from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-links');

/** What one message shows: its anchors (text, href, kind) and warnings, in order. */
async function shown(page, marker) {
  const row = page.getByTestId('message').filter({ hasText: marker }).last();
  await row.waitFor();
  return row.evaluate((el) => ({
    links: [...el.querySelectorAll('[data-testid="message-link"]')].map((a) => ({
      text: a.textContent,
      href: a.getAttribute('href'),
      kind: a.dataset.kind,
      dir: getComputedStyle(a).direction,
      bidi: getComputedStyle(a).unicodeBidi,
      target: a.getAttribute('target'),
      rel: a.getAttribute('rel'),
    })),
    warnings: [...el.querySelectorAll('[data-testid="link-warning"]')].map((w) => ({
      text: w.textContent,
      visible: w.getBoundingClientRect().width > 0,
    })),
    // Elements in the text besides the links and their warnings: markup would show here.
    strays: [...el.querySelectorAll('[data-testid="message-text"] *')]
      .filter((e) => e.dataset.testid !== 'message-link' && e.dataset.testid !== 'link-warning')
      .map((e) => e.tagName),
    text: el.querySelector('[data-testid="message-text"]').textContent,
  }));
}

const CASES = [
  {
    text: 'm1 The spec is at https://ru.wikipedia.org/wiki/Сообщение_(информатика)#История, see §2.',
    links: [['https://ru.wikipedia.org/wiki/Сообщение_(информатика)#История', 'web']],
  },
  {
    text: 'm2 Not a link: foohttps://evil.example/login nor www.example_ nor https://example_.com/x',
    links: [],
  },
  {
    text: 'm3 詳細は https://example.jp/資料/概要。明日までに確認してください。',
    links: [['https://example.jp/資料/概要', 'web']],
  },
  {
    text: "m4 Mail john.o'brien@example.com or sales+eu@example.co.uk today.",
    links: [["john.o'brien@example.com", 'email'], ['sales+eu@example.co.uk', 'email']],
  },
  {
    text: 'm5 Pi is 3.14159265, the total $1,234,567.00, version 1.2.3.4, server 192.168.1.1, due 27.11.2024.',
    links: [],
  },
  {
    text: 'm6 Call +7 (495) 123-45-67 or (415) 555-0100.',
    links: [['+7 (495) 123-45-67', 'phone', 'tel:+74951234567'], ['(415) 555-0100', 'phone', 'tel:4155550100']],
  },
  {
    text: 'm7 Log in at https://paypal.com@evil.example/login now',
    links: [['https://paypal.com@evil.example/login', 'web']],
    warnings: ['evil.example'],
  },
  {
    text: 'm8 Our new portal https://аррӏе.com/account',
    links: [['https://аррӏе.com/account', 'web']],
    warnings: ['xn--80ak6aa92e.com'],
  },
  {
    text: 'm9 Open \u202Ehttps://example.com/gpj.exe\u202C please',
    links: [['https://example.com/gpj.exe', 'web']],
  },
  {
    text: 'm10 javascript:alert(1) and data:text/html,<b>x</b> stay text; <img src=x onerror=alert(1)>',
    links: [],
  },
];

test('links go exactly where their text says, in real-world messages', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const bob = await signIn(env.browser, env.server.url, 'bob');
  try {
    await openChatWith(alice.page, 'bob');
    for (const c of CASES) {
      await sendDirect(bob.page, 'alice', c.text);
      const marker = c.text.split(' ')[0] + ' ';
      const got = await shown(alice.page, marker);
      assert.equal(got.links.length, c.links.length, `${c.text}: ${JSON.stringify(got.links)}`);
      c.links.forEach(([text, kind, href], i) => {
        const link = got.links[i];
        assert.equal(link.text, text, c.text);
        assert.equal(link.kind, kind, c.text);
        if (href) assert.equal(link.href, href, c.text);
        if (kind === 'web') assert.match(link.href, /^https?:\/\//);
        if (kind === 'email') assert.equal(link.href, `mailto:${text}`);
        // Isolated and left to right: nothing around it can reorder what it shows.
        assert.equal(link.dir, 'ltr');
        assert.equal(link.bidi, 'isolate');
        assert.equal(link.target, '_blank');
        assert.equal(link.rel, 'noopener noreferrer');
        assert.doesNotMatch(link.text, /[\u202A-\u202E\u2066-\u2069\u200E\u200F]/);
      });
      const warnings = c.warnings ?? [];
      assert.deepEqual(got.warnings.map((w) => w.text.replace(/^⚠\s*/, '')), warnings, c.text);
      for (const w of got.warnings) assert.ok(w.visible, 'the real host is visible');
      assert.deepEqual(got.strays, [], 'markup stays text');
    }
    const markup = await shown(alice.page, 'm10 ');
    assert.match(markup.text, /<img src=x onerror=alert\(1\)>/, 'shown as typed');
    // The IDN link's address is the host the browser will resolve.
    const idn = await shown(alice.page, 'm8 ');
    assert.equal(idn.links[0].href, 'https://xn--80ak6aa92e.com/account');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

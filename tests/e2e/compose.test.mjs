// The compose box against the real server: saved messages, canned replies, images (send,
// view, refuse), importance, the SMS counter and the send-key hint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import {
  eventually, openChatWith, signIn, waitOnline, useServerAndBrowser,
} from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-compose');

const messages = (page, text) => page.getByTestId('message').filter({ hasText: text });

/** How many `type` listeners the window has (through the DevTools protocol). */
async function windowListeners(page, type) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { result } = await cdp.send('Runtime.evaluate', { expression: 'window' });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
    return listeners.filter((l) => l.type === type).length;
  } finally {
    await cdp.detach();
  }
}

test('saved messages: save, insert, send, edit, delete, and they survive a reload', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  const input = page.getByTestId('compose-input');
  await openChatWith(page, 'carol');
  await eventually(async () => assert.match(await page.getByTestId('compose-hint').textContent(), /^Enter to send/));

  await input.pressSequentially('Standard greeting for Carol');
  await page.getByTestId('compose-saved-toggle').click();
  await page.getByTestId('saved-add').click();
  const items = page.getByTestId('panel-item');
  const itemText = (i) => items.nth(i).getByTestId('panel-item-text').textContent();
  await eventually(async () => assert.equal(await items.count(), 1));
  await input.fill('');
  await items.first().getByRole('button', { name: 'Insert' }).click();
  assert.equal(await input.inputValue(), 'Standard greeting for Carol');
  await input.press('Enter');
  await messages(page, 'Standard greeting for Carol').waitFor();
  assert.equal(await input.inputValue(), '');

  // Edit the entry; add a second one and delete it.
  await items.first().getByRole('button', { name: 'Edit' }).click();
  assert.equal(await page.getByTestId('panel-text').inputValue(), 'Standard greeting for Carol');
  await page.getByTestId('panel-text').fill('Edited greeting');
  await page.getByTestId('panel-save').click();
  await eventually(async () => assert.equal(await itemText(0), 'Edited greeting'));
  await input.pressSequentially('Throwaway');
  await page.getByTestId('saved-add').click();
  await eventually(async () => assert.equal(await items.count(), 2));
  await items.filter({ hasText: 'Throwaway' }).getByRole('button', { name: 'Delete' }).click();
  await eventually(async () => assert.equal(await items.count(), 1));
  await input.fill('');

  await page.waitForTimeout(300);
  await page.reload();
  await waitOnline(page);
  await openChatWith(page, 'carol');
  await page.getByTestId('compose-saved-toggle').click();
  await eventually(async () => {
    assert.equal(await items.count(), 1);
    assert.equal(await itemText(0), 'Edited greeting');
  });
  await context.close();
});

test('canned replies: /tha offers the default, a new one can be added and picked', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  const input = page.getByTestId('compose-input');
  await openChatWith(page, 'dave');

  await input.pressSequentially('/tha');
  const suggestions = page.getByTestId('canned-suggestion');
  await eventually(async () => assert.equal(await suggestions.count(), 1));
  assert.match(await suggestions.first().textContent(), /^\/thanks/);
  await input.press('Enter'); // picks, does not send
  const reply = 'Thank you for your message, I will get back to you shortly.';
  assert.equal(await input.inputValue(), reply);
  await eventually(async () => assert.equal(await suggestions.count(), 0));
  await input.press('Enter');
  await messages(page, reply).waitFor();

  // Add one in the manager, then pick it with the mouse after some text.
  await page.getByTestId('compose-canned-toggle').click();
  const items = page.getByTestId('panel-item');
  await eventually(async () => assert.ok((await items.count()) >= 3, 'the defaults are listed'));
  await page.getByTestId('panel-shortcut').fill('two words');
  await page.getByTestId('panel-text').fill('I will be there in 10 minutes.');
  await page.getByTestId('panel-save').click();
  await eventually(async () => assert.match(await page.getByTestId('panel-error').textContent(), /one word/));
  await page.getByTestId('panel-shortcut').fill('/ETA');
  await page.getByTestId('panel-save').click();
  await items.filter({ hasText: '/eta I will be there in 10 minutes.' }).waitFor();
  // Edit a default, delete another.
  await items.filter({ hasText: '/meeting' }).getByRole('button', { name: 'Edit' }).click();
  assert.equal(await page.getByTestId('panel-shortcut').inputValue(), 'meeting');
  await page.getByTestId('panel-text').fill('In a meeting, back at 3.');
  await page.getByTestId('panel-save').click();
  await items.filter({ hasText: '/meeting In a meeting, back at 3.' }).waitFor();
  await items.filter({ hasText: '/received' }).getByRole('button', { name: 'Delete' }).click();
  await eventually(async () => assert.equal(await items.filter({ hasText: '/received' }).count(), 0));
  await input.pressSequentially('Hi Dave! /et');
  await suggestions.filter({ hasText: '/eta' }).click();
  assert.equal(await input.inputValue(), 'Hi Dave! I will be there in 10 minutes.');
  await input.press('Enter');
  await messages(page, 'Hi Dave! I will be there in 10 minutes.').waitFor();
  // Escape closes the popup and leaves the text alone.
  await input.pressSequentially('/tha');
  await eventually(async () => assert.equal(await suggestions.count(), 1));
  await input.press('Escape');
  await eventually(async () => assert.equal(await suggestions.count(), 0));
  assert.equal(await input.inputValue(), '/tha');
  await input.fill('');

  // The popup follows the caret, not only the typing: arrow keys and a moved selection
  // bring the suggestions of the shortcut at the caret back, moving away hides them.
  await input.pressSequentially('See /tha you');
  await eventually(async () => assert.equal(await suggestions.count(), 0));
  for (let i = 0; i < 4; i += 1) await input.press('ArrowLeft');
  await eventually(async () => assert.equal(await suggestions.count(), 1));
  assert.match(await suggestions.first().textContent(), /^\/thanks/);
  await input.press('End');
  await eventually(async () => assert.equal(await suggestions.count(), 0));
  await input.evaluate((t) => t.setSelectionRange(8, 8)); // as a click there would
  await eventually(async () => assert.equal(await suggestions.count(), 1));
  await input.press('Enter'); // picks the shortcut at the caret, keeps the rest
  assert.equal(await input.inputValue(), `See ${reply} you`);
  assert.equal(await messages(page, `See ${reply} you`).count(), 0, 'picking does not send');
  await input.fill('');

  // The manager's changes are stored.
  await page.waitForTimeout(300);
  await page.reload();
  await waitOnline(page);
  await openChatWith(page, 'dave');
  await input.pressSequentially('/');
  await eventually(async () => {
    const all = await suggestions.allTextContents();
    assert.ok(all.includes('/eta I will be there in 10 minutes.'), all.join(' | '));
    assert.ok(all.includes('/meeting In a meeting, back at 3.'), all.join(' | '));
    assert.ok(!all.some((t) => t.startsWith('/received')), all.join(' | '));
  });
  await context.close();
});

test('images: refused before upload, sent, shown to Bob as a thumbnail, opened full size', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const bob = await signIn(env.browser, env.server.url, 'bob');
  await openChatWith(alice.page, 'bob');
  const file = alice.page.getByTestId('compose-file');
  const error = alice.page.getByTestId('compose-error');
  const previews = alice.page.getByTestId('compose-attachment');

  // Too big, checked against limits.max_attachment_bytes before any upload.
  await file.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
  await eventually(async () => assert.match(await error.textContent(), /“huge\.png” is too big/));
  assert.equal(await previews.count(), 0);
  // Not an image.
  await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await eventually(async () => assert.match(await error.textContent(), /“notes\.txt” cannot be sent: only PNG, JPEG, GIF and WebP/));
  assert.equal(await previews.count(), 0);
  // Claims to be a PNG, is not: the server's refusal is shown.
  await file.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  await eventually(async () => assert.match(await error.textContent(), /^Upload refused: /));
  assert.equal(await previews.count(), 0);
  assert.equal(await alice.page.getByTestId('message').count(), 0, 'nothing was sent');

  const png = await alice.page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#d33';
    g.fillRect(0, 0, 64, 48);
    return c.toDataURL('image/png').split(',')[1];
  });
  await file.setInputFiles({ name: 'red box.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await alice.page.locator('[data-testid="compose-attachment"][data-state="ready"]').waitFor();
  assert.equal(await error.count(), 0, 'a new pick clears the last error');
  assert.equal(await previews.locator('img').getAttribute('alt'), 'red box.png');
  // Image only, no text.
  await alice.page.getByTestId('compose-send').click();
  await alice.page.getByTestId('message').getByTestId('attachment-thumb').waitFor();
  assert.equal(await previews.count(), 0);

  // Files are read with Bob's session token, never by a bare URL.
  const fileReads = [];
  bob.page.on('request', async (request) => {
    if (new URL(request.url()).pathname.startsWith('/files/')) {
      fileReads.push({ path: new URL(request.url()).pathname, auth: await request.headerValue('authorization') });
    }
  });
  await openChatWith(bob.page, 'alice');
  const thumb = bob.page.getByTestId('attachment-thumb');
  await thumb.waitFor();
  const img = thumb.locator('img');
  assert.equal(await img.getAttribute('width'), '64');
  assert.equal(await img.getAttribute('height'), '48');
  await eventually(async () => assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0)));
  assert.match(await img.getAttribute('src'), /^blob:/, 'shown from the fetched bytes');
  await eventually(async () => assert.ok(fileReads.length >= 1));
  assert.match(fileReads[0].path, /^\/files\/[0-9a-f]{32}\/thumb\.(jpg|png)$/);
  for (const read of fileReads) assert.match(read.auth ?? '', /^Bearer \S+$/, read.path);
  // The same file without the token, from the page: 401, nothing readable.
  const anonymous = await bob.page.evaluate(async (path) => {
    const r = await fetch(path);
    return { status: r.status, body: await r.json() };
  }, fileReads[0].path);
  assert.deepEqual([anonymous.status, anonymous.body.code], [401, 'unauthorized']);
  const pageErrors = [];
  bob.page.on('pageerror', (err) => pageErrors.push(err.message));
  const keydownBefore = await windowListeners(bob.page, 'keydown');
  const focusinBefore = await windowListeners(bob.page, 'focusin');
  await thumb.click();
  const viewer = bob.page.getByTestId('attachment-viewer');
  await viewer.waitFor();
  const full = bob.page.getByTestId('viewer-image');
  await eventually(async () => assert.equal(await full.evaluate((i) => i.naturalWidth), 64));
  assert.match(await full.getAttribute('src'), /^blob:/);
  assert.ok(fileReads.some((r) => /^\/files\/[0-9a-f]{32}\/red_box\.png$/.test(r.path) && r.auth), 'the original, with the token');
  const download = bob.page.getByTestId('viewer-download');
  assert.equal(await download.getAttribute('download'), 'red_box.png');
  assert.equal(await download.getAttribute('href'), await full.getAttribute('src'), 'Save keeps the fetched bytes');
  assert.equal(await bob.page.getByTestId('viewer-name').textContent(), 'red_box.png');
  assert.ok(await bob.page.getByTestId('viewer-close').evaluate((b) => b === document.activeElement));
  // Tab and Shift+Tab stay inside: Save and Close.
  const focused = () => bob.page.evaluate(() => document.activeElement?.dataset.testid);
  await bob.page.keyboard.press('Tab');
  assert.equal(await focused(), 'viewer-download');
  await bob.page.keyboard.press('Tab');
  assert.equal(await focused(), 'viewer-close');
  await bob.page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'viewer-download');
  assert.equal(await windowListeners(bob.page, 'keydown'), keydownBefore + 1, 'one key listener while open');
  await bob.page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  assert.ok(await thumb.evaluate((b) => b === document.activeElement), 'focus back on the thumbnail');
  // Nothing of the viewer stays registered: Escape and Tab after closing do nothing of its.
  assert.equal(await windowListeners(bob.page, 'keydown'), keydownBefore, 'key listener removed');
  assert.equal(await windowListeners(bob.page, 'focusin'), focusinBefore, 'focus listener removed');
  await bob.page.keyboard.press('Escape');
  await bob.page.keyboard.press('Tab');
  assert.notEqual(await focused(), 'attachment-thumb', 'Tab moves on from the thumbnail');
  assert.deepEqual(pageErrors, []);
  // A click on the backdrop closes it too.
  await thumb.click();
  await viewer.waitFor();
  await viewer.click({ position: { x: 5, y: 5 } });
  await viewer.waitFor({ state: 'detached' });
  assert.ok(await thumb.evaluate((b) => b === document.activeElement), 'focus back after a backdrop click');

  // A picture pasted into the box (a screenshot from the clipboard) is attached the same way.
  await alice.page.getByTestId('compose-input').evaluate(async (box, data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const clip = new DataTransfer();
    clip.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
    box.focus();
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clip, bubbles: true, cancelable: true }));
  }, png);
  await alice.page.locator('[data-testid="compose-attachment"][data-state="ready"]').waitFor();
  assert.equal(await previews.locator('img').getAttribute('alt'), 'pasted.png');
  await alice.page.getByTestId('compose-input').fill('pasted');
  await alice.page.getByTestId('compose-send').click();
  const pasted = bob.page.getByTestId('message').filter({ hasText: 'pasted' });
  await pasted.getByTestId('attachment-thumb').waitFor();

  await alice.context.close();
  await bob.context.close();
});

test('high importance reaches the receiver and resets after sending', async () => {
  const alice = await signIn(env.browser, env.server.url, 'alice');
  const erin = await signIn(env.browser, env.server.url, 'erin');
  await openChatWith(alice.page, 'erin');
  const toggle = alice.page.getByTestId('compose-importance');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  await alice.page.getByTestId('compose-input').pressSequentially('Server room is flooding');
  await alice.page.getByTestId('compose-input').press('Enter');
  await messages(alice.page, 'Server room is flooding').waitFor();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');

  // High importance interrupts the receiver with a dialog; opening it shows the message.
  const dialog = erin.page.getByTestId('notification-dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Server room is flooding/);
  await erin.page.getByTestId('notification-open').click();
  await dialog.waitFor({ state: 'detached' });
  const got = messages(erin.page, 'Server room is flooding');
  await got.waitFor();
  assert.equal(await got.getAttribute('data-importance'), 'high');

  await alice.page.getByTestId('compose-input').pressSequentially('all good now');
  await alice.page.getByTestId('compose-input').press('Enter');
  const normal = messages(erin.page, 'all good now');
  await normal.waitFor();
  assert.equal(await normal.getAttribute('data-importance'), null);
  await alice.context.close();
  await erin.context.close();
});

test('the SMS conversation counts characters and segments live', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  const input = page.getByTestId('compose-input');
  const counter = page.getByTestId('sms-counter');
  await openChatWith(page, 'bob');
  assert.equal(await counter.isVisible(), false, 'no counter in an ordinary chat');

  await page.getByTestId('conversation').filter({ hasText: 'SMS: Field team' }).click();
  await counter.waitFor({ state: 'visible' });
  await eventually(async () => assert.equal(await counter.textContent(), '0/160 · 0 SMS'));
  await input.pressSequentially('On my way');
  await eventually(async () => assert.equal(await counter.textContent(), '9/160 · 1 SMS'));
  await input.fill('x'.repeat(161));
  await eventually(async () => assert.equal(await counter.textContent(), '8/153 · 2 SMS'));
  await input.fill('Привет');
  await eventually(async () => assert.equal(await counter.textContent(), '6/70 · 1 SMS (Unicode)'));
  await input.press('Enter');
  await messages(page, 'Привет').waitFor();
  await eventually(async () => assert.equal(await counter.textContent(), '0/160 · 0 SMS'));
  await openChatWith(page, 'bob');
  await eventually(async () => assert.equal(await counter.isVisible(), false));
  await context.close();
});

test('a 360 px wide compose box keeps a usable textarea that grows with its text', async () => {
  const { context, page } = await signIn(env.browser, env.server.url, 'alice');
  const input = page.getByTestId('compose-input');
  const box = (locator) => locator.evaluate((e) => e.getBoundingClientRect().toJSON());
  const compose = page.locator('form.mw-compose');
  // Whatever width the page layout leaves the box (at 420×700 it once shrank the textarea
  // to one character), the textarea gets 200 px or its whole row: Send goes below it first.
  await page.setViewportSize({ width: 420, height: 700 });
  await openChatWith(page, 'carol');
  const row = await box(page.locator('.mw-compose-row'));
  const narrow = await box(input);
  assert.ok(narrow.width >= Math.min(200, row.width) - 0.5, `textarea ${narrow.width} px in a ${row.width} px row`);

  // At 360 px the widget shows the chat alone (the one-column layout).
  await page.setViewportSize({ width: 360, height: 640 });
  const form = await box(compose);
  assert.ok(form.width <= 360, `compose box ${form.width} px`);
  const area = await box(input);
  assert.ok(area.width >= 200, `the textarea is ${area.width} px wide`);
  // Send and every tool stay inside the box: they wrap, nothing overflows sideways.
  for (const id of ['compose-send', 'compose-importance', 'compose-saved-toggle', 'compose-canned-toggle', 'compose-hint']) {
    const b = await box(page.getByTestId(id));
    assert.ok(b.left >= form.left && b.right <= form.right + 0.5, `${id} inside: ${b.left}..${b.right} in ${form.left}..${form.right}`);
  }
  assert.ok(await compose.evaluate((f) => f.scrollWidth <= f.clientWidth), 'no sideways overflow');
  // With the replies panel open the textarea keeps its width, and the editor fits.
  await page.getByTestId('compose-canned-toggle').click();
  await page.getByTestId('panel-item').first().waitFor();
  assert.ok((await box(input)).width >= 200);
  for (const id of ['panel-shortcut', 'panel-text', 'panel-save']) {
    const b = await box(page.getByTestId(id));
    assert.ok(b.right <= form.right + 0.5, `${id} inside`);
  }
  assert.ok(await compose.evaluate((f) => f.scrollWidth <= f.clientWidth), 'no sideways overflow with the panel');
  await page.getByTestId('compose-canned-toggle').click();

  // The textarea grows with its lines up to a maximum, then scrolls.
  const oneLine = (await box(input)).height;
  await input.fill('one\ntwo\nthree');
  const threeLines = (await box(input)).height;
  assert.ok(threeLines > oneLine + 20, `grows: ${oneLine} -> ${threeLines}`);
  await input.fill(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
  const many = (await box(input)).height;
  assert.ok(many > threeLines && many <= 161, `capped: ${many}`);
  assert.ok(await input.evaluate((t) => t.scrollHeight > t.clientHeight), 'the rest scrolls');
  assert.ok((await box(input)).width >= 200, 'still wide with long text');
  await input.fill('');
  await context.close();
});

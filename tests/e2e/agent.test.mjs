// The contact center from an agent's seat: inbound SMS through the signed webhook, replies
// through the folder gateway, private notes, transfers refused and accepted, done with a
// disposition, and the inactivity timeout. The demo's agents are anna and bruno (Support).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  eventually, postInbound, signIn, tempDir, useServerAndBrowser,
} from './harness.mjs';

const SECRET = 'e2e-inbound-secret-0123456789abcdef';
const gateway = join(tempDir('mw-e2e-gateway'), 'outbound');
const env = useServerAndBrowser('mw-e2e-agent', {
  args: [
    '--inbound-secret', SECRET,
    '--gateway-dir', gateway,
    '--dispositions', 'resolved=Resolved,callback=Call back',
    '--require-disposition',
    '--session-timeout-secs', '9',
    '--session-warning-secs', '5',
  ],
});

const inbound = (message) => postInbound(env.server.url, SECRET, message);

/** What the gateway wrote so far: one JSON object per reply. */
function outbound() {
  let names = [];
  try {
    names = readdirSync(gateway).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(join(gateway, n), 'utf8')));
}

const row = (page, text) => page.getByTestId('conversation').filter({ hasText: text });
const systemLine = (page, text) => page.getByTestId('system-line').filter({ hasText: text });

// A one-pixel PNG, as an MMS image.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

test('an inbound SMS reaches the agent, who replies, notes and closes it with a disposition', async () => {
  const { context, page, errors } = await signIn(env.browser, env.server.url, 'anna');
  try {
    await inbound({ message_id: 'p-1', from: '+33612345678', text: "Bonjour, ma commande n'est pas arrivée", display_name: 'Mme Durand' });
    await inbound({
      message_id: 'p-2', from: '+33612345678', text: 'Voici la photo',
      media: [{ name: 'colis.png', mime: 'image/png', data: PIXEL }],
    });
    await row(page, 'Mme Durand').click();
    await page.getByTestId('chat-title').filter({ hasText: 'Mme Durand' }).waitFor();
    const desk = page.getByTestId('desk');
    await desk.waitFor();
    assert.equal(await page.getByTestId('desk-address').textContent(), '+33612345678');
    assert.equal(await page.getByTestId('desk-call').getAttribute('href'), 'tel:+33612345678');
    // The contact's words under the contact's name; the MMS image as a thumbnail.
    const fromContact = page.getByTestId('message').filter({ hasText: 'ma commande' });
    assert.equal((await fromContact.getByTestId('message-sender').textContent()).trim(), 'Mme Durand');
    await page.getByTestId('message').filter({ hasText: 'Voici la photo' }).getByTestId('attachment-thumb').waitFor();

    const input = page.getByTestId('compose-input');
    await input.fill('Hello, I am looking into your order.');
    await page.getByTestId('compose-send').click();
    await eventually(async () => assert.deepEqual(
      outbound().map((m) => [m.to, m.text]),
      [['+33612345678', 'Hello, I am looking into your order.']],
    ));

    // A private note: shown to agents as a note, never handed to the gateway.
    await page.getByTestId('compose-note').click();
    await input.fill('Client fidèle, geste commercial possible');
    await page.getByTestId('compose-send').click();
    const note = page.getByTestId('message').filter({ hasText: 'geste commercial' });
    await note.waitFor();
    assert.equal(await note.getAttribute('data-note'), 'true');
    await note.getByTestId('message-note').waitFor();
    await page.waitForTimeout(2500); // the gateway job runs every second
    assert.equal(outbound().length, 1, 'the note never reaches the contact');

    // Done needs a disposition here: the button waits for one.
    const done = page.getByTestId('desk-done');
    assert.ok(await done.isDisabled());
    await page.getByTestId('desk-disposition').selectOption('resolved');
    // The contact writes meanwhile (the bar is drawn again): the choice stays.
    await inbound({ message_id: 'p-3', from: '+33612345678', text: 'Merci beaucoup' });
    await page.getByTestId('message').filter({ hasText: 'Merci beaucoup' }).waitFor();
    assert.equal(await page.getByTestId('desk-disposition').inputValue(), 'resolved');
    await done.click();
    await eventually(async () => assert.equal(await page.getByTestId('desk-state').textContent(), 'Done: Resolved'));
    await systemLine(page, 'marked the conversation done: Resolved').waitFor();
    await page.getByTestId('compose-read-only').waitFor();
    assert.equal(await input.count(), 0, 'a done interaction takes no more replies');
    assert.deepEqual(errors, [], 'no error in the page');
  } finally {
    await context.close();
  }
});

test('a transfer the target refuses stays with the agent, who sees why; an accepted one moves', async () => {
  const a = await signIn(env.browser, env.server.url, 'anna');
  const b = await signIn(env.browser, env.server.url, 'bruno');
  try {
    await inbound({ message_id: 'p-10', from: '+33700000010', text: 'Besoin d’aide', display_name: 'M. Petit' });
    // Routed to one of the two: whoever shows it with the owner's actions.
    let owner;
    let other;
    await eventually(async () => {
      for (const [x, y] of [[a, b], [b, a]]) {
        if (await row(x.page, 'M. Petit').count()) {
          owner = x;
          other = y;
          return;
        }
      }
      throw new Error('not routed yet');
    });
    assert.equal(await row(other.page, 'M. Petit').count(), 0, 'only its agent sees it');
    await row(owner.page, 'M. Petit').click();
    const otherName = owner === a ? 'Bruno Costa' : 'Anna Lefèvre';
    const target = owner.page.getByTestId('desk-transfer-target');
    await target.selectOption({ label: otherName });
    await owner.page.getByTestId('desk-transfer').click();
    await eventually(async () => assert.match(
      await owner.page.getByTestId('desk-state').textContent(), new RegExp(`Offered to ${otherName}`),
    ));

    // The target sees the offer and refuses it, with a reason.
    await row(other.page, 'M. Petit').click();
    await other.page.getByTestId('desk-offer').waitFor();
    await other.page.getByTestId('desk-reason').fill('En ligne avec un client');
    await other.page.getByTestId('desk-refuse').click();
    await systemLine(owner.page, 'refused the conversation: En ligne avec un client').waitFor();
    await owner.page.getByTestId('desk-transfer').waitFor({ state: 'visible' });
    await eventually(async () => assert.equal(await row(other.page, 'M. Petit').count(), 0));

    // Offered again, accepted: it is the other agent's now, and the first one loses it.
    await target.selectOption({ label: otherName });
    await owner.page.getByTestId('desk-transfer').click();
    await row(other.page, 'M. Petit').click();
    await other.page.getByTestId('desk-accept').click();
    await other.page.getByTestId('desk-transfer').waitFor({ state: 'attached' });
    await other.page.getByTestId('compose-input').fill('I am taking over from here.');
    await other.page.getByTestId('compose-send').click();
    await eventually(async () => assert.ok(
      outbound().some((m) => m.to === '+33700000010' && m.text === 'I am taking over from here.'),
    ));
    await eventually(async () => assert.equal(await row(owner.page, 'M. Petit').count(), 0));
    // The open chat closed under both of them as the conversation moved: nothing broke.
    await owner.page.waitForTimeout(500);
    assert.deepEqual([...a.errors, ...b.errors], [], 'no error in either page');
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test('a silent session warns its agent, then closes by itself', async () => {
  const { context, page, errors } = await signIn(env.browser, env.server.url, 'anna');
  try {
    await inbound({ message_id: 'p-20', from: '+33700000020', text: 'Allô ?', display_name: 'Mme Roux' });
    // Whoever got it: bruno is offline, so anna (online agents first).
    await row(page, 'Mme Roux').click();
    await page.getByTestId('desk').waitFor();
    await page.getByTestId('desk-closes').waitFor({ state: 'visible', timeout: 20_000 });
    await systemLine(page, 'No activity').waitFor();
    await systemLine(page, 'closed after a period of inactivity').waitFor({ timeout: 20_000 });
    await eventually(async () => assert.equal(await page.getByTestId('desk-state').textContent(), 'Done'));
    assert.ok(await page.getByTestId('desk-closes').isHidden());
    assert.deepEqual(errors, [], 'no error in the page');
  } finally {
    await context.close();
  }
});

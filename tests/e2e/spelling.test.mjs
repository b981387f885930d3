// Spell check in the compose box: misspelled words are underlined, and a message with
// misspelled words waits for "send anyway" unless the user switched the warning off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  directHistory, eventually, openChatWith, signIn, useServerAndBrowser,
} from './harness.mjs';

const env = useServerAndBrowser('mw-e2e-spelling');

const sent = async (text) => (await directHistory(env.server.url, 'alice', 'bob'))
  .filter((t) => t === text).length;

test('a misspelled French message is underlined and raises the warning before it goes', async () => {
  // The interface (and so the dictionary) is French: the browser asks for French.
  const { context, page } = await signIn(env.browser, env.server.url, 'alice', 'demo', {
    locale: 'fr-FR', spellWarning: true,
  });
  try {
    await openChatWith(page, 'bob');
    const input = page.getByTestId('compose-input');
    const wrong = 'Bonjour, je vous envoie le documment';
    await input.pressSequentially(wrong);
    // Underlined once typing pauses: the marked word is exactly the misspelled one.
    await eventually(async () => assert.deepEqual(
      await page.getByTestId('misspelled').allTextContents(), ['documment'],
    ));

    await input.press('Enter');
    const warning = page.getByTestId('spell-warning');
    await warning.waitFor();
    assert.match(await warning.textContent(), /documment/);
    await page.waitForTimeout(500);
    assert.equal(await sent(wrong), 0, 'held until the user answers');
    assert.equal(await input.inputValue(), wrong, 'the text stays in the box');

    // "Correct": back to the text; once it is right, Enter sends at once.
    await page.getByTestId('spell-edit').click();
    await warning.waitFor({ state: 'hidden' });
    const right = 'Bonjour, je vous envoie le document';
    await input.fill(right);
    await input.press('Enter');
    await eventually(async () => assert.equal(await sent(right), 1));
    assert.equal(await warning.count(), 0);
    assert.equal(await input.inputValue(), '');

    // Enter straight after typing, before any check: the send waits for the check, warns.
    const quick = 'Il fait trés beau aujourd\'hui';
    await input.fill(quick);
    await input.press('Enter');
    await warning.waitFor();
    assert.match(await warning.textContent(), /trés/);
    await page.getByTestId('spell-send-anyway').click();
    await eventually(async () => assert.equal(await sent(quick), 1));
    assert.equal(await warning.count(), 0);

    // Switched off in the settings: a misspelled message goes without a question.
    await page.getByTestId('settings-button').click();
    const box = page.getByTestId('settings-warn-misspelled');
    await eventually(async () => assert.ok(await box.isChecked()));
    await box.uncheck();
    await eventually(async () => assert.ok(!(await box.isChecked())));
    await page.getByTestId('panel-back').click();
    await openChatWith(page, 'bob');
    const unasked = 'Encore un documment';
    await input.fill(unasked);
    await input.press('Enter');
    await eventually(async () => assert.equal(await sent(unasked), 1));
    assert.equal(await warning.count(), 0);
  } finally {
    await context.close();
  }
});

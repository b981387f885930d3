// Screenshots of the messenger for docs/screenshots/: `cargo xtask screenshots`.
// Not a test: it drives two real users against a fresh reference server so the pictures show
// the product as people see it, then writes PNGs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, launchBrowser, openChatWith, signIn, startServer, tempDir,
} from './harness.mjs';

const OUT = process.env.SCREENSHOT_DIR || join(process.cwd(), 'screenshots');
mkdirSync(OUT, { recursive: true });

const port = await freePort();
const server = await startServer({ port, db: join(tempDir('mw-shots'), 'messenger.sqlite3') });
const browser = await launchBrowser();
const shots = [];
async function shot(page, name) {
  const path = join(OUT, `${name}.png`);
  await page.waitForTimeout(300); // let transitions and images settle
  await page.screenshot({ path });
  shots.push(path);
}
const has = async (page, testId) => (await page.getByTestId(testId).count()) > 0;

try {
  const loginContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const login = await loginContext.newPage();
  await login.goto(server.url);
  await login.getByTestId('login-username').waitFor();
  await shot(login, '01-sign-in');
  await loginContext.close();

  const alice = await signIn(browser, server.url, 'alice');
  const bob = await signIn(browser, server.url, 'bob');
  const say = async (who, text) => {
    const input = who.page.getByTestId('compose-input');
    await input.fill(text);
    await input.press('Enter');
    await who.page.waitForTimeout(150);
  };

  await openChatWith(alice.page, 'bob');
  await openChatWith(bob.page, 'alice');
  await say(alice, 'Hi Bob! Did the customer sign the renewal?');
  await say(bob, 'Yes, this morning. The contract is on https://intranet.example.com/sales/renewals/2026');
  await say(alice, 'Great news. Can you call them at +33 1 23 45 67 89 to plan the onboarding?');
  await say(bob, 'Sure, I will call after lunch and send a summary to alice@example.com.');
  await say(alice, 'Thanks! <b>Bold</b> markup stays plain text, as it should.');
  await bob.page.getByTestId('compose-input').fill('Drafts are kept per conversation…');
  await shot(alice.page, '02-chat');
  await shot(bob.page, '03-chat-other-side');

  if (await has(alice.page, 'contact-search')) {
    await alice.page.getByTestId('contact-search').fill('an');
    await shot(alice.page, '04-contact-search');
    await alice.page.getByTestId('contact-search').fill('');
  }
  if (await has(alice.page, 'notifications-counter')) {
    await alice.page.getByTestId('notifications-counter').click();
    await shot(alice.page, '05-notifications');
  }
  await alice.context.close();
  await bob.context.close();
} finally {
  await browser.close();
  await server.stop();
}
for (const s of shots) console.log(`screenshot: ${s}`);

// Screenshots of the messenger for docs/screenshots/: `cargo xtask screenshots`.
// Not a test: it drives two real users against a fresh reference server so the pictures show
// the product as people see it, then writes PNGs.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort, intranetArgs, launchBrowser, launcher, openChatWith, postInbound, signIn, startServer,
  tempDir,
} from './harness.mjs';

const OUT = process.env.SCREENSHOT_DIR || join(process.cwd(), 'screenshots');
mkdirSync(OUT, { recursive: true });

const port = await freePort();
const intranet = join(dirname(fileURLToPath(import.meta.url)), '../../demo/intranet');
const INBOUND_SECRET = 'screenshots-inbound-secret-0123456789';
const server = await startServer({
  port,
  db: join(tempDir('mw-shots'), 'messenger.sqlite3'),
  args: [
    ...intranetArgs(intranet), '--inbound-secret', INBOUND_SECRET,
    '--gateway-dir', join(tempDir('mw-shots-gateway'), 'outbound'),
  ],
});
const browser = await launchBrowser();
const shots = [];
async function shot(page, name) {
  const path = join(OUT, `${name}.png`);
  await page.waitForTimeout(300); // let transitions and images settle
  await page.screenshot({ path });
  shots.push(path);
}

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
  // A picture drawn in the page, sent like a user would (file picker).
  const png = await bob.page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 480;
    c.height = 300;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, 480, 300);
    grad.addColorStop(0, '#2f6fed');
    grad.addColorStop(1, '#21b47a');
    g.fillStyle = grad;
    g.fillRect(0, 0, 480, 300);
    g.fillStyle = '#fff';
    g.font = 'bold 34px sans-serif';
    g.fillText('Q3 renewals: +18 %', 40, 160);
    return c.toDataURL('image/png').split(',')[1];
  });
  await bob.page.getByTestId('compose-file').setInputFiles({ name: 'renewals.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await bob.page.locator('[data-testid="compose-attachment"][data-state="ready"]').waitFor();
  await bob.page.getByTestId('compose-input').fill('Here is the chart for the meeting.');
  await bob.page.getByTestId('compose-send').click();
  await alice.page.getByTestId('attachment-thumb').first().waitFor();
  await say(alice, 'Thanks! <b>Bold</b> markup stays plain text, as it should.');
  await bob.page.getByTestId('compose-input').pressSequentially('I am typing a reply');
  await shot(alice.page, '02-chat');
  await bob.page.getByTestId('compose-input').fill('');
  await shot(bob.page, '03-chat-other-side');

  await alice.page.getByTestId('attachment-thumb').first().click();
  await shot(alice.page, '04-image-viewer');
  await alice.page.keyboard.press('Escape');

  // The compose box's helpers: canned replies offered by their shortcut.
  await alice.page.getByTestId('compose-input').pressSequentially('/tha');
  await shot(alice.page, '05-canned-reply');
  await alice.page.getByTestId('compose-input').fill('');

  await alice.page.getByTestId('contact-search').fill('an');
  await shot(alice.page, '06-contact-search');
  await alice.page.getByTestId('contact-search').fill('');

  // Bob interrupts Alice with something important: a dialog, then the notification center.
  await bob.page.getByTestId('compose-importance').click();
  await say(bob, 'The customer is on the phone now, can you join?');
  await alice.page.getByTestId('notification-dialog').waitFor();
  await shot(alice.page, '07-high-importance');
  await alice.page.getByTestId('notification-dismiss').click();
  await alice.page.getByTestId('notifications-counter').click();
  await shot(alice.page, '08-notifications');
  await alice.page.getByTestId('settings-button').click();
  await shot(alice.page, '09-settings');
  await alice.context.close();

  // The same conversation at the sizes a portal gives the widget: the list, the chat and
  // the settings at each.
  for (const viewport of [{ width: 360, height: 640 }, { width: 420, height: 700 }, { width: 1280, height: 800 }]) {
    const size = `${viewport.width}x${viewport.height}`;
    const small = await signIn(browser, server.url, 'alice', 'demo', { viewport });
    await shot(small.page, `size-${size}-1-list`);
    await openChatWith(small.page, 'bob');
    await small.page.getByTestId('attachment-thumb').first().waitFor();
    await shot(small.page, `size-${size}-2-chat`);
    if (viewport.width < 640) await small.page.getByTestId('chat-back').click();
    await small.page.getByTestId('settings-button').click();
    await shot(small.page, `size-${size}-3-settings`);
    await small.context.close();
  }

  // The same chat and settings in each interface language, picked by the browser's language
  // as a user's browser would (420×700, a portal's usual box).
  for (const locale of ['fr', 'ru', 'vi', 'pl']) {
    const viewport = { width: 420, height: 700 };
    const user = await signIn(browser, server.url, 'alice', 'demo', { viewport, locale });
    await openChatWith(user.page, 'bob');
    await user.page.getByTestId('attachment-thumb').first().waitFor();
    await shot(user.page, `lang-${locale}-1-chat`);
    await user.page.getByTestId('chat-back').click();
    await user.page.getByTestId('settings-button').click();
    await shot(user.page, `lang-${locale}-2-settings`);
    await user.context.close();
  }

  // The demo intranet: a portal page with the launcher and its badge, then the floating panel.
  const portal = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await portal.newPage();
  await page.goto(`${server.url}/intranet/sign-in?user=alice`);
  await say(bob, 'One more thing: the onboarding call is at 3 pm.');
  await page.getByTestId('launcher-badge').waitFor();
  await shot(page, 'intranet-1-launcher');
  await launcher(page).click();
  await page.getByTestId('me').waitFor();
  await shot(page, 'intranet-2-open');
  await portal.close();
  await bob.context.close();

  // An agent's seat: an SMS conversation with its contact bar, a reply, a private note.
  const anna = await signIn(browser, server.url, 'anna');
  await postInbound(server.url, INBOUND_SECRET, {
    message_id: 'shot-1', from: '+33612345678', display_name: 'Mme Durand',
    text: "Bonjour, ma commande 4471 n'est pas arrivée. Pouvez-vous vérifier ?",
  });
  await anna.page.getByTestId('conversation').filter({ hasText: 'Mme Durand' }).click();
  await anna.page.getByTestId('desk').waitFor();
  await say(anna, 'Hello, I am checking order 4471 with the carrier now.');
  await anna.page.getByTestId('compose-note').click();
  await say(anna, 'Second delay this month: offer free shipping next time.');
  await anna.page.getByTestId('desk-disposition').selectOption('resolved');
  await shot(anna.page, '11-agent-view');
  await anna.context.close();
} finally {
  await browser.close();
  await server.stop();
}
for (const s of shots) console.log(`screenshot: ${s}`);

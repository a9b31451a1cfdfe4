// The product's journey in the browser, as a business owner takes it: sign
// up → a conversation with the co-pilot → finish → the Brief, grounded in
// their words → a proposal accepted → a site from the Brief, with a photo
// uploaded from the browser → publish → the live site → a visitor's
// contact form → the lead on the board, live, with a toast → dragged to
// won → its follow-ups end. Everything goes through the shell's own
// controls; the API is only read, to confirm what the screen shows and
// what it cannot (the follow-up workflow's end).
//
// Screenshots: each stop as journey-NN-name.png (the whole page), and each
// app in use as app-name.png (one screen, as the README shows them).

import { responseTo } from './stack.mjs';

const password = 'correct horse battery';

// What the owner tells the co-pilot: who they are, a pasted voice note on
// what they sell, how to reach them and how they follow up (the rules
// engine of xentri dev reads each).
const conversation = [
  { text: "Hi, I'm Inês and I run Clay & Kiln, a pottery studio in Porto, Portugal. We opened in 2016 and there are 3 of us." },
  {
    voice: true,
    text: 'so um we teach wheel throwing classes and we sell handmade mugs and bowls, mostly to beginners and local cafés. we don\'t do wholesale',
  },
  { text: 'Email hello@claykiln.pt or call +351 912 000 111. Our goal is to fill every evening class.' },
  { text: 'We call back within a day, then after a week.' },
];

/**
 * journey runs the whole path in a fresh browser context against url.
 * check(ok, what) reports a finding without stopping; a missing element
 * throws (the rest depends on it), after a screenshot named "failed".
 */
export async function journey({ browser, url, shots, check }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  // Failed requests are checked one by one below; the browser's own line
  // for each ("Failed to load resource") says nothing more.
  page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  // Expected: 401s before signing up (the shell asks who is signed in),
  // and the Brief's 404 before the co-pilot wrote it.
  let signedIn = false;
  page.on('response', (r) => {
    const what = `${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`;
    if (r.status() < 400 || (r.status() === 401 && !signedIn) || what === '404 GET /api/v1/brief') return;
    errors.push(what);
  });
  let n = 0;
  const shot = (name) => page.screenshot({ path: `${shots}/journey-${String(++n).padStart(2, '0')}-${name}.png`, fullPage: true });
  // Each app as it looks in use, the size of a screen (the README's).
  // Earlier notices are dismissed first, as a person reading would have.
  const appShot = async (app, { keepToasts = false } = {}) => {
    const dismiss = page.getByRole('button', { name: 'Dismiss notification' });
    // A toast may also leave by itself (6 s) while we reach for it.
    while (!keepToasts && (await dismiss.count())) await dismiss.first().click({ timeout: 2000 }).catch(() => {});
    await page.screenshot({ path: `${shots}/app-${app}.png` });
  };
  const heading = () => page.locator('#outlet-title').textContent();
  const email = `owner-${Date.now()}@example.com`;
  // The API as the signed-in owner (the page's cookies), in their org.
  let orgId = '';
  const apiGet = async (path) => {
    if (!orgId) orgId = (await (await page.request.get(`${url}/api/v1/me`)).json()).data.orgs[0].id;
    const res = await page.request.get(`${url}${path}`, { headers: { 'x-org-id': orgId } });
    return { status: res.status(), body: await res.json() };
  };

  try {
    // Sign up in the shell; the home app is the co-pilot.
    await page.goto(`${url}/`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    const signup = page.locator('#view-signup');
    await signup.getByLabel('Email').fill(email);
    await signup.getByLabel('Password').fill(password);
    await signup.getByLabel('Business name').fill('Clay & Kiln');
    await signup.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${url}/co-pilot`);
    signedIn = true;
    check((await heading()) === 'Co-pilot', 'signed up, the co-pilot is the first app');

    // The conversation.
    const copilot = page.locator('.app-root[data-app="co-pilot"]');
    const box = copilot.getByRole('textbox');
    await box.waitFor();
    for (const [i, m] of conversation.entries()) {
      if (m.voice) await copilot.locator('label.cp-switch').click(); // the label, as a person clicks it
      await box.fill(m.text);
      await box.press('Enter');
      // The reply: the turn is no longer in flight, the box is free again.
      await copilot.locator('.cp-row--owner').nth(i).locator('.cp-owner-text').waitFor();
      await copilot.locator('.cp-row--owner.cp-row--replied').nth(i).waitFor({ timeout: 30_000 });
    }
    const marks = await copilot.locator('.cp-owner-text mark').allTextContents();
    check(marks.some((t) => t.includes('Clay & Kiln')) && marks.some((t) => t.includes('Porto')),
      `the reply highlights the facts in the owner's words (${marks.slice(0, 6).join(' | ')})`);
    const filled = await copilot.getByRole('progressbar', { name: 'Brief filled' }).getAttribute('aria-valuenow');
    check(Number(filled) >= 6, `the Brief forms beside the chat: ${filled} fields filled`);
    await shot('co-pilot');
    await appShot('co-pilot');

    // Finish: the co-pilot writes the Brief.
    await copilot.getByRole('button', { name: 'Finish', exact: true }).click();
    await copilot.getByRole('button', { name: 'Finish and write my Brief' }).click();
    await copilot.getByRole('heading', { name: /Your Brief is ready/ }).waitFor({ timeout: 60_000 });
    await shot('co-pilot-finished');
    await copilot.getByRole('link', { name: 'Open your Brief' }).click();
    await page.waitForURL(`${url}/brief`);

    // The Brief, grounded: hovering a value shows the quote it came from.
    const brief = page.locator('.app-root[data-app="brief"]');
    const name = brief.locator('.bf-value--sourced', { hasText: 'Clay & Kiln' }).first();
    await name.waitFor();
    await name.hover();
    const tip = brief.locator('.bf-tip:not([hidden])');
    await tip.waitFor();
    const quote = (await tip.locator('.bf-tip__quote').first().textContent()) ?? '';
    check(quote.includes('Clay & Kiln'), `the business name shows the owner's quote: “${quote}”`);
    const year = brief.locator('.bf-value--sourced', { hasText: '2016' });
    check((await year.count()) > 0, 'the founding year is in the Brief, with its source');
    await shot('brief');
    await appShot('brief');

    // A proposal: the owner typed the year wrong by hand; the co-pilot,
    // asked, proposes what they said, and they accept it.
    await brief.getByRole('button', { name: 'Edit Identity' }).click();
    const founded = brief.getByLabel('Year founded');
    await founded.fill('2015');
    await brief.getByRole('button', { name: 'Save', exact: true }).click();
    await brief.locator('.bf-value', { hasText: '2015' }).first().waitFor();
    await brief.getByRole('button', { name: 'Ask the co-pilot about Identity' }).click();
    await brief.getByRole('button', { name: 'Propose' }).click();
    await page.waitForURL(`${url}/brief/proposals`);
    const proposal = brief.locator('.bf-proposal').first();
    await proposal.waitFor();
    check(((await proposal.locator('.bf-proposed').allTextContents()).join(' ')).includes('2016'), 'the proposal brings back the year the owner said');
    await shot('brief-proposal');
    const accepted = responseTo(page, (r) => r.request().method() === 'POST' && /\/brief\/proposals\/[^/]+\/accept$/.test(r.url()));
    await proposal.getByRole('button', { name: /^Accept/ }).click();
    check((await accepted).status() === 200, `accepted (${(await accepted).status()})`);
    await brief.getByRole('tab', { name: 'Overview' }).or(brief.getByRole('link', { name: 'Overview' })).first().click();
    await brief.locator('.bf-value', { hasText: '2016' }).first().waitFor();
    const founded2 = (await apiGet('/api/v1/brief')).body.data?.data?.sections?.identity?.fields?.founded_year?.value;
    check(founded2 === 2016, `after accepting, the Brief says founded ${founded2}`);

    // The site, from the Brief, published.
    await page.locator('a[data-app="site"]').click();
    await page.waitForURL(`${url}/site`);
    const site = page.locator('.app-root[data-app="site"]');
    await site.getByRole('button', { name: 'Create my site from my Brief' }).click();
    await site.getByRole('button', { name: 'Publish', exact: true }).waitFor({ timeout: 30_000 });
    await shot('site');

    // A photo on the home page, uploaded from the browser straight to the
    // object store with the presigned POST (a PNG the browser draws).
    await site.getByRole('link', { name: 'Edit Home' }).click();
    const hero = site.getByRole('listitem', { name: /^Block 1 of \d+: Hero/ });
    const toggle = hero.locator('.st-block__toggle');
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await hero.getByRole('button', { name: 'Choose image' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose an image' });
    const photo = Buffer.from((await page.evaluate(drawPot)).split(',')[1], 'base64');
    const uploaded = responseTo(page, (r) => r.request().method() === 'POST' && /\/media\/[^/]+\/complete$/.test(r.url()));
    await picker.locator('input[type="file"]').setInputFiles({ name: 'wheel-room.png', mimeType: 'image/png', buffer: photo });
    check((await uploaded).ok(), `the upload went to the object store and was checked (${(await uploaded).status()})`);
    // A fresh upload is the one chosen: the picker closes with it in the field.
    await picker.waitFor({ state: 'hidden' });
    check(/^\/media\/[0-9a-f-]{36}$/.test(await hero.getByLabel('Image', { exact: true }).inputValue()), 'the photo is the hero image');
    await hero.getByLabel('Description for screen readers').fill('The wheel room at Clay & Kiln');
    const pageSaved = responseTo(page, (r) => r.request().method() === 'PUT' && /\/pages\/[^/]+$/.test(r.url()));
    await site.getByRole('button', { name: 'Save', exact: true }).click();
    check((await pageSaved).ok(), `the home page with its photo saved (${(await pageSaved).status()})`);
    await shot('site-editor');
    await appShot('site');
    await site.locator('.st-back').click();
    await site.getByRole('button', { name: 'Publish', exact: true }).click();
    const live = site.getByRole('link', { name: 'View the live site' });
    await live.waitFor({ timeout: 60_000 });
    await shot('site-published');
    const liveHref = new URL((await live.getAttribute('href')) ?? '', url).href;

    // The board, open before the visitor writes: the lead must arrive live.
    await page.locator('a[data-app="leads"]').click();
    await page.waitForURL(`${url}/leads`);
    const board = page.locator('.app-root[data-app="leads"] .leads-board');
    await board.waitFor();

    // A visitor, in a context of their own (no session), on the live site.
    const visitor = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const vpage = await visitor.newPage();
    const res = await vpage.goto(liveHref);
    check(res?.status() === 200, `the live site answers ${res?.status()} at ${liveHref}`);
    check(((await vpage.title()) ?? '').includes('Clay & Kiln'), `its title names the business: ${await vpage.title()}`);
    const img = vpage.locator('img[alt="The wheel room at Clay & Kiln"]');
    const drawn = await img.evaluate((el) => el.complete && el.naturalWidth).catch(() => 0);
    check(drawn === 320, `the uploaded photo is on the live home page (${drawn} px wide)`);
    await vpage.screenshot({ path: `${shots}/journey-${String(++n).padStart(2, '0')}-live-site.png`, fullPage: true });
    await vpage.getByRole('link', { name: /^Contact/ }).first().click();
    const form = vpage.locator('form.contact-form');
    await form.waitFor();
    await form.getByLabel(/Name/i).fill('Tomás Ferreira');
    await form.getByLabel(/Email/i).fill('tomas@example.test');
    await form.getByLabel(/Message/i).fill('Do you have a beginners class on Thursday evenings?');
    await form.getByRole('button', { name: /Send/i }).click();
    await vpage.waitForURL(/\?sent=1#contact-sent$/);
    const thanks = vpage.locator('#contact-sent');
    check((await thanks.isVisible()) && /Thank you/.test(await thanks.textContent()), 'the visitor is thanked on the page they wrote from');
    await vpage.screenshot({ path: `${shots}/journey-${String(++n).padStart(2, '0')}-contact-sent.png`, fullPage: true });
    await visitor.close();

    // The owner sees it without reloading: a toast and the card in New.
    await page.locator('.toast', { hasText: 'New lead: Tomás Ferreira' }).waitFor({ timeout: 20_000 });
    const card = board.locator('.lead-card', { hasText: 'Tomás Ferreira' });
    await card.waitFor({ timeout: 20_000 });
    const column = (status) => board.locator(`.leads-col--${status}`);
    check((await column('new').locator('.lead-card', { hasText: 'Tomás Ferreira' }).count()) === 1, 'the lead is in New');
    await shot('leads-new-lead');
    await appShot('leads', { keepToasts: true });

    // Drag it to won.
    const moved = responseTo(page, (r) => r.request().method() === 'POST' && /\/leads\/[^/]+\/status$/.test(r.url()));
    await card.dragTo(column('won'));
    await column('won').locator('.lead-card', { hasText: 'Tomás Ferreira' }).waitFor();
    check((await moved).status() === 200, `dragged to Won, the API took it (${(await moved).status()})`);

    // Its follow-ups end: the drawer says so, and the workflow completed.
    await column('won').locator('.lead-card__link', { hasText: 'Tomás Ferreira' }).click();
    const drawer = page.locator('.leads-drawer');
    await drawer.getByText('Follow-ups stopped: the lead was won.').waitFor({ timeout: 30_000 });
    check(true, 'the drawer says its follow-ups stopped');
    await shot('leads-won');
    const leadId = new URL(page.url()).pathname.split('/').pop();
    const wf = await apiGet(`/api/v1/workflows/${encodeURIComponent(`lead-followup/${leadId}`)}`);
    check(wf.body.data?.status === 'COMPLETED', `the lead-followup workflow is ${wf.body.data?.status} (${wf.status})`);

    // The other apps, as this owner sees them now.
    await page.keyboard.press('Escape'); // the lead's drawer
    await drawer.waitFor({ state: 'detached' });
    for (const app of ['notifications', 'runs', 'settings']) {
      await page.locator(`a[data-app="${app}"]`).click();
      await page.locator(`.app-root[data-app="${app}"] > *`).first().waitFor();
      await page.locator('.app-root .skeleton').first().waitFor({ state: 'detached' });
      await appShot(app);
    }

    check(errors.length === 0, errors.length ? `errors on the way: ${errors.join('; ')}` : 'no console error and no failed request on the way');
  } catch (err) {
    await shot('failed').catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

/** drawPot runs in the page: a 320×180 PNG of a pot on a warm ground, as a data: URL. */
function drawPot() {
  const c = document.createElement('canvas');
  c.width = 320;
  c.height = 180;
  const g = c.getContext('2d');
  const ground = g.createLinearGradient(0, 0, 320, 180);
  ground.addColorStop(0, '#f3e3d3');
  ground.addColorStop(1, '#d9a47c');
  g.fillStyle = ground;
  g.fillRect(0, 0, 320, 180);
  g.fillStyle = '#8a4b2a';
  g.beginPath();
  g.ellipse(160, 105, 58, 50, 0, 0, Math.PI * 2);
  g.fill();
  g.fillRect(128, 40, 64, 22);
  return c.toDataURL('image/png');
}

// The registrar's work in the pages: people (add, find, change), an
// application read and decided with the keyboard only, a revocation
// confirmed, and the dashboard of a register of 10,000 entries a page at a
// time. What a page does, the API shows the same.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, grant, person, society, today } from './support/seed.js';

let server;
let browser;
let seeded;

/** A register of `count` accredited leaders, as one CSV import. */
function registerCsv(count) {
  const rows = ['registration,family_name,given_name,title,public_listing,effective,action,tier,reason'];
  for (let i = 1; i <= count; i += 1) {
    const number = String(i).padStart(5, '0');
    rows.push(`BSANZ-${number},Imported${number},Leader,Dr,true,2020-01-15,grant,accredited-leader,Council decision`);
  }
  return `${rows.join('\n')}\n`;
}

before(async () => {
  server = await startServer();
  browser = await launch();
  seeded = await society(server.api);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page signed in as the registrar, on "My pages". */
async function registrarPage() {
  const page = await openPage(browser);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(seeded.registrarEmail);
  await page.getByLabel('Password').fill(PASSWORDS.get(seeded.registrarEmail));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
  return page;
}

/** Press Tab until the focused element matches `selector` (at most 100 times). */
async function tabTo(page, selector) {
  for (let i = 0; i < 100; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('a registrar adds a person, finds them and changes their record', async () => {
  let page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/dashboard`);
  await page.getByRole('navigation', { name: 'Registrar' }).getByRole('link', { name: 'People' }).click();
  await page.getByRole('heading', { level: 1, name: `People: ${SOCIETY.name}` }).waitFor();
  await page.getByRole('link', { name: 'Add a person' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a person' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-person-new');

  // A problem first: the family name is missing.
  await field(page, 'Given name').fill('Iris');
  await field(page, 'Email').fill('iris@example.org');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Add the person' }).click(),
  ]);
  assert.equal(refused.status(), 422);
  allowDocumentStatus(page, 422);
  await page.getByRole('alert').getByRole('link', { name: /Family name: is required/ }).waitFor();
  assert.equal(await field(page, 'Given name').inputValue(), 'Iris', 'what was typed is kept');
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-person-problems');

  // The form as sent back is sent again (the same address answers 303
  // this time, so the 422 above is checked on its own page).
  await page.close();
  page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/new`);
  await field(page, 'Given name').fill('Iris');
  await field(page, 'Email').fill('iris@example.org');
  await field(page, 'Title').fill('Dr');
  await field(page, 'Family name').fill('Lindqvist');
  await field(page, 'City').fill('Dunedin');
  await field(page, 'Entered the pathway on').fill('2023-03-01');
  await page.getByLabel('They consent to being listed on the public register').check();
  await page.getByRole('button', { name: 'Add the person' }).click();
  await page.getByRole('status').getByText('The person was added.').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Dr Iris Lindqvist' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-person');
  const id = new URL(page.url()).pathname.split('/').pop();

  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people?q=lindq`);
  await page.getByRole('row', { name: /Dr Iris Lindqvist.*iris@example\.org/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-people');
  await page.getByRole('link', { name: 'Dr Iris Lindqvist' }).click();
  await field(page, 'Region').fill('Otago');
  await page.getByRole('button', { name: 'Save the changes' }).click();
  await page.getByRole('status').getByText('The changes were saved.').waitFor();

  const record = await server.api.get(`/societies/${SOCIETY.slug}/people/${id}`, { token: seeded.registrar });
  assert.equal(record.region, 'Otago');
  assert.equal(record.public_listing, true);
});

test('a registrar reads an application and grants it with the keyboard only', async () => {
  const { api } = server;
  const noor = await person(api, seeded.registrar, { given_name: 'Noor', family_name: 'Haddad' });
  const application = await api.post(
    `/societies/${SOCIETY.slug}/people/${noor}/applications`,
    { tier: 'accredited-leader', override: { reason: 'Recognition of prior learning: led groups in Lebanon' } },
    { token: seeded.registrar },
  );
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/applications`);
  await page.getByRole('row', { name: /Noor Haddad.*Not eligible; override recorded.*Waiting for a decision/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-applications');

  // From here on, only the keyboard.
  await tabTo(page, `a[href$="/applications/${application.id}"]`);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /Noor Haddad: application for/ }).waitFor();
  await page.getByRole('heading', { name: 'The assessment when they applied' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-application');
  await tabTo(page, '#outcome-grant');
  await page.keyboard.press('Space');
  // The effective date is today unless changed.
  await tabTo(page, '#reason');
  await page.keyboard.type('Committee minute 4/2026');
  await tabTo(page, 'button[type="submit"]:not(.button-secondary)');
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText('The decision was recorded.').waitFor();
  await page.getByRole('heading', { name: 'The decision' }).waitFor();
  await assertPageIsSound(page);

  const answer = await api.get(`/societies/${SOCIETY.slug}/applications/${application.id}`, { token: seeded.registrar });
  assert.equal(answer.status, 'granted');
  assert.equal(answer.decision.effective, today());
  assert.match(answer.decision.registration, /^BSANZ-/);
});

test('a revocation asks for confirmation first', async () => {
  const { api } = server;
  const omar = await person(api, seeded.registrar, { given_name: 'Omar', family_name: 'Said' });
  const registration = await grant(api, seeded.registrar, omar, '2024-06-03');
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration}`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Change status' }) });
  assert.equal(await form.getByLabel('Show the reason publicly').isChecked(), false, 'confidential unless ticked');
  await field(form, 'Change').selectOption({ label: 'Revoke' });
  await field(form, 'Reason').fill('Struck off');
  await form.getByRole('button', { name: 'Change status' }).click();
  await page.getByRole('heading', { level: 1, name: `Revoke the accreditation of entry ${registration}?` }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-confirm-revoke');
  await page.getByRole('link', { name: 'No, go back to the entry' }).click();
  assert.match(await page.locator('dl').first().innerText(), /Status\s+Accredited/);
});

test('the dashboard of a register of 10,000 entries is a page at a time', async () => {
  const answer = await fetch(`${server.url}/api/v1/societies/${SOCIETY.slug}/register/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${seeded.registrar}`, 'content-type': 'text/csv' },
    body: registerCsv(10000),
  });
  assert.equal(answer.status, 200, await answer.text());
  const page = await registrarPage();
  const response = await page.goto(`${server.url}/societies/${SOCIETY.slug}/dashboard`);
  const html = await response.text();
  assert.ok(html.length < 200_000, `the dashboard is ${html.length} bytes`);
  await page.getByText(/Page 1 of \d+/).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-dashboard-large');
  await page.getByRole('link', { name: 'Next page' }).click();
  await page.getByText(/Page 2 of \d+/).waitFor();
});

test("the society's details and logo, set by its registrar, show on its public register", async () => {
  // A 1×1 PNG.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==',
    'base64',
  );
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/dashboard`);
  await page.getByRole('navigation', { name: 'Registrar' }).getByRole('link', { name: 'Society details' }).click();
  await page.getByRole('heading', { level: 1, name: `Society details: ${SOCIETY.name}` }).waitFor();
  await field(page, 'Contact email').fill('secretary@balint.org.au');
  await field(page, 'Website').fill('https://balint.org.au');
  await page.getByLabel(/^Logo/).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('button', { name: 'Save the details' }).click();
  await page.getByRole('status').getByText('The details were saved.').waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-society');

  const visitor = await openPage(browser);
  await visitor.goto(`${server.url}/societies/${SOCIETY.slug}/register`);
  const card = visitor.getByRole('complementary', { name: `About ${SOCIETY.name}` });
  await card.getByRole('link', { name: 'secretary@balint.org.au' }).waitFor();
  await card.getByRole('img', { name: `Logo of ${SOCIETY.name}` }).waitFor();
  assert.ok(await card.getByRole('img').evaluate((img) => img.complete && img.naturalWidth === 1), 'the logo loads');
  await assertPageIsSound(visitor);
  await screenshots(visitor, 'register-society-card');

  const profile = await server.api.get(`/societies/${SOCIETY.slug}/profile`);
  assert.equal(profile.contact_email, 'secretary@balint.org.au');
  assert.equal(profile.logo_url, `/societies/${SOCIETY.slug}/logo`);
});

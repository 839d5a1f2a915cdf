// The registrar's pages: the dashboard, and changing an entry's status on
// its page; the public sees the change (and only what is public of it).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, grant, person, society, today } from './support/seed.js';

let server;
let browser;
let registrarEmail;
const registration = {};

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  const seeded = await society(api);
  registrarEmail = seeded.registrarEmail;
  const ada = await person(api, seeded.registrar, { given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin' });
  const ben = await person(api, seeded.registrar, {
    given_name: 'Ben', family_name: 'Okafor', city: 'Auckland', entered_pathway_on: '2022-02-01',
  });
  registration.ada = await grant(api, seeded.registrar, ada, '2024-06-03');
  registration.ben = await grant(api, seeded.registrar, ben, '2023-02-01');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page signed in as the registrar, on "My pages". */
async function registrarPage() {
  const page = await openPage(browser);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(registrarEmail);
  await page.getByLabel('Password').fill(PASSWORDS.get(registrarEmail));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
  return page;
}

/** The status change form on an entry's page. */
function statusForm(page) {
  return page.locator('form', { has: page.getByRole('button', { name: 'Change status' }) });
}

test('a registrar suspends an entry and the public page shows it', async () => {
  const page = await registrarPage();
  await page.getByRole('link', { name: 'Registrar dashboard' }).click();
  await page.getByRole('heading', { level: 1, name: `Registrar dashboard: ${SOCIETY.name}` }).waitFor();
  const everyEntry = page.getByRole('table').last();
  await everyEntry.getByRole('row', { name: new RegExp(`Dr Ada Moreau \\(${registration.ada}\\).*Accredited`) }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'dashboard');

  await everyEntry.getByRole('link', { name: 'Dr Ada Moreau' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dr Ada Moreau' }).waitFor();
  await page.getByRole('heading', { name: 'Change the status' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'entry-registrar');

  const form = statusForm(page);
  await field(form, 'Change').selectOption({ label: 'Suspend' });
  await field(form, 'Effective date').fill(today());
  await field(form, 'Reason').fill('Under review by the ethics committee');
  await form.getByLabel('Show the reason publicly').check();
  await form.getByRole('button', { name: 'Change status' }).click();
  await page.getByRole('status').getByText('The status change was recorded.').waitFor();
  assert.match(await page.locator('dl').innerText(), /Status\s+Suspended/);
  await assertPageIsSound(page);

  // The public, in a browser that never signed in.
  const visitor = await openPage(browser);
  await visitor.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration.ada}`);
  await visitor.getByRole('heading', { level: 1, name: 'Dr Ada Moreau' }).waitFor();
  assert.match(await visitor.locator('dl').innerText(), /Status\s+Suspended/);
  await visitor.getByRole('row', { name: /Suspended.*Under review by the ethics committee/ }).waitFor();
  assert.equal(await visitor.getByRole('heading', { name: 'Change the status' }).count(), 0, 'the public gets no form');
  await assertPageIsSound(visitor);
  await screenshots(visitor, 'entry-suspended');

  await visitor.goto(`${server.url}/societies/${SOCIETY.slug}/register?q=Moreau`);
  await visitor.getByRole('row', { name: /Dr Ada Moreau.*Suspended/ }).waitFor();
  await visitor.goto(`${server.url}/verify/${SOCIETY.slug}/${registration.ada}`);
  await visitor.getByText(/was suspended, and not in good standing\.$/).waitFor();
  await assertPageIsSound(visitor);
});

test('a confidential reason stays with the registrar; the public sees only the new status', async () => {
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration.ben}`);
  const form = statusForm(page);
  await field(form, 'Change').selectOption({ label: 'Revoke' });
  await field(form, 'Effective date').fill(today());
  await field(form, 'Reason').fill('Complaint upheld by the council');
  await form.getByLabel('Show the reason publicly').uncheck();
  await form.getByRole('button', { name: 'Change status' }).click();
  // A revocation cannot be undone: the page asks first.
  await page.getByRole('button', { name: 'Yes, revoke' }).click();
  await page.getByRole('status').getByText('The status change was recorded.').waitFor();
  await page.getByRole('row', { name: /Complaint upheld by the council.*confidential/ }).waitFor();

  const visitor = await openPage(browser);
  await visitor.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration.ben}`);
  assert.match(await visitor.locator('dl').innerText(), /Status\s+Revoked/);
  await visitor.getByRole('row', { name: /Revoked.*Not published/ }).waitFor();
  assert.equal(await visitor.getByText('Complaint upheld').count(), 0, 'the confidential reason was shown');
  await assertPageIsSound(visitor);
});

test('a status change without a reason is sent back with the problem next to the field', async () => {
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration.ada}`);
  const statusBefore = /Status\s+(\S+)/.exec(await page.locator('dl').innerText())[1];
  const form = statusForm(page);
  await field(form, 'Change').selectOption({ label: 'Retire' });
  await field(form, 'Reason').fill('   ');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    form.getByRole('button', { name: 'Change status' }).click(),
  ]);
  assert.equal(response.status(), 422);
  allowDocumentStatus(page, 422);
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await summary.getByRole('link', { name: /Reason: Say why the status changes/ }).waitFor();
  // Next to the field, and announced with it.
  const reason = field(statusForm(page), 'Reason');
  assert.equal(await reason.getAttribute('aria-invalid'), 'true');
  const described = await reason.evaluate((el) =>
    el.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id)?.textContent).join(' '),
  );
  assert.match(described, /Say why the status changes/);
  // What was chosen is kept, and the entry did not change.
  assert.equal(await field(statusForm(page), 'Change').inputValue(), 'retire');
  assert.equal(/Status\s+(\S+)/.exec(await page.locator('dl').innerText())[1], statusBefore);
  await assertPageIsSound(page);
  await screenshots(page, 'entry-registrar-problem');
});

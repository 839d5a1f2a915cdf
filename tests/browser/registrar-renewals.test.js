// The registrar's renewals: the entries due, a renewal (by override when
// the requirements over the cycle are not met), and the lapse job, on a
// pathway with a yearly renewal cycle (the UK 2016 rules).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, createLogin, daysAgo, grant, person } from './support/seed.js';

let server;
let browser;
const seeded = {};

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  await api.post('/societies', SOCIETY, { token: admin });
  seeded.registrarEmail = 'registrar@bsanz.example.org';
  await createLogin(api, admin, { email: seeded.registrarEmail, role: 'registrar' });
  seeded.registrar = await api.login(seeded.registrarEmail, PASSWORDS.get(seeded.registrarEmail));
  await api.post(`/societies/${SOCIETY.slug}/pathway/adopt`, { preset: 'uk-2016' }, { token: seeded.registrar });
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

test('renewals due are renewed, and the lapse job runs from the page', async () => {
  const { api } = server;
  const rosa = await person(api, seeded.registrar, { given_name: 'Rosa', family_name: 'Ferreira', entered_pathway_on: '2022-01-10' });
  const registration = await grant(api, seeded.registrar, rosa, daysAgo(340));
  // A year's cycle and three months' grace long past: the lapse job's.
  const tom = await person(api, seeded.registrar, { given_name: 'Tom', family_name: 'Weir', entered_pathway_on: '2022-01-10' });
  const lapsing = await grant(api, seeded.registrar, tom, daysAgo(600));
  let page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/renewals`);
  const row = page.getByRole('row', { name: new RegExp(`Rosa Ferreira \\(${registration}\\)`) });
  await row.waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-renewals');
  await row.getByRole('link', { name: /Renew/ }).click();
  await page.getByRole('heading', { level: 1, name: `Renew Dr Rosa Ferreira (${registration})` }).waitFor();
  await field(page, 'Reason').fill('Annual renewal');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Renew' }).click(),
  ]);
  if (response.status() === 422) {
    // The pathway asks for evidence over the cycle: renew by override.
    allowDocumentStatus(page, 422);
    await page.getByRole('heading', { name: 'The renewal requirements are not met' }).waitFor();
    await assertPageIsSound(page);
    await screenshots(page, 'registrar-renewal-not-met');
    await field(page, 'Renew although the requirements are not met, because').fill('Evidence seen by the committee');
    await page.getByRole('button', { name: 'Renew' }).click();
  }
  await page.getByRole('status').getByText(`Entry ${registration} was renewed.`).waitFor();
  const entry = await api.get(`/societies/${SOCIETY.slug}/register/${registration}`, { token: seeded.registrar });
  assert.equal(entry.history.at(-1).action, 'renew');

  // A fresh page: the address above answered 422 and then 303.
  page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/renewals`);
  await page.getByRole('button', { name: 'Run the lapse job' }).click();
  await page.getByRole('heading', { level: 1, name: 'The lapse job ran' }).waitFor();
  await page.getByText('1 entry lapsed.').waitFor();
  await page.getByRole('link', { name: lapsing }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-lapse');
});


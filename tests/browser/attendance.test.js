// Attendance: a participant issues a certificate of attendance for a CPD
// scheme from her pages, anyone checks it by its code and prints it; the
// registrar follows a training programme's attendance.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, createLogin, person, society } from './support/seed.js';

const ADA = 'ada.participant@example.org';
const LENA = 'lena.leader@example.org';

let server;
let browser;
let ada;
let bob;
let lena;
let registrar;
let registrarEmail;

/** `sessions` 90-minute sessions led by Lena on `date`, confirmed. */
async function attended(api, personId, date, sessions, delivery, lenaToken) {
  const created = await api.post(
    `/societies/${SOCIETY.slug}/people/${personId}/activities`,
    { kind: 'participation', date, amount: sessions, unit: 'double_sessions', delivery, attestor: lena },
    { token: registrar },
  );
  await api.post(`/societies/${SOCIETY.slug}/activities/${created.id}/attestation`, { decision: 'confirm' }, { token: lenaToken });
}

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  ({ registrar, registrarEmail } = await society(api));
  ada = await person(api, registrar, { given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin' });
  bob = await person(api, registrar, { given_name: 'Bob', family_name: 'Tane', city: 'Auckland' });
  lena = await person(api, registrar, { given_name: 'Lena', family_name: 'Leader', city: 'Dunedin' });
  await createLogin(api, registrar, { email: ADA, person_id: ada });
  await createLogin(api, registrar, { email: LENA, person_id: lena });
  const lenaToken = await api.login(LENA, PASSWORDS.get(LENA));
  // 15 double sessions over seven months, five of them online.
  await attended(api, ada, '2025-01-14', 5, 'in_person', lenaToken);
  await attended(api, ada, '2025-04-15', 5, 'online', lenaToken);
  await attended(api, ada, '2025-08-12', 5, 'in_person', lenaToken);
  await attended(api, bob, '2025-02-11', 12, 'in_person', lenaToken);
  await api.post(
    `/societies/${SOCIETY.slug}/programmes`,
    { id: 'core-psych', name: 'Core psychiatry training, 2025 intake', sessions_required: 30, assessment_months: 6 },
    { token: registrar },
  );
  for (const trainee of [ada, bob]) {
    await api.post(
      `/societies/${SOCIETY.slug}/programmes/core-psych/trainees`,
      { person_id: trainee, joined_on: '2025-01-06' },
      { token: registrar },
    );
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, email) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORDS.get(email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
}

test('a participant issues a certificate that meets a CPD scheme, and anyone checks and prints it', async () => {
  let page = await openPage(browser);
  await signIn(page, ADA);
  await page.getByRole('link', { name: 'My certificates of attendance' }).click();
  await page.getByRole('heading', { level: 1, name: 'Certificates of attendance of Dr Ada Moreau' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'certificate-form');

  // A period that ends before it begins is refused next to its field.
  await field(page, 'From').fill('2025-12-31');
  await field(page, 'To').fill('2025-01-01');
  allowDocumentStatus(page, 422);
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Issue the certificate' }).click(),
  ]);
  assert.equal(refused.status(), 422);
  await page.getByRole('alert').getByText(/^To:/).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'certificate-form-problems');
  // The same address answers next: a fresh page, so the 422 above is not
  // mistaken for this answer's.
  const refusedUrl = page.url();
  await page.close();
  page = await openPage(browser);
  await signIn(page, ADA);
  await page.goto(refusedUrl);

  await field(page, 'From').fill('2025-01-01');
  await field(page, 'To').fill('2025-12-31');
  await page.getByLabel('CPD scheme').selectOption({ label: 'Basic psychosomatic care (Psychosomatische Grundversorgung): Balint group work' });
  await page.getByRole('button', { name: 'Issue the certificate' }).click();
  await page.getByRole('status').getByText('Certificate issued.').waitFor();
  await page.getByText(/It meets Basic psychosomatic care/).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'certificate-issued');

  const code = (await page.getByRole('table').locator('code').first().innerText()).trim();
  assert.match(code, /^([0-9A-F]{4}-){5}[0-9A-F]{4}$/);

  // Anyone, not signed in, checks the code on the site.
  const visitor = await openPage(browser);
  await visitor.goto(`${server.url}/certificates`);
  await visitor.getByRole('heading', { level: 1, name: 'Check a certificate of attendance' }).waitFor();
  await assertPageIsSound(visitor);
  await visitor.getByLabel('Verification code').fill(code.toLowerCase());
  await visitor.getByRole('button', { name: 'Check' }).click();
  await visitor.getByRole('heading', { level: 1, name: 'Certificate of attendance' }).waitFor();
  await visitor.getByText('Dr Ada Moreau', { exact: true }).waitFor();
  await visitor.getByText(/Meets Basic psychosomatic care/).waitFor();
  const table = visitor.getByRole('table', { name: 'Sessions attended and their hours' });
  await table.getByRole('row', { name: 'In person 10 15' }).waitFor();
  await table.getByRole('row', { name: 'Online 5 7.5' }).waitFor();
  await table.getByRole('row', { name: 'In all 15 22.5' }).waitFor();
  await visitor.getByText('Group leaders: Dr Lena Leader').waitFor();
  await assertPageIsSound(visitor);
  await screenshots(visitor, 'certificate');

  // Printed: the certificate alone, without the site's header or links.
  await visitor.emulateMedia({ media: 'print' });
  assert.equal(await visitor.locator('.site-header').isVisible(), false);
  assert.equal(await visitor.getByRole('link', { name: 'Download as PDF' }).isVisible(), false);
  assert.equal(await visitor.locator('article.certificate').isVisible(), true);
  await screenshots(visitor, 'certificate-print', { fitsPhone: false });
  await visitor.emulateMedia({ media: 'screen' });

  // The PDF is a download.
  const pdf = await visitor.request.get(`${server.url}/certificates/${code}/pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');

  // A changed code is not found, in words.
  const changed = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
  allowDocumentStatus(visitor, 404);
  await visitor.goto(`${server.url}/certificates/${changed}`);
  await visitor.getByRole('heading', { level: 1, name: 'No such certificate' }).waitFor();
  await assertPageIsSound(visitor);
});

test('the registrar follows a training programme\'s attendance', async () => {
  const page = await openPage(browser);
  await signIn(page, registrarEmail);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/programmes`);
  await page.getByRole('heading', { level: 1, name: /Training programmes/ }).waitFor();
  await assertPageIsSound(page);
  await page.getByRole('link', { name: 'Core psychiatry training, 2025 intake' }).click();
  await page.getByRole('heading', { level: 1, name: 'Core psychiatry training, 2025 intake' }).waitFor();
  const table = page.getByRole('table');
  await table.getByRole('row', { name: /Dr Ada Moreau .* 15 of 30/ }).waitFor();
  await table.getByRole('row', { name: /Dr Bob Tane .* 12 of 30/ }).waitFor();
  await page.getByRole('link', { name: 'Download as CSV' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'programme-attendance');
});

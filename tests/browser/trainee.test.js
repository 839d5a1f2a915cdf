// A trainee with a long ledger (150 records): her progress page folds what
// is met and says why there is no Apply button yet; she changes and
// withdraws pending records, downloads her ledger and prints her
// portfolio; once eligible she applies from the page, and the API shows
// the same application.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, createLogin, daysAgo, person, society } from './support/seed.js';

const ADA = 'ada.trainee@example.org';
const BEN = 'ben.attestor@example.org';
const RECORDS = 150;

let server;
let browser;
let ada;
let ben;
let registrar;
let pending;

/** A short pathway: Accredited Leader needs 100 sessions of participation and 1 supervision session. */
const PATHWAY = {
  id: 'bsanz-short',
  society: SOCIETY.slug,
  title: 'A short pathway',
  version: '2024',
  effective_from: '2024-01-01',
  tiers: [
    { id: 'pathway-trainee', name: 'Pathway Trainee', entry: 'enrolment' },
    {
      id: 'accredited-leader',
      name: 'Accredited Leader',
      prerequisites: [{ tier: 'pathway-trainee' }],
      requirements: [
        { id: 'participation', title: 'Attend 100 sessions', kind: 'participation', unit: 'sessions', minimum: 100 },
        { id: 'supervision', title: 'One supervision session', kind: 'supervision', unit: 'sessions', minimum: 1 },
      ],
    },
    { id: 'leader-trainee', name: 'Leader Trainee', entry: 'invitation', prerequisites: [{ tier: 'accredited-leader' }] },
  ],
};

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  ({ registrar } = await society(api));
  await api.request('PUT', `/societies/${SOCIETY.slug}/pathway`, { token: registrar, body: PATHWAY });
  ada = await person(api, registrar, { given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin' });
  ben = await person(api, registrar, { given_name: 'Ben', family_name: 'Okafor', city: 'Auckland' });
  await createLogin(api, registrar, { email: ADA, person_id: ada });
  await createLogin(api, registrar, { email: BEN, person_id: ben });
  // 150 sessions over the last year and a half, all confirmed but three.
  const rows = Array.from({ length: RECORDS }, (_, i) => ({
    kind: 'participation',
    date: daysAgo(500 - i * 3),
    amount: 1,
    unit: 'sessions',
    attestor: ben,
    group: 'Dunedin Tuesday group',
  }));
  const { ids } = await api.post(`/societies/${SOCIETY.slug}/people/${ada}/activities/bulk`, rows, { token: registrar });
  assert.equal(ids.length, RECORDS);
  pending = ids.slice(-3);
  for (const id of ids.slice(0, -3)) {
    await api.post(`/societies/${SOCIETY.slug}/activities/${id}/attestation`, { decision: 'confirm' }, { token: registrar });
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

test('the progress page of a long ledger folds what is met and says why there is no Apply button', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.getByText('Not on the register yet').waitFor();
  await page.getByRole('link', { name: 'My progress towards Accredited Leader' }).click();
  await page.getByRole('heading', { level: 1, name: 'Progress towards Accredited Leader' }).waitFor();
  await page.getByText(/Not yet eligible: 1 thing is still missing, so there is no Apply button yet/).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Apply/ }).count(), 0);
  // Met: folded under its heading; not met: open.
  const met = page.getByRole('region', { name: 'Attend 100 sessions' }).locator('details.requirement-detail');
  assert.equal(await met.getAttribute('open'), null);
  const unmet = page.getByRole('region', { name: 'One supervision session' }).locator('details.requirement-detail');
  assert.equal(await unmet.getAttribute('open'), '');
  // The pathway's first tier is held from enrolment: not offered.
  assert.deepEqual(await page.getByLabel('Tier').locator('option').allInnerTexts(), ['Accredited Leader', 'Leader Trainee']);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 2500, `the progress page is ${height}px tall`);
  await assertPageIsSound(page);
  await screenshots(page, 'progress-not-eligible');
});

test('a pending record is changed, and another withdrawn after a confirmation', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.getByRole('link', { name: /My ledger/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Ledger of Dr Ada Moreau' }).waitFor();
  await page.getByText(`${RECORDS} records.`, { exact: false }).waitFor();
  // The newest records are on the last page.
  await page.getByRole('link', { name: 'Next page' }).click();
  await page.getByRole('link', { name: 'Next page' }).click();
  await page.getByText('Page 3 of 3').waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'ledger-long');

  await page.locator(`a[href$="/${pending[0]}/edit"]`).click();
  await page.getByRole('heading', { level: 1, name: 'Change a pending record' }).waitFor();
  assert.equal(await field(page, 'Amount').inputValue(), '1');
  await field(page, 'Amount').fill('two');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Save changes' }).click(),
  ]);
  assert.equal(refused.status(), 422);
  allowDocumentStatus(page, 422);
  // The error summary has the focus, without script.
  await page.getByRole('alert').getByText(/^Amount:/).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'error-summary');
  await assertPageIsSound(page);
  await screenshots(page, 'record-change-problems');
  await field(page, 'Amount').fill('2');
  await field(page, 'Notes').fill('A double session');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').getByText(/The record was changed/).waitFor();
  await page.close();

  const token = await server.api.login(ADA, PASSWORDS.get(ADA));
  const changed = await server.api.get(`/societies/${SOCIETY.slug}/activities/${pending[0]}`, { token });
  assert.equal(changed.amount, 2);
  assert.equal(changed.notes, 'A double session');

  // A fresh page: the form sent back (422) was at the same address.
  const next = await openPage(browser);
  await signIn(next, ADA);
  await next.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities?page=3`);
  await next.locator(`a[href$="/${pending[1]}/withdraw"]`).click();
  await next.getByRole('heading', { level: 1, name: 'Withdraw this record?' }).waitFor();
  await assertPageIsSound(next);
  await screenshots(next, 'record-withdraw');
  await next.getByRole('button', { name: 'Yes, withdraw the record' }).click();
  await next.getByRole('status').getByText('The record was withdrawn.').waitFor();
  await server.api.get(`/societies/${SOCIETY.slug}/activities/${pending[1]}`, { token, expect: [404] });
});

test('the ledger downloads as CSV and the portfolio prints', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the ledger (CSV)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^ledger-.*\.csv$/);
  const lines = (await (await download.createReadStream()).toArray()).join('').trim().split(/\r?\n/);
  assert.match(lines[0], /^id,status,kind,date,amount,unit/);
  assert.equal(lines.length, RECORDS, 'a header and every record but the one withdrawn');

  await page.getByRole('link', { name: 'Printable portfolio' }).click();
  await page.getByRole('heading', { level: 1, name: 'Portfolio of Dr Ada Moreau' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Progress towards Accredited Leader' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'portfolio');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false, 'the header is not printed');
  assert.equal(await page.getByRole('link', { name: 'Back to progress' }).isVisible(), false);
  await page.emulateMedia({ media: 'screen' });
});

test('once eligible she applies from the progress page, and the API shows the application', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add record' }) });
  await field(form, 'Kind').selectOption('supervision');
  await field(form, 'Date').fill(daysAgo(10));
  await field(form, 'Amount').fill('1');
  await field(form, 'Unit').selectOption('sessions');
  await field(form, 'Attestor').selectOption({ label: 'Dr Ben Okafor' });
  await field(form, 'Supervisor').selectOption({ label: 'Dr Ben Okafor' });
  await form.getByRole('button', { name: 'Add record' }).click();
  await page.getByRole('status').getByText(/The record was added/).waitFor();

  const attestor = await openPage(browser);
  await signIn(attestor, BEN);
  await attestor.getByRole('link', { name: 'Records waiting for my signature' }).click();
  const card = attestor.getByRole('listitem').filter({ has: attestor.getByRole('heading', { name: /Supervision/ }) });
  await card.getByRole('button', { name: 'Confirm this record' }).click();
  await attestor.getByRole('status').getByText('The record was confirmed.').waitFor();

  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/progress?tier=accredited-leader`);
  await page.getByText('Every mandatory requirement is met: you are eligible to apply.').waitFor();
  await page.getByLabel(/^A note to the committee/).fill('Three years in the Dunedin group');
  await assertPageIsSound(page);
  await screenshots(page, 'progress-eligible');
  await page.getByRole('button', { name: 'Apply for Accredited Leader' }).click();
  await page.getByRole('status').getByText(/Your application was sent/).waitFor();
  await page.getByText(/Your application for Accredited Leader, made on .*, is pending/).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Apply/ }).count(), 0);
  await assertPageIsSound(page);

  const token = await server.api.login(ADA, PASSWORDS.get(ADA));
  const list = await server.api.get(`/societies/${SOCIETY.slug}/people/${ada}/applications`, { token });
  assert.equal(list.total, 1);
  assert.equal(list.items[0].tier, 'accredited-leader');
  assert.equal(list.items[0].status, 'pending');
  assert.equal(list.items[0].basis, 'eligible');
  assert.equal(list.items[0].note, 'Three years in the Dunedin group');

  await page.getByRole('link', { name: 'My pages' }).click();
  await page.getByText(/Accredited Leader, applied for on/).waitFor();
  assert.equal(await page.getByRole('link', { name: 'My progress towards Accredited Leader' }).count(), 0);
  await assertPageIsSound(page);
  await screenshots(page, 'me-trainee');
});

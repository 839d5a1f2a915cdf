// An attestor with 25 records waiting: each shown in full; twenty
// confirmed at once, with a result per record; a rejection without a
// reason is kept, ticked, while the others are decided. The record form
// offers only people who can attest, searchable when there are many.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, createLogin, daysAgo, person, society } from './support/seed.js';

const ADA = 'ada.logbook@example.org';
const BEN = 'ben.supervisor@example.org';
const WAITING = 25;

let server;
let browser;
let ada;
let ben;
let registrar;

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  ({ registrar } = await society(api));
  ada = await person(api, registrar, { given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin' });
  ben = await person(api, registrar, { given_name: 'Ben', family_name: 'Okafor', city: 'Auckland' });
  const co = await person(api, registrar, { given_name: 'Cleo', family_name: 'Tan', city: 'Nelson' });
  await createLogin(api, registrar, { email: ADA, person_id: ada });
  await createLogin(api, registrar, { email: BEN, person_id: ben });
  // Many people who can attest (25 with logins, two of them unlisted),
  // and many who cannot (no login).
  for (let i = 1; i <= 25; i += 1) {
    const id = await person(api, registrar, {
      given_name: `Leader${i}`,
      family_name: 'Smith',
      public_listing: i > 2,
    });
    await createLogin(api, registrar, { email: `leader${i}@example.org`, person_id: id });
  }
  for (let i = 1; i <= 10; i += 1) {
    await person(api, registrar, { given_name: `Member${i}`, family_name: 'Nologin' });
  }
  const rows = Array.from({ length: WAITING }, (_, i) => ({
    kind: 'co_leading',
    date: daysAgo(200 - i * 7),
    amount: 1,
    unit: 'meetings',
    cases: 2,
    attestor: ben,
    co_leader: co,
    group: 'Dunedin Tuesday group',
    duration_minutes: 90,
    notes: `Meeting ${i + 1} of the logbook`,
  }));
  await api.post(`/societies/${SOCIETY.slug}/people/${ada}/activities/bulk`, rows, { token: registrar });
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

/** The card of the waiting record whose notes say `notes`. */
function card(page, notes) {
  return page.getByRole('listitem').filter({ hasText: notes });
}

test('an attestor reads each record in full and confirms twenty at once', async () => {
  const page = await openPage(browser);
  await signIn(page, BEN);
  await page.getByText(`${WAITING} records`).waitFor();
  await page.getByRole('link', { name: 'Records waiting for my signature' }).click();
  await page.getByRole('heading', { level: 1, name: 'Records waiting for my signature' }).waitFor();
  const first = card(page, 'Meeting 1 of the logbook');
  for (const [term, value] of [
    ['Group', 'Dunedin Tuesday group'],
    ['Co-leader', 'Dr Cleo Tan'],
    ['Length', '90 minutes'],
    ['Notes', 'Meeting 1 of the logbook'],
  ]) {
    await first.locator('dt', { hasText: term }).waitFor();
    await first.locator('dd', { hasText: value }).first().waitFor();
  }
  await assertPageIsSound(page);
  await screenshots(page, 'attestations-many');

  for (let i = 1; i <= 20; i += 1) {
    await card(page, `Meeting ${i} of the logbook`).getByRole('checkbox', { name: /^Select this record/ }).check();
  }
  await page.getByRole('button', { name: 'Confirm the selected records' }).click();
  const results = page.getByRole('region', { name: 'What became of each record' });
  await results.waitFor();
  assert.equal(await results.getByRole('listitem').filter({ hasText: 'Confirmed' }).count(), 20);
  await page.getByText(`${WAITING - 20} records waiting`).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'attestations-results');

  const token = await server.api.login(ADA, PASSWORDS.get(ADA));
  const confirmed = await server.api.get(`/societies/${SOCIETY.slug}/people/${ada}/activities?status=confirmed`, { token });
  assert.equal(confirmed.total, 20);
});

test('a rejection without a reason is kept, ticked, while the others are decided', async () => {
  const page = await openPage(browser);
  await signIn(page, BEN);
  await page.goto(`${server.url}/attestations`);
  const withReason = card(page, 'Meeting 21 of the logbook');
  const without = card(page, 'Meeting 22 of the logbook');
  await withReason.getByRole('checkbox', { name: /^Select this record/ }).check();
  await withReason.getByLabel(/^Comment/).fill('I was away that week');
  await without.getByRole('checkbox', { name: /^Select this record/ }).check();
  // A comment typed on a record not ticked is kept too.
  await card(page, 'Meeting 23 of the logbook').getByLabel(/^Comment/).fill('Ask about the date');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Reject the selected records' }).click(),
  ]);
  assert.equal(answer.status(), 422);
  allowDocumentStatus(page, 422);
  const summary = page.getByRole('alert');
  await summary.getByText(/Say why you reject the record/).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'error-summary');
  const results = page.getByRole('region', { name: 'What became of each record' });
  assert.equal(await results.getByRole('listitem').filter({ hasText: 'Rejected' }).count(), 1);
  assert.equal(await results.getByRole('listitem').filter({ hasText: 'Not decided' }).count(), 1);
  const kept = card(page, 'Meeting 22 of the logbook');
  assert.equal(await kept.getByRole('checkbox', { name: /^Select this record/ }).isChecked(), true);
  assert.equal(await card(page, 'Meeting 23 of the logbook').getByLabel(/^Comment/).inputValue(), 'Ask about the date');
  assert.equal(await card(page, 'Meeting 21 of the logbook').count(), 0, 'the rejected record left the queue');
  await assertPageIsSound(page);
  await screenshots(page, 'attestations-problem');
});

test('the record form offers only listed people who can attest, searchable when there are many', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add record' }) });
  const attestor = field(form, 'Attestor');
  assert.equal(await attestor.getAttribute('list'), 'people-who-attest');
  const offered = await page.locator('#people-who-attest option').evaluateAll((options) => options.map((o) => o.value));
  assert.ok(offered.includes('Dr Ben Okafor'));
  assert.ok(offered.includes('Dr Leader3 Smith'));
  assert.ok(!offered.includes('Dr Leader1 Smith'), 'an unlisted person is offered to a member');
  assert.ok(!offered.some((name) => name.includes('Nologin')), 'someone who cannot attest is offered');
  assert.ok(!offered.includes('Dr Ada Moreau'), 'she is offered as her own attestor');
  await assertPageIsSound(page);

  await field(form, 'Kind').selectOption('participation');
  await field(form, 'Date').fill(daysAgo(3));
  await field(form, 'Amount').fill('1');
  await field(form, 'Unit').selectOption('sessions');
  await attestor.fill('Dr Ben Okafor');
  await form.getByRole('button', { name: 'Add record' }).click();
  await page.getByRole('status').getByText(/The record was added/).waitFor();
  const token = await server.api.login(ADA, PASSWORDS.get(ADA));
  const newest = await server.api.get(`/societies/${SOCIETY.slug}/people/${ada}/activities?kind=participation`, { token });
  assert.equal(newest.items[0].attestor, ben, 'the name typed is stored as the person');
});

// A trainee's ledger: she signs in, adds a co-led meeting, sees it pending;
// her supervisor confirms it from his queue; her progress bar moves.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, createLogin, daysAgo, person, society } from './support/seed.js';

const ADA = 'ada@example.org';
const BEN = 'ben@example.org';
const CASES = /^Lead or co-lead at least 30 case discussions/;
const MEETINGS = /^Over at least 20 meetings/;

let server;
let browser;
let ada;

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  const { registrar } = await society(api);
  ada = await person(api, registrar, { given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin' });
  const ben = await person(api, registrar, { given_name: 'Ben', family_name: 'Okafor', city: 'Auckland' });
  await createLogin(api, registrar, { email: ADA, person_id: ada });
  await createLogin(api, registrar, { email: BEN, person_id: ben });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Sign in through the form; the page ends on "My pages". */
async function signIn(page, email) {
  await page.goto(`${server.url}/login`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORDS.get(email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
}

/** The section of the progress page about the requirement titled `title`. */
function requirement(page, title) {
  return page.getByRole('region', { name: title });
}

/** The amounts written out under a bar, e.g. "2 of 30 cases", as a paragraph. */
function amount(scope, text) {
  return scope.getByRole('paragraph').filter({ hasText: new RegExp(`^${text}$`) });
}

/** A progress bar's current value: `aria-valuenow`, else a <progress>'s value. */
function barValue(bar) {
  return bar.evaluate((el) => Number(el.getAttribute('aria-valuenow') ?? el.value));
}

test('a trainee records a co-led meeting, the supervisor confirms it, and her progress bar moves', async () => {
  const trainee = await openPage(browser);
  await trainee.goto(`${server.url}/login`);
  await trainee.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await assertPageIsSound(trainee);
  await screenshots(trainee, 'login');
  await signIn(trainee, ADA);
  await assertPageIsSound(trainee);
  await screenshots(trainee, 'me');

  // Before: nothing counted towards the case discussions.
  await trainee.getByRole('link', { name: 'My progress towards Accredited Leader', exact: true }).click();
  await trainee.getByRole('heading', { level: 1, name: 'Progress towards Accredited Leader' }).waitFor();
  const cases = requirement(trainee, CASES).getByRole('progressbar');
  assert.equal(await barValue(cases), 0);
  await amount(requirement(trainee, CASES), '0 of 30 cases').waitFor();
  await trainee.getByText(/Not yet eligible/).waitFor();

  // She adds the record from her ledger.
  await trainee.getByRole('link', { name: /My ledger/ }).click();
  await trainee.getByRole('heading', { level: 1, name: 'Ledger of Dr Ada Moreau' }).waitFor();
  await trainee.getByText('No records yet.').waitFor();
  const form = trainee.locator('form', { has: trainee.getByRole('button', { name: 'Add record' }) });
  await field(form, 'Kind').selectOption('co_leading');
  const held = daysAgo(30);
  await field(form, 'Date').fill(held);
  await field(form, 'Amount').fill('1');
  await field(form, 'Unit').selectOption('meetings');
  await field(form, 'Cases').fill('2');
  await field(form, 'Delivery').selectOption('in_person');
  await field(form, 'Attestor').selectOption({ label: 'Dr Ben Okafor' });
  await field(form, 'Co-leader').selectOption({ label: 'Dr Ben Okafor' });
  await field(form, 'Notes').fill('Evening group at the practice');
  await form.getByRole('button', { name: 'Add record' }).click();
  await trainee.getByRole('status').getByText(/The record was added\. It is pending/).waitFor();
  const records = trainee.getByRole('table');
  const row = records.getByRole('row', { name: /Co.leading.*1 meetings? \(2 cases\).*Dr Ben Okafor.*Pending/i });
  await row.waitFor();
  assert.equal(await records.getByRole('row').count(), 2, 'a header row and the one record');
  await assertPageIsSound(trainee);
  await screenshots(trainee, 'ledger');

  // Pending: shown apart, not counted yet.
  await trainee.getByRole('link', { name: 'See progress' }).click();
  await trainee.getByLabel('Tier').selectOption({ label: 'Accredited Leader' });
  await trainee.getByRole('button', { name: 'Show progress' }).click();
  await trainee.getByRole('heading', { level: 1, name: 'Progress towards Accredited Leader' }).waitFor();
  assert.equal(await barValue(requirement(trainee, CASES).getByRole('progressbar')), 0);
  await trainee.getByText(/1 pending record would count once attested/).first().waitFor();

  // The supervisor confirms it from his queue.
  const supervisor = await openPage(browser);
  await signIn(supervisor, BEN);
  await supervisor.getByRole('link', { name: 'Records waiting for my signature' }).click();
  await supervisor.getByRole('heading', { level: 1, name: 'Records waiting for my signature' }).waitFor();
  const waiting = supervisor.getByRole('listitem').filter({
    has: supervisor.getByRole('heading', { name: /^Dr Ada Moreau: Co.leading/i }),
  });
  await waiting.getByText(/1 meetings?, 2 cases/).waitFor();
  await waiting.getByText('In person', { exact: true }).waitFor();
  await waiting.getByText('Evening group at the practice', { exact: true }).waitFor();
  await assertPageIsSound(supervisor);
  await screenshots(supervisor, 'attestations');
  await waiting.getByLabel('Comment').fill('Co-led with me');
  await waiting.getByRole('button', { name: 'Confirm this record' }).click();
  await supervisor.getByRole('status').getByText('The record was confirmed.').waitFor();
  await supervisor.getByText('Nothing is waiting for you.').waitFor();
  await assertPageIsSound(supervisor);

  // After: the bars moved, and the ledger says confirmed.
  await trainee.reload();
  await trainee.getByRole('heading', { level: 1, name: 'Progress towards Accredited Leader' }).waitFor();
  assert.equal(await barValue(requirement(trainee, CASES).getByRole('progressbar')), 2);
  await amount(requirement(trainee, CASES), '2 of 30 cases').waitFor();
  assert.equal(await barValue(requirement(trainee, MEETINGS).getByRole('progressbar')), 1);
  await amount(requirement(trainee, MEETINGS), '1 of 20 meetings').waitFor();
  await assertPageIsSound(trainee);
  await screenshots(trainee, 'progress');

  await trainee.getByRole('link', { name: /My ledger/ }).click();
  await trainee.getByRole('table').getByRole('row', { name: /Confirmed.*Co-led with me/ }).waitFor();
  await assertPageIsSound(trainee);
});

test('signing out ends the session: the ledger asks to sign in again', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.match(page.url(), /\/login\?next=/);
  await assertPageIsSound(page);
});

test('a record with missing fields is sent back with every problem listed and what was typed kept', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add record' }) });
  await field(form, 'Kind').selectOption('supervision');
  await field(form, 'Notes').fill('Kept as typed');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    form.getByRole('button', { name: 'Add record' }).click(),
  ]);
  assert.equal(response.status(), 422);
  allowDocumentStatus(page, 422);
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  const problems = await summary.getByRole('listitem').allInnerTexts();
  for (const label of ['Date', 'Amount', 'Unit']) {
    assert.ok(problems.some((p) => p.startsWith(`${label}:`)), `no problem listed for ${label}: ${problems.join(' | ')}`);
  }
  const sent = page.locator('form', { has: page.getByRole('button', { name: 'Add record' }) });
  for (const label of ['Date', 'Amount', 'Unit']) {
    assert.equal(await field(sent, label).getAttribute('aria-invalid'), 'true', `${label} is not marked invalid`);
  }
  assert.equal(await field(sent, 'Kind').inputValue(), 'supervision');
  assert.equal(await field(sent, 'Notes').inputValue(), 'Kept as typed');
  await assertPageIsSound(page);
  await screenshots(page, 'ledger-problems');
});

test('the details some requirements ask for (event type, provider, group) are recorded from the form', async () => {
  const page = await openPage(browser);
  await signIn(page, ADA);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/people/${ada}/activities`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add record' }) });
  await field(form, 'Kind').selectOption('workshop');
  const held = daysAgo(40);
  await field(form, 'Date').fill(held);
  await field(form, 'Amount').fill('1');
  await field(form, 'Unit').selectOption('events');
  await field(form, 'Attestor').selectOption({ label: 'Dr Ben Okafor' });
  await field(form, 'Length in minutes').fill('480');
  await field(form, 'Event type').selectOption('intensive');
  await field(form, 'Provider').fill('BSANZ');
  await form.getByLabel(/^Approved provider/).check();
  await field(form, 'Group').fill('Dunedin leaders');
  await form.getByLabel(/^An ongoing group/).check();
  await assertPageIsSound(page);
  await form.getByRole('button', { name: 'Add record' }).click();
  await page.getByRole('status').getByText(/The record was added/).waitFor();

  const token = await server.api.login(ADA, PASSWORDS.get(ADA));
  const ledger = await server.api.get(`/societies/${SOCIETY.slug}/people/${ada}/activities?kind=workshop`, { token });
  const stored = ledger.items.find((r) => r.date === held);
  assert.ok(stored, `the workshop is in the ledger: ${JSON.stringify(ledger.items)}`);
  assert.equal(stored.event_type, 'intensive');
  assert.equal(stored.provider, 'BSANZ');
  assert.equal(stored.provider_approved, true);
  assert.equal(stored.group, 'Dunedin leaders');
  assert.equal(stored.ongoing_group, true);
  assert.equal(stored.duration_minutes, 480);
  assert.equal(stored.supervision_format, null);
});

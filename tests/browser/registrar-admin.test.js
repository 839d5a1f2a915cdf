// The registrar's running of the society: the pathway (adopt a preset,
// upload a document with its problems shown by path, the versions and what
// changed between two), the audit log, the register's import and export,
// and the logins. What is done on a page is seen through the API too.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, grant, person, society, today } from './support/seed.js';

let server;
let browser;
let registrar;
let registrarEmail;

before(async () => {
  server = await startServer();
  browser = await launch();
  const seeded = await society(server.api);
  registrar = seeded.registrar;
  registrarEmail = seeded.registrarEmail;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page signed in as the registrar, on "My pages". */
async function registrarPage() {
  const page = await openPage(browser);
  await signIn(page);
  return page;
}

/** Sign `page` in as the registrar. */
async function signIn(page) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(registrarEmail);
  await page.getByLabel('Password').fill(PASSWORDS.get(registrarEmail));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
}

/** The registrar's section `name`, reached from the dashboard's navigation. */
async function section(page, name, heading) {
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/dashboard`);
  await page.getByRole('navigation', { name: 'Registrar' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;

test('a registrar adopts a built-in pathway with the keyboard only, and it is the next version', async () => {
  const page = await registrarPage();
  await section(page, 'Pathway', `Pathway: ${SOCIETY.name}`);
  await page.getByRole('row', { name: /Version 1.*Applies today.*bsanz-leader/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'pathway');

  // The decision, made with the keyboard alone.
  await page.getByRole('radio', { name: /UK Balint Society/ }).focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'effective_from');
  // (A date field's parts follow the browser's locale: filled, not typed.)
  await field(page, 'Takes effect from').fill(nextYear);
  await page.getByRole('button', { name: 'Adopt this pathway' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText('Version 2 was published.').waitFor();
  await page.getByRole('heading', { level: 1, name: /^Pathway version 2: / }).waitFor();
  assert.match(await page.locator('dl').innerText(), /Adopted from\s+uk-2016/);
  await assertPageIsSound(page);

  // The API says the same.
  const v2 = await server.api.get(`/societies/${SOCIETY.slug}/pathway/versions/2`);
  assert.equal(v2.preset, 'uk-2016');
  assert.equal(v2.effective_from, nextYear);
  assert.equal(v2.document.society, SOCIETY.slug);
});

test('an uploaded document with problems is refused with each problem by its path; a good one is published', async () => {
  let page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/pathway`);
  const upload = page.locator('form', { has: page.getByRole('button', { name: 'Publish this document' }) });
  const broken = {
    id: 'bsanz-leader', society: 'dbg', title: 'Broken', version: '1', effective_from: '2024-01-01',
    tiers: [{ id: 'trainee', name: 'Trainee', entry: 'application', requirements: [{ id: 'x', kind: 'sessions', min: -1 }] }],
  };
  await field(upload, 'Pathway document').fill(JSON.stringify(broken, null, 2));
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    upload.getByRole('button', { name: 'Publish this document' }).click(),
  ]);
  assert.equal(response.status(), 422);
  allowDocumentStatus(page, 422);
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await summary.getByRole('link', { name: /Pathway document: At society: the document is for society "dbg"/ }).waitFor();
  await summary.getByRole('link', { name: /Pathway document: At tiers\[0\]/ }).first().waitFor();
  const document = field(page.locator('form', { has: page.getByRole('button', { name: 'Publish this document' }) }), 'Pathway document');
  assert.equal(await document.getAttribute('aria-invalid'), 'true');
  assert.match(await document.inputValue(), /"Broken"/, 'what was pasted is kept');
  await assertPageIsSound(page);
  await screenshots(page, 'pathway-problems');

  // A changed copy of version 1, from next year (on a fresh page: the
  // console's line about the 422 names the same address as the next post).
  const v1 = await server.api.get(`/societies/${SOCIETY.slug}/pathway/versions/1`);
  const changed = structuredClone(v1.document);
  changed.title = `${changed.title} (revised)`;
  changed.effective_from = nextYear;
  changed.tiers[0].name = `${changed.tiers[0].name} (renamed)`;
  await page.close();
  page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/pathway`);
  await field(page, 'Pathway document').fill(JSON.stringify(changed, null, 2));
  await page.getByRole('button', { name: 'Publish this document' }).click();
  await page.getByRole('status').getByText('Version 3 was published.').waitFor();
  assert.match(await page.locator('dl').innerText(), /Adopted from\s+Uploaded/);
  await page.getByRole('listitem').filter({ hasText: '(renamed)' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'pathway-version');

  const listed = await server.api.get(`/societies/${SOCIETY.slug}/pathway/versions`);
  assert.equal(listed.items[0].number, 3);
  assert.equal(listed.items[0].title, changed.title);
  assert.equal(listed.items[0].uploaded_by !== null, true);

  // What changed between version 1 and 3.
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/pathway`);
  await page.getByRole('row', { name: new RegExp(`Version 3.*${registrarEmail}`) }).waitFor();
  await field(page, 'From version').fill('1');
  await field(page, 'To version').fill('3');
  await page.getByRole('button', { name: 'Show what changed' }).click();
  await page.getByRole('heading', { level: 1, name: 'What changed in the pathway' }).waitFor();
  await page.getByRole('listitem').filter({ hasText: /^Changed: .*\(renamed\)/ }).waitFor();
  await page.locator('ins', { hasText: '(revised)' }).waitFor();
  await page.locator('del', { hasText: v1.document.title }).first().waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'pathway-compare');

  // A version that does not exist is said so next to its field.
  await field(page, 'To version').fill('9');
  const [missing] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/pathway/compare')),
    page.getByRole('button', { name: 'Show what changed' }).click(),
  ]);
  assert.equal(missing.status(), 422);
  allowDocumentStatus(page, 422);
  await page.getByRole('alert').getByRole('link', { name: 'To version: There is no version 9' }).waitFor();
  await assertPageIsSound(page);
});

test('the registrar reads the audit log and filters it by kind of record, change and day', async () => {
  const page = await registrarPage();
  await section(page, 'Audit log', `Audit log: ${SOCIETY.name}`);
  await page.getByText(/^\d+ changes\.$/).waitFor();
  await assertPageIsSound(page);

  await field(page, 'Kind of record').selectOption({ label: 'Pathway version' });
  await field(page, 'Change').selectOption({ label: 'Created' });
  await field(page, 'From').fill(today());
  await field(page, 'To').fill(today());
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('3 changes match this filter.').waitFor();
  const newest = page.getByRole('row').nth(1);
  assert.match(await newest.innerText(), new RegExp(`${registrarEmail}[\\s\\S]*Created[\\s\\S]*Pathway version`));
  await newest.getByText(/^\d+ fields$/).click();
  await newest.getByText(/title\s*BSANZ accredited leader and leader trainer \(revised\)/).waitFor();
  assert.equal(await field(page, 'Kind of record').inputValue(), 'pathway', 'the filter is kept');
  await assertPageIsSound(page);
  await screenshots(page, 'audit');

  // The same filter through the API.
  const api = await server.api.get(
    `/societies/${SOCIETY.slug}/audit?entity_type=pathway&action=create&from=${today()}&to=${today()}`,
    { token: registrar },
  );
  assert.equal(api.total, 3);

  await page.getByRole('link', { name: 'Show every change' }).click();
  await page.getByText(/^\d+ changes\.$/).waitFor();
});

test('the registrar downloads the register and imports a file of 10,000 entries with the report the command line gives', async () => {
  const ada = await person(server.api, registrar, { given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin' });
  const number = await grant(server.api, registrar, ada, '2024-06-03');
  const page = await registrarPage();
  await section(page, 'Import and export', `Register files: ${SOCIETY.name}`);
  await assertPageIsSound(page);
  await screenshots(page, 'register-files');

  // The whole register, as CSV (the defaults). Chromium reports the
  // navigation that became a download as an aborted request: the download
  // is made on a page of its own, whose console is not checked.
  const downloader = await openPage(browser);
  await signIn(downloader);
  await downloader.goto(`${server.url}/societies/${SOCIETY.slug}/register-files`);
  const [download] = await Promise.all([
    downloader.waitForEvent('download'),
    downloader.getByRole('button', { name: 'Download the register' }).click(),
  ]);
  assert.match(download.suggestedFilename(), new RegExp(`^${SOCIETY.slug}-register-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const csv = await readFile(await download.path(), 'utf8');
  const [header, row] = csv.trimEnd().split('\n');
  assert.ok(row.startsWith(`${number},${ada},`), row);

  // 10,000 entries for new people, made from that row.
  const rows = [header];
  for (let i = 1; i <= 10000; i += 1) {
    rows.push(row.replace(number, `IMP-${String(i).padStart(5, '0')}`).replace(ada, `imported-${i}`));
  }
  await field(page, 'Register file').setInputFiles({
    name: 'old-register.csv', mimeType: 'text/csv', buffer: Buffer.from(`${rows.join('\n')}\n`),
  });
  await page.getByRole('button', { name: 'Import the register' }).click();
  const report = page.getByRole('status');
  await report.getByText(
    'Imported old-register.csv: 10000 entries created, 0 extended, 0 unchanged; 10000 people added.',
  ).waitFor({ timeout: 120000 });
  await assertPageIsSound(page);
  await screenshots(page, 'register-files-report');
  const entry = await server.api.get(`/societies/${SOCIETY.slug}/register/IMP-10000`, { token: registrar });
  assert.equal(entry.registration, 'IMP-10000');

  // A file with a bad row: every problem by its row, nothing imported.
  const problems = await openPage(browser);
  await signIn(problems);
  await problems.goto(`${server.url}/societies/${SOCIETY.slug}/register-files`);
  const bad = [header, row.replace(number, 'BAD-1').replace(ada, 'bad-1').replace('2024-06-03', '2024-06-31')];
  await field(problems, 'Register file').setInputFiles({
    name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${bad.join('\n')}\n`),
  });
  const [response] = await Promise.all([
    problems.waitForResponse((r) => r.request().method() === 'POST'),
    problems.getByRole('button', { name: 'Import the register' }).click(),
  ]);
  assert.equal(response.status(), 422);
  allowDocumentStatus(problems, 422);
  await problems.getByRole('alert').getByRole('heading', { name: 'The register was not imported' }).waitFor();
  await problems.getByRole('row', { name: /rows\[1\]\.effective/ }).waitFor();
  await assertPageIsSound(problems);
  await screenshots(problems, 'register-files-problems');
  await server.api.request('GET', `/societies/${SOCIETY.slug}/register/BAD-1`, { token: registrar, expect: [404] });
});

test('the registrar creates a login with a password link, its owner sets a password, and a disabled login cannot sign in', async () => {
  const ben = await person(server.api, registrar, { given_name: 'Ben', family_name: 'Okafor', city: 'Auckland' });
  const page = await registrarPage();
  await section(page, 'Logins', `Logins: ${SOCIETY.name}`);
  await page.getByRole('row', { name: new RegExp(`${registrarEmail}.*Registrar.*Active.*Your login`) }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'logins');

  // With 10,000 people imported, the person is chosen by their id (as a
  // link from their record does).
  const email = 'ben.okafor@example.org';
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/logins?person=${ben}`);
  assert.equal(await field(page, 'Person').inputValue(), ben);
  await field(page, 'Email').fill(email);
  await page.getByRole('button', { name: 'Create the login' }).click();
  const issued = page.getByRole('status').filter({ hasText: `A password link for ${email}` });
  await issued.waitFor();
  const link = await issued.locator('code').innerText();
  assert.match(link, new RegExp(`^${server.url}/reset/[0-9a-f]{64}$`));
  await page.getByRole('row', { name: new RegExp(`${email}.*Member.*Ben Okafor.*Never.*Active`) }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'logins-link');

  // The owner opens the link, not signed in.
  const owner = await openPage(browser);
  await owner.goto(link);
  await owner.getByRole('heading', { level: 1, name: 'Set your password' }).waitFor();
  await assertPageIsSound(owner);
  await screenshots(owner, 'reset');
  await field(owner, 'New password').fill('a passphrase Ben remembers');
  await field(owner, 'Repeat the new password').fill('a passphrase Ben forgot');
  const [mismatch] = await Promise.all([
    owner.waitForResponse((r) => r.request().method() === 'POST'),
    owner.getByRole('button', { name: 'Set the password' }).click(),
  ]);
  assert.equal(mismatch.status(), 422);
  allowDocumentStatus(owner, 422);
  await owner.getByRole('alert').getByRole('link', { name: /Repeat the new password: The two passwords are not the same/ }).waitFor();
  await assertPageIsSound(owner);
  const again = await openPage(browser);
  await again.goto(link);
  await field(again, 'New password').fill('a passphrase Ben remembers');
  await field(again, 'Repeat the new password').fill('a passphrase Ben remembers');
  await again.getByRole('button', { name: 'Set the password' }).click();
  await again.getByRole('heading', { level: 1, name: 'Your password is set' }).waitFor();
  await assertPageIsSound(again);
  const token = await server.api.login(email, 'a passphrase Ben remembers');
  const me = await server.api.get('/auth/me', { token });
  assert.equal(me.email, email);

  // The registrar disables it, with the keyboard.
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/logins`);
  await page.getByRole('button', { name: `Disable ${email}` }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText('The login was disabled.', { exact: false }).waitFor();
  await page.getByRole('row', { name: new RegExp(`${email}.*Disabled since`) }).waitFor();
  await assertPageIsSound(page);
  await server.api.request('GET', '/auth/me', { token, expect: [401] });
  const listed = await server.api.get(`/societies/${SOCIETY.slug}/users`, { token: registrar });
  assert.equal(listed.items.find((l) => l.email === email).disabled, true);

  // Signing in is refused, saying why.
  const refused = await openPage(browser);
  await refused.goto(`${server.url}/login`);
  await refused.getByLabel('Email').fill(email);
  await refused.getByLabel('Password').fill('a passphrase Ben remembers');
  const [answer] = await Promise.all([
    refused.waitForResponse((r) => r.request().method() === 'POST'),
    refused.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  assert.equal(answer.status(), 403);
  allowDocumentStatus(refused, 403);
  await refused.getByRole('alert').getByText(/This login is disabled/).waitFor();
  await assertPageIsSound(refused);

  await page.getByRole('button', { name: `Enable ${email}` }).click();
  await page.getByRole('row', { name: new RegExp(`${email}.*Active`) }).waitFor();
  await server.api.login(email, 'a passphrase Ben remembers');
});

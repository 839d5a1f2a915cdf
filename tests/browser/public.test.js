// The public pages: a member of the public finds a leader on the register,
// opens the entry, verifies a registration as of a date, and checks a
// credential a leader showed them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { SOCIETY, changeStatus, grant, person, society } from './support/seed.js';

let server;
let browser;
const registration = {};
let registrarToken;

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  const { registrar } = await society(api);
  registrarToken = registrar;
  const ada = await person(api, registrar, {
    given_name: 'Ada', family_name: 'Moreau', city: 'Dunedin', region: 'Otago',
  });
  // Accredited in 2023: he entered the pathway (the tier's prerequisite) before.
  const ben = await person(api, registrar, {
    given_name: 'Ben', family_name: 'Okafor', city: 'Auckland', region: 'Auckland', entered_pathway_on: '2022-02-01',
  });
  const cleo = await person(api, registrar, {
    given_name: 'Cleo', family_name: 'Marsh', city: 'Hobart', region: 'Tasmania',
  });
  // Accredited, but did not agree to be listed: the public never sees her.
  const dana = await person(api, registrar, {
    given_name: 'Dana', family_name: 'Moreau-Quill', city: 'Dunedin', region: 'Otago', public_listing: false,
  });
  registration.ada = await grant(api, registrar, ada, '2024-06-03');
  registration.ben = await grant(api, registrar, ben, '2023-02-01');
  registration.cleo = await grant(api, registrar, cleo, '2025-01-10');
  registration.dana = await grant(api, registrar, dana, '2024-06-03');
  // Ada was suspended for a while in 2025, publicly, then reinstated.
  await changeStatus(api, registrar, registration.ada, {
    action: 'suspend', effective: '2025-05-01', reason: 'Membership fees unpaid',
  });
  await changeStatus(api, registrar, registration.ada, {
    action: 'reinstate', effective: '2025-08-01', reason: 'Membership renewed',
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a visitor searches the register by name and opens the entry', async () => {
  const page = await openPage(browser);
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: /Registers of accredited Balint group leaders/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'home');

  await page.getByRole('link', { name: new RegExp(SOCIETY.name) }).click();
  await page.getByRole('heading', { level: 1, name: `Register of ${SOCIETY.name}` }).waitFor();
  // Three listed entries; Dana, unlisted, is not counted.
  await page.getByRole('heading', { name: '3 entries' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'register');

  await page.getByLabel('Name').fill('Moreau');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 entry found' }).waitFor();
  assert.match(page.url(), /[?&]q=Moreau/, 'the search is a link that can be shared');
  const results = page.getByRole('table');
  assert.equal(await results.getByRole('row').count(), 2, 'a header row and one entry');
  await assert.doesNotReject(results.getByRole('link', { name: 'Dr Ada Moreau' }).waitFor());
  assert.equal(await page.getByText('Moreau-Quill').count(), 0, 'an unlisted person is never shown');
  await assertPageIsSound(page);
  await screenshots(page, 'register-search');

  await results.getByRole('link', { name: 'Dr Ada Moreau' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dr Ada Moreau' }).waitFor();
  assert.match(page.url(), new RegExp(`/societies/${SOCIETY.slug}/register/${registration.ada}$`));
  const facts = await page.locator('dl').innerText();
  assert.match(facts, new RegExp(registration.ada));
  assert.match(facts, /Accredited Leader/);
  assert.match(facts, /Status\s+Accredited/);
  assert.match(facts, /Dunedin, Otago/);
  // The public history: granted, suspended, reinstated, with the public reasons.
  const history = page.getByRole('table');
  await history.getByRole('row', { name: /Suspended.*Membership fees unpaid/ }).waitFor();
  await history.getByRole('row', { name: /Reinstated.*Membership renewed/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'entry');
});

test('a visitor narrows the register by city or region and by tier', async () => {
  const page = await openPage(browser);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register`);
  await page.getByLabel('City or region').fill('Tasmania');
  await page.getByLabel('Tier').selectOption({ label: 'Accredited Leader' });
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 entry found' }).waitFor();
  await page.getByRole('link', { name: 'Dr Cleo Marsh' }).waitFor();

  await page.getByLabel('City or region').fill('Nowhere');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '0 entries found' }).waitFor();
  await page.getByText('No entries match your search').waitFor();
  await assertPageIsSound(page);
});

test('a visitor verifies a registration as of a date and keeps a stable link to the answer', async () => {
  const page = await openPage(browser);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration.ada}`);
  await page.getByRole('link', { name: /Verify this registration/ }).click();
  await page.getByRole('heading', { level: 1, name: `Verify registration ${registration.ada}` }).waitFor();
  // Today: in good standing.
  await page.getByText(new RegExp(`${registration.ada} \\(Dr Ada Moreau\\) was an Accredited Leader in good standing`)).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'verify');

  // During the suspension.
  await page.getByLabel('Date').fill('2025-06-15');
  await page.getByRole('button', { name: 'Check this date' }).click();
  await page.getByText(/^On 15 June 2025, .* was suspended, and not in good standing\.$/).waitFor();
  assert.match(page.url(), /as_of=2025-06-15/);
  const stable = page.getByRole('link', { name: /\/verify\/bsanz\/.*as_of=2025-06-15/ });
  const href = await stable.getAttribute('href');
  assert.equal(href, `${server.url}/verify/${SOCIETY.slug}/${registration.ada}?as_of=2025-06-15`);
  await assertPageIsSound(page);
  await screenshots(page, 'verify-suspended');

  // Before the first grant.
  await page.getByLabel('Date').fill('2024-01-15');
  await page.getByRole('button', { name: 'Check this date' }).click();
  await page.getByText(/^On 15 January 2024, .* was not on the register\.$/).waitFor();

  // The stable link, opened later in another browser, gives the same answer.
  const other = await openPage(browser);
  await other.goto(href);
  await other.getByText(/^On 15 June 2025, .* was suspended, and not in good standing\.$/).waitFor();
  await assertPageIsSound(other);
});

test('an unlisted registration cannot be verified by the public', async () => {
  const page = await openPage(browser);
  const response = await page.goto(`${server.url}/verify/${SOCIETY.slug}/${registration.dana}`);
  assert.equal(response.status(), 404);
  allowDocumentStatus(page, 404);
  await page.getByText(`${registration.dana} is not on the public register of ${SOCIETY.name}.`).waitFor();
  assert.equal(await page.getByText('Moreau-Quill').count(), 0);
  await assertPageIsSound(page);
});

test('a visitor finds a registration by its number and reads what each status means', async () => {
  const page = await openPage(browser);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register`);
  await page.getByText(/^Last updated /).waitFor();
  await page.getByText('What each status means').click();
  await page.getByRole('listitem').filter({ hasText: /^Suspended: Not in good standing for now/ }).waitFor();
  await page.getByRole('searchbox', { name: /^Registration number/ }).fill(registration.ben.toLowerCase());
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dr Ben Okafor' }).waitFor();
  await page.locator('p.standing-good', { hasText: 'In good standing' }).waitFor();
  await page.getByText(/^Last updated /).waitFor();
  await assertPageIsSound(page);
});

test('a number not on the public register says so, as an unlisted one does, and looks different', async () => {
  const page = await openPage(browser);
  allowDocumentStatus(page, 404);
  const seen = [];
  for (const number of [registration.dana, 'BSANZ-9999']) {
    await page.goto(`${server.url}/societies/${SOCIETY.slug}/register`);
    await page.getByRole('searchbox', { name: /^Registration number/ }).fill(number);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/register/${number}`)),
      page.getByRole('button', { name: 'Find' }).click(),
    ]);
    assert.equal(answer.status(), 404);
    await page.getByRole('heading', { level: 1, name: 'Not on the public register' }).waitFor();
    await page.getByText(`${number} is not on the public register of ${SOCIETY.name}.`).waitFor();
    await page.getByText(/a registration can exist without being shown here/).waitFor();
    assert.equal(await page.getByText('Moreau-Quill').count(), 0);
    seen.push((await page.locator('main').innerText()).replace(number, 'N'));
  }
  assert.equal(seen[0], seen[1], 'an unlisted number reads exactly as an unknown one');
  const mark = page.locator('.standing-unknown');
  await mark.waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'entry-not-listed');

  // Suspended and in good standing differ by more than colour.
  await page.goto(`${server.url}/verify/${SOCIETY.slug}/${registration.ada}?as_of=2025-06-15`);
  const suspended = page.locator('.verdict');
  assert.match(await suspended.getAttribute('class'), /standing-not/);
  const notGood = await suspended.evaluate((el) => getComputedStyle(el).borderLeftStyle);
  await page.goto(`${server.url}/verify/${SOCIETY.slug}/${registration.ada}?as_of=2025-09-15`);
  const good = page.locator('.verdict');
  assert.match(await good.getAttribute('class'), /standing-good/);
  assert.notEqual(await good.evaluate((el) => getComputedStyle(el).borderLeftStyle), notGood);
  await assertPageIsSound(page);
});

test('an unknown page is a page for a browser', async () => {
  const page = await openPage(browser);
  allowDocumentStatus(page, 404);
  const response = await page.goto(`${server.url}/societies/${SOCIETY.slug}/no-such-page`);
  assert.equal(response.status(), 404);
  assert.match(response.headers()['content-type'], /^text\/html/);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  await page.getByRole('link', { name: 'Go to the list of registers' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'not-found');
});

test('a visitor pastes a credential and reads whether it is genuine and current', async () => {
  const credential = await server.api.get(
    `/societies/${SOCIETY.slug}/register/${registration.ben}/credential`, { token: registrarToken });
  const page = await openPage(browser);
  await page.goto(`${server.url}/credentials/verify`);
  await page.getByRole('heading', { level: 1, name: 'Verify a credential' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'credential-verify');

  await page.getByLabel('The credential').fill(JSON.stringify(credential, null, 2));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('Genuine and current').waitFor();
  await page.getByText(/The signature holds/).waitFor();
  await page.getByText(new RegExp(`The register says that ${registration.ben} is accredited today`)).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'credential-verified');

  // Changed after it was signed: not genuine, in words.
  const changed = { ...credential, name: 'Something else' };
  await page.getByLabel('The credential').fill(JSON.stringify(changed));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('Not genuine: the signature does not hold').waitFor();
  await assertPageIsSound(page);

  // Not a credential at all: the field says so.
  allowDocumentStatus(page, 422);
  await page.getByLabel('The credential').fill('hello');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText(/This is not a credential/).first().waitFor();
  await assertPageIsSound(page);

  // A badge with the credential baked in, uploaded: checked the same.
  const badge = await fetch(
    `${server.url}/api/v1/societies/${SOCIETY.slug}/register/${registration.ben}/credential.png`,
    { headers: { authorization: `Bearer ${registrarToken}` } });
  assert.equal(badge.headers.get('content-type'), 'image/png');
  // A page of its own: its answers to the same address differ in status.
  const upload = await openPage(browser);
  allowDocumentStatus(upload, 422);
  await upload.goto(`${server.url}/credentials/verify`);
  await upload.getByLabel('Or a file').setInputFiles({
    name: 'badge.png', mimeType: 'image/png', buffer: Buffer.from(await badge.arrayBuffer()),
  });
  await upload.getByRole('button', { name: 'Verify' }).click();
  await upload.getByText('Genuine and current').waitFor();
  await assertPageIsSound(upload);
  await screenshots(upload, 'credential-uploaded');

  // A file with no credential in it: the file's field says so.
  await upload.getByLabel('Or a file').setInputFiles({
    name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello'),
  });
  await upload.getByRole('button', { name: 'Verify' }).click();
  await upload.getByText(/neither a credential \(JSON\) nor a baked badge/).first().waitFor();
  await assertPageIsSound(upload);
});

test('the registrar prints a credential\'s certificate, its QR code linking to the check', async () => {
  const page = await openPage(browser);
  await page.context().addCookies([{ name: 'balint_session', value: registrarToken, url: server.url }]);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/register/${registration.ben}/certificate`);
  await page.getByRole('heading', { level: 1, name: 'Certificate of accreditation' }).waitFor();
  await page.getByRole('img', { name: /QR code of the link/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'credential-certificate');
  const link = page.getByRole('link', { name: /\/credentials\/verify\?id=/ });
  await link.click();
  await page.getByText('Genuine and current').waitFor();
  await assertPageIsSound(page);
});

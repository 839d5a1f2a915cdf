// The registrar's e-mail page on a server with no mail server set: a
// record waiting for an attestor makes a digest, shown as waiting with
// "not sent: no mail server set", in the sent log too. What the messages
// say and how they are sent is judged by the Rust tests against a real
// SMTP server (balint-accredit-api/tests/mail.rs).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertPageIsSound, launch, screenshots, signedIn } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, person, society } from './support/seed.js';

let server;
let browser;
let seeded;

before(async () => {
  [server, browser] = await Promise.all([startServer({ OUTBOX_POLL_MS: '100' }), launch()]);
  seeded = await society(server.api);
});

after(() => Promise.all([browser?.close(), server?.stop()]));

test('a registrar sees the e-mail kept while no mail server is set', async () => {
  const { registrar, registrarEmail } = seeded;
  const ann = await person(server.api, registrar, { given_name: 'Ann', family_name: 'Carter', email: 'ann@example.org' });
  const fay = await person(server.api, registrar, { given_name: 'Fay', family_name: 'Fox' });
  await server.api.post(
    `/societies/${SOCIETY.slug}/people/${fay}/activities`,
    { kind: 'participation', date: '2026-10-04', amount: 1, unit: 'double_sessions', attestor: ann },
    { token: registrar },
  );

  const page = await signedIn(browser, server.url, registrarEmail, PASSWORDS.get(registrarEmail));
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/dashboard`);
  await page.getByRole('navigation', { name: 'Registrar' }).getByRole('link', { name: 'E-mail' }).click();
  await page.getByRole('heading', { level: 1, name: 'E-mail' }).waitFor();
  await page.getByRole('status').getByText('No mail server is set').waitFor();
  const row = page.getByRole('row', { name: /ann@example\.org.*Attestation digest.*not sent: no mail server set/ });
  for (let tries = 0; (await row.count()) === 0; tries += 1) {
    assert.ok(tries < 100, 'the digest never showed');
    await page.reload();
  }
  assert.equal(await row.count(), 2, 'waiting, and in the sent log');
  await assertPageIsSound(page);
  await screenshots(page, 'mail');
});

// The registrar's e-mail page on a server with no mail server set: a
// record waiting for an attestor makes a digest, shown as waiting with
// "not sent: no mail server set", in the sent log too. What the messages
// say and how they are sent is judged by the Rust tests against a real
// SMTP server (balint-accredit-api/tests/mail.rs).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertPageIsSound, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, person, society } from './support/seed.js';

let server;
let browser;
let registrar;
let registrarEmail;

before(async () => {
  server = await startServer({ OUTBOX_POLL_MS: '100' });
  browser = await launch();
  const seeded = await society(server.api);
  registrar = seeded.registrar;
  registrarEmail = seeded.registrarEmail;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a registrar sees the e-mail kept while no mail server is set', async () => {
  const ann = await person(server.api, registrar, { given_name: 'Ann', family_name: 'Carter', email: 'ann@example.org' });
  const fay = await person(server.api, registrar, { given_name: 'Fay', family_name: 'Fox' });
  await server.api.post(
    `/societies/${SOCIETY.slug}/people/${fay}/activities`,
    { kind: 'participation', date: '2026-10-04', amount: 1, unit: 'double_sessions', attestor: ann },
    { token: registrar },
  );

  const page = await openPage(browser);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(registrarEmail);
  await page.getByLabel('Password').fill(PASSWORDS.get(registrarEmail));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
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

// The registrar's webhooks page: the outbox's depth, a new endpoint with
// its secret, a refused URL shown next to its field, the latest
// deliveries, and a delivery's page with its tries and replay. The
// signatures themselves are judged by the standardwebhooks library in the
// Rust tests (tests/webhooks/receiver.py); here a plain local receiver
// answers 500 once, then 200.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, field, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, grant, person, society } from './support/seed.js';

let server;
let browser;
let receiver;
let registrar;
let registrarEmail;
const received = [];

before(async () => {
  // The first delivery is answered 500, every later one 200.
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ id: request.headers['webhook-id'], body: JSON.parse(body) });
      response.writeHead(received.length === 1 ? 500 : 200, { 'content-type': 'text/plain' });
      response.end(received.length === 1 ? 'try again' : 'thanks');
    });
  });
  await new Promise((listening) => receiver.listen(0, '127.0.0.1', listening));
  server = await startServer({ WEBHOOK_ALLOW_PRIVATE: 'true', OUTBOX_POLL_MS: '100', WEBHOOK_RETRY_SECS: '1' });
  browser = await launch();
  const seeded = await society(server.api);
  registrar = seeded.registrar;
  registrarEmail = seeded.registrarEmail;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((closed) => receiver?.close(closed));
});

async function registrarPage() {
  const page = await openPage(browser);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(registrarEmail);
  await page.getByLabel('Password').fill(PASSWORDS.get(registrarEmail));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
  return page;
}

test('a registrar adds an endpoint, sees a grant delivered after a failed try, and replays it', async () => {
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/dashboard`);
  await page.getByRole('navigation', { name: 'Registrar' }).getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks and the outbox' }).waitFor();
  await page.getByText('No endpoints yet.').waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'webhooks-empty');

  // Only grants, to the local receiver.
  const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
  await field(page, 'URL').fill(url);
  for (const box of await page.getByRole('checkbox').all()) await box.uncheck();
  await page.getByRole('checkbox', { name: /a tier granted on the register/ }).check();
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  const created = page.getByRole('status').filter({ hasText: 'The endpoint was added' });
  await created.waitFor();
  assert.match(await created.innerText(), /whsec_/);
  await assertPageIsSound(page);

  // The API agrees: one endpoint, for grants only.
  const endpoints = await server.api.get(`/societies/${SOCIETY.slug}/webhooks`, { token: registrar });
  assert.equal(endpoints.total, 1);
  assert.deepEqual(endpoints.items[0].event_types, ['register_entry.granted']);

  // A grant is delivered on the second try.
  const ann = await person(server.api, registrar, { given_name: 'Ann', family_name: 'Carter' });
  await grant(server.api, registrar, ann, '2025-03-01');
  const row = page.getByRole('row', { name: /register_entry\.granted.*Delivered/ });
  for (let tries = 0; (await row.count()) === 0; tries += 1) {
    assert.ok(tries < 100, 'the delivery never showed as delivered');
    await page.reload();
  }
  await assertPageIsSound(page);
  await screenshots(page, 'webhooks');
  // Reloading the page added nothing.
  const still = await server.api.get(`/societies/${SOCIETY.slug}/webhooks`, { token: registrar });
  assert.equal(still.total, 1);

  await row.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: 'Delivery of register_entry.granted' }).waitFor();
  const tries = page.getByRole('table');
  await tries.getByRole('row', { name: /1 .*500.*try again/ }).waitFor();
  await tries.getByRole('row', { name: /2 .*200.*thanks/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'webhook-delivery');

  await page.getByRole('button', { name: 'Send it again' }).click();
  await page.getByRole('status').getByText('The delivery will be sent again now').waitFor();
  await assertPageIsSound(page);
  for (let waited = 0; received.length < 3; waited += 1) {
    assert.ok(waited < 100, 'the replay never arrived');
    await new Promise((wake) => setTimeout(wake, 100));
  }
  assert.equal(received[2].id, received[0].id, 'a replay keeps its webhook-id');
  assert.equal(received[2].body.type, 'register_entry.granted');
});

test('a URL that is not one is refused next to its field, what was typed kept', async () => {
  const page = await registrarPage();
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/webhooks`);
  allowDocumentStatus(page, 422);
  await field(page, 'URL').fill('ftp://hooks.example.org/');
  await field(page, 'What it is for').fill('The HR system');
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  await page.getByText('must be an http or https URL').first().waitFor();
  assert.equal(await field(page, 'What it is for').inputValue(), 'The HR system');
  await assertPageIsSound(page);
  await screenshots(page, 'webhooks-refused');
});

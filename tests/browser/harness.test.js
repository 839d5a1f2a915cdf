// The harness itself, on pages the server has always served: the binary
// starts on a fresh database, Chromium opens a page, the console and axe
// checks run, and screenshots are written.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  SCREENSHOTS,
  allowDocumentStatus,
  assertAccessible,
  assertNoConsoleErrors,
  assertPageIsSound,
  launch,
  openPage,
  screenshots,
} from './support/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startServer } from './support/server.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the server starts on a fresh database and the administrator can log in', async () => {
  const token = await server.api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await server.api.get('/auth/me', { token });
  assert.equal(me.email, ADMIN_EMAIL);
});

test('the API documentation page opens in Chromium without console errors and is photographed', async () => {
  const page = await openPage(browser);
  const response = await page.goto(`${server.url}/api/v1/docs`);
  assert.equal(response.status(), 200);
  await page.getByRole('heading', { level: 1 }).waitFor();
  assertNoConsoleErrors(page);
  await assertAccessible(page);
  // The documentation is very long, so its first screen shows enough.
  await screenshots(page, 'api-docs', { fullPage: false });
  for (const width of ['phone', 'desktop']) {
    assert.ok(existsSync(join(SCREENSHOTS, `api-docs-${width}.png`)), `no ${width} screenshot`);
  }
});

test('the accessibility check passes a well-made page', async () => {
  const page = await openPage(browser);
  await page.setContent(
    '<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Register</h1>' +
      '<form><label for="q">Name</label><input id="q" name="q"><button>Search</button></form></main></body></html>',
  );
  await assertPageIsSound(page);
});

test('the accessibility check fails a page with a serious violation, naming the rule', async () => {
  const page = await openPage(browser);
  // An image without alternative text and a button without a name: what a
  // careless page would do, so the check is seen to bite.
  await page.setContent(
    '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>' +
      '<img src="data:,"><button></button></main></body></html>',
  );
  await assert.rejects(assertAccessible(page), (error) => {
    assert.match(error.message, /- button-name \(critical\)/);
    assert.match(error.message, /- image-alt \(critical\)/);
    return true;
  });
});

test('the console check reports a script error on the page', async () => {
  const page = await openPage(browser);
  await page.setContent('<!doctype html><html lang="en"><title>x</title><script>undefinedFunction()</script></html>');
  assert.throws(() => assertNoConsoleErrors(page), /undefinedFunction is not defined/);
});

test('an error status of the page itself counts unless the test expects it', async () => {
  const page = await openPage(browser);
  const response = await page.goto(`${server.url}/api/v1/no-such-resource`);
  assert.equal(response.status(), 404);
  assert.throws(() => assertNoConsoleErrors(page), /status of 404/);
  allowDocumentStatus(page, 404);
  assertNoConsoleErrors(page);
});

test('a page wider than a phone fails the screenshot check, after the screenshot is written', async () => {
  const page = await openPage(browser);
  await page.setContent('<!doctype html><html lang="en"><title>wide</title><main><h1>Wide</h1><table><tr><td style="min-width:900px">x</td></tr></table></main></html>');
  await assert.rejects(screenshots(page, 'harness-wide'), /900px wide on a 390px phone|\d+px wide on a 390px phone/);
  assert.ok(existsSync(join(SCREENSHOTS, 'harness-wide-phone.png')));
  // Not a page of the service: keep it out of the folder people look at.
  for (const width of ['phone', 'desktop']) await rm(join(SCREENSHOTS, `harness-wide-${width}.png`));
});

// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// with the checks every page visit gets: no console errors, an axe-core
// accessibility run with no serious or critical violations, and
// screenshots at phone and desktop widths.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/**
 * Start Chromium. Playwright gives it a fresh temporary profile
 * (user-data-dir) of its own and removes it on close; the flags keep it
 * from reaching out to Google's services, which are unreachable here.
 */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (its own cookies) and page at desktop width,
 * which records every console error, uncaught page error and failed
 * request. Call `assertNoConsoleErrors(page)` to check them.
 */
export async function openPage(browser, { viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const seen = { problems: [], documents: new Map(), allowed: new Set() };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url || page.url();
    // Chromium asks every site for /favicon.ico on its own; a missing one is
    // not an error of the page.
    if (new URL(source, page.url()).pathname === '/favicon.ico') return;
    seen.problems.push({ text: message.text(), source });
  });
  page.on('pageerror', (error) => seen.problems.push({ text: `page error: ${error.message}`, source: page.url() }));
  page.on('requestfailed', (request) => {
    // The browser cancels the page's icon when the test moves on to the
    // next page before it arrived: a navigation, not a fault of the page.
    const cancelledIcon =
      request.failure()?.errorText === 'net::ERR_ABORTED' && new URL(request.url()).pathname === '/static/favicon.svg';
    if (cancelledIcon) return;
    seen.problems.push({ text: `request failed: ${request.method()} ${request.failure()?.errorText}`, source: request.url() });
  });
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') seen.documents.set(response.url(), response.status());
  });
  pages.set(page, seen);
  return page;
}

const pages = new WeakMap();

/**
 * The page's own answer may have this error status (a 404 page, a form
 * sent back with its problems) and the test checks it: Chromium's console
 * line about that status is then expected. Errors of anything else the
 * page loads still count.
 */
export function allowDocumentStatus(page, status) {
  pages.get(page).allowed.add(status);
}

/** Fails with every console error, page error or failed request seen so far. */
export function assertNoConsoleErrors(page) {
  const seen = pages.get(page);
  const problems = seen.problems
    .filter(({ text, source }) => {
      const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text)?.[1];
      return !(status && seen.allowed.has(Number(status)) && seen.documents.get(source) === Number(status));
    })
    .map(({ text, source }) => `${text} (${source})`);
  assert.deepEqual(problems, [], `the browser reported problems:\n${problems.join('\n')}`);
}

/**
 * Run axe-core on the page as it is now; fails with a readable list of the
 * serious and critical violations (rule, impact, what it means, where).
 */
export async function assertAccessible(page) {
  // Evaluated through the DevTools protocol rather than added as a
  // <script>: the pages' Content-Security-Policy allows no script, and it
  // stays in force so that a violation shows as a console error.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`),
    }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const readable = serious
    .map((v) => `- ${v.id} (${v.impact}): ${v.help}\n${v.targets.map((t) => `    ${t.replace(/\n/g, ' ')}`).join('\n')}`)
    .join('\n');
  assert.equal(serious.length, 0, `axe found serious accessibility violations on ${page.url()}:\n${readable}`);
}

/**
 * The checks every visited page gets: no console errors so far, and no
 * serious accessibility violations.
 */
export async function assertPageIsSound(page) {
  assertNoConsoleErrors(page);
  await assertAccessible(page);
}

/**
 * Screenshots of the page as it is now, full length (or only the first
 * screen with `fullPage: false`), at phone and desktop widths:
 * `screenshots/<name>-phone.png` and `<name>-desktop.png`. The page is left
 * at desktop width. At phone width nothing may stick out sideways (no
 * scrolling left and right to read a page); the screenshots are written
 * before that is checked, so the fault can be seen.
 */
export async function screenshots(page, name, { fullPage = true, fitsPhone = true } = {}) {
  await mkdir(SCREENSHOTS, { recursive: true });
  let phoneWidth = 0;
  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ]) {
    await page.setViewportSize(viewport);
    if (label === 'phone') phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage });
  }
  if (fitsPhone) {
    assert.ok(
      phoneWidth <= PHONE.width,
      `${page.url()} is ${phoneWidth}px wide on a ${PHONE.width}px phone: something sticks out (see screenshots/${name}-phone.png)`,
    );
  }
}

/**
 * The form field labelled `name` within `scope`. A label may go on with a
 * hint ("Date" + "The day it took place, ..."), so the name is matched at
 * the label's start, as a whole word.
 */
export function field(scope, name) {
  return scope.getByLabel(new RegExp(`^${name}(?![a-z])`));
}

/** A page of `browser` signed in at `url` with `email` and `password`, on "My pages". */
export async function signedIn(browser, url, email, password) {
  const page = await openPage(browser);
  await page.goto(`${url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'My pages' }).waitFor();
  return page;
}

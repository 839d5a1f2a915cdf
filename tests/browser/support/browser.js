// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// with the checks every page visit gets: no console errors, an axe-core
// accessibility run with no serious or critical violations, and
// screenshots at phone and desktop widths.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const AXE = require.resolve('axe-core/axe.min.js');

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
 * which records every console error and uncaught page error. Call
 * `assertNoConsoleErrors(page)` to check them.
 */
export async function openPage(browser, { viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url || page.url();
    // Chromium asks every site for /favicon.ico on its own; a missing one is
    // not an error of the page.
    if (new URL(source, page.url()).pathname === '/favicon.ico') return;
    problems.push(`console error: ${message.text()} (${source})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message} (${page.url()})`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
  );
  consoleProblems.set(page, problems);
  return page;
}

const consoleProblems = new WeakMap();

/** Fails with every console error, page error or failed request seen so far. */
export function assertNoConsoleErrors(page) {
  const problems = consoleProblems.get(page) ?? [];
  assert.deepEqual(problems, [], `the browser reported problems:\n${problems.join('\n')}`);
}

/**
 * Run axe-core on the page as it is now; fails with a readable list of the
 * serious and critical violations (rule, impact, what it means, where).
 */
export async function assertAccessible(page) {
  await page.addScriptTag({ path: AXE });
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
 * at desktop width.
 */
export async function screenshots(page, name, { fullPage = true } = {}) {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage });
  }
}

// A Balint group of eight: its page (leaders, members, sessions, and why
// sessions hold counts only), and the leader's session form: a choice per
// member, a problem named next to its member, then recorded, each
// attendee's record confirmed; the session's own page, where its leader
// corrects it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { allowDocumentStatus, assertPageIsSound, launch, openPage, screenshots } from './support/browser.js';
import { startServer } from './support/server.js';
import { PASSWORDS, SOCIETY, createLogin, daysAgo, person, society } from './support/seed.js';

const LEADER = 'lena.leader@example.org';
const NAMES = ['Ada', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana'];

let server;
let browser;
let group;
let members;
let registrarEmail;

before(async () => {
  server = await startServer();
  browser = await launch();
  const { api } = server;
  const { registrar, registrarEmail: email } = await society(api);
  registrarEmail = email;
  const leader = await person(api, registrar, { given_name: 'Lena', family_name: 'Leader' });
  await createLogin(api, registrar, { email: LEADER, person_id: leader });
  members = [];
  for (const name of NAMES) {
    members.push(await person(api, registrar, { given_name: name, family_name: 'Member' }));
  }
  const created = await api.post(`/societies/${SOCIETY.slug}/groups`, {
    name: 'Dunedin Tuesday group',
    audience: 'GP trainees',
    term: 'ongoing',
    delivery: 'hybrid',
    usual_minutes: 90,
  }, { token: registrar });
  group = created.id;
  await api.post(`/societies/${SOCIETY.slug}/groups/${group}/leaders`,
    { person: leader, role: 'leader', from: daysAgo(400) }, { token: registrar });
  for (const id of members) {
    await api.post(`/societies/${SOCIETY.slug}/groups/${group}/members`,
      { person: id, joined_on: daysAgo(400) }, { token: registrar });
  }
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

/** The fieldset of the member called `name`. */
function member(page, name) {
  return page.getByRole('group', { name: `${name} Member` });
}

test('a leader records a session of eight from the group page', async () => {
  const page = await openPage(browser);
  await signIn(page, LEADER);
  await page.getByRole('link', { name: 'Balint groups' }).click();
  await page.getByRole('link', { name: 'Dunedin Tuesday group' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dunedin Tuesday group' }).waitFor();
  await page.getByText('What a case was about is never recorded here').first().waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'group');

  await page.getByRole('link', { name: 'Record a session' }).click();
  await page.getByRole('heading', { level: 1, name: /^Record a session/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'group-session-form');

  await page.getByLabel('Date').fill(daysAgo(1));
  for (const name of NAMES.slice(0, 7)) {
    await member(page, name).getByRole('radio', { name: /^Attended\b(?! by video)/ }).check();
  }
  await member(page, NAMES[7]).getByRole('radio', { name: /^Attended by video/ }).check();
  // A presenter, but no case counted: the form says so.
  await member(page, NAMES[0]).getByRole('checkbox', { name: /^Presented a case/ }).check();
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Record the session' }).click(),
  ]);
  assert.equal(refused.status(), 422);
  allowDocumentStatus(page, 422);
  await page.getByRole('alert').getByText(/at least the number of presenters/).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'group-session-problems');

  await page.getByLabel(/^Cases presented/).fill('1');
  await page.getByRole('button', { name: 'Record the session' }).click();
  await page.getByText('The session was recorded').waitFor();
  // The group's page, opened afresh (the form's address answered 422 and
  // then 303): the session is listed, eight attended.
  const fresh = await openPage(browser);
  await signIn(fresh, LEADER);
  await fresh.goto(`${server.url}/societies/${SOCIETY.slug}/groups/${group}`);
  await fresh.getByRole('cell', { name: '8', exact: true }).first().waitFor();
  await assertPageIsSound(fresh);
  await screenshots(fresh, 'group-with-session');

  const token = await server.api.login(LEADER, PASSWORDS.get(LEADER));
  const sessions = await server.api.get(`/societies/${SOCIETY.slug}/groups/${group}/sessions`, { token });
  assert.equal(sessions.total, 1);
  const [recorded] = sessions.items;
  const participation = recorded.records.filter((r) => r.kind === 'participation');
  assert.equal(participation.length, 8);
  assert.ok(participation.every((r) => r.status === 'confirmed'));
  assert.equal(recorded.people.filter((p) => p.attendance === 'online').length, 1);
});

test('the registrar manages the group on its page', async () => {
  const page = await openPage(browser);
  await signIn(page, registrarEmail);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/groups`);
  await page.getByRole('heading', { level: 1, name: /^Balint groups/ }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-groups');
  await page.getByRole('link', { name: 'Dunedin Tuesday group' }).click();
  await page.getByRole('heading', { level: 2, name: 'Change the group' }).waitFor();
  await page.getByLabel(/^Usual length/).fill('75');
  await page.getByRole('button', { name: 'Save the changes' }).click();
  await page.getByText('The group was changed.').waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'registrar-group');
  const token = await server.api.login(registrarEmail, PASSWORDS.get(registrarEmail));
  const changed = await server.api.get(`/societies/${SOCIETY.slug}/groups/${group}`, { token });
  assert.equal(changed.usual_minutes, 75);
});

test('a leader corrects a session on its own page', async () => {
  const token = await server.api.login(LEADER, PASSWORDS.get(LEADER));
  const sessions = await server.api.get(`/societies/${SOCIETY.slug}/groups/${group}/sessions`, { token });
  const [recorded] = sessions.items;
  const page = await openPage(browser);
  await signIn(page, LEADER);
  await page.goto(`${server.url}/societies/${SOCIETY.slug}/groups/${group}/sessions/${recorded.id}`);
  await page.getByRole('heading', { level: 1, name: /^Session of/ }).waitFor();
  await page.getByRole('table', { name: 'Who came, and their records' }).waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'group-session-page');

  await page.getByLabel(/^Length/).fill('60');
  await page.getByRole('button', { name: 'Save the correction' }).click();
  await page.getByText('The session was corrected').waitFor();
  await assertPageIsSound(page);
  await screenshots(page, 'group-session-corrected');
  const now = await server.api.get(`/societies/${SOCIETY.slug}/groups/${group}/sessions/${recorded.id}`, { token });
  assert.equal(now.minutes, 60);
  // Each attendee's confirmed record is corrected by a new one.
  const participation = now.records.filter((r) => r.kind === 'participation');
  assert.equal(participation.length, 8);
  assert.ok(participation.every((r) => r.status === 'confirmed'));
  for (const r of participation) {
    assert.ok(!recorded.records.some((before) => before.activity === r.activity));
  }
});

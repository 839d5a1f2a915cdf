// Data for the scenarios, put in through the JSON API as a society would:
// the platform administrator creates the society and its registrar, the
// registrar adopts the BSANZ pathway, adds people, logins and grants.

import { ADMIN_EMAIL, ADMIN_PASSWORD } from './server.js';

export const SOCIETY = {
  slug: 'bsanz',
  name: 'Balint Society of Australia and New Zealand',
  country: 'AU',
};

/** Passwords of the logins the seed creates, by email. */
export const PASSWORDS = new Map();

/** `days` days before today, as `YYYY-MM-DD` (UTC, as the server counts). */
export function daysAgo(days) {
  const day = new Date(Date.now() - days * 24 * 60 * 60 * 1000);
  return day.toISOString().slice(0, 10);
}

/** Today, as the server's `today()`: `YYYY-MM-DD` in UTC. */
export function today() {
  return daysAgo(0);
}

/**
 * The society with the BSANZ pathway and a registrar login.
 * Returns `{ admin, registrar, registrarEmail }` (bearer tokens).
 */
export async function society(api) {
  const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  await api.post('/societies', SOCIETY, { token: admin });
  const registrarEmail = 'registrar@bsanz.example.org';
  await createLogin(api, admin, { email: registrarEmail, role: 'registrar' });
  const registrar = await api.login(registrarEmail, PASSWORDS.get(registrarEmail));
  await api.post(`/societies/${SOCIETY.slug}/pathway/adopt`, { preset: 'bsanz-leader' }, { token: registrar });
  return { admin, registrar, registrarEmail };
}

/** A person in the society's records; returns their id. */
export async function person(api, token, fields) {
  const created = await api.post(
    `/societies/${SOCIETY.slug}/people`,
    { title: 'Dr', public_listing: true, entered_pathway_on: '2024-02-01', ...fields },
    { token },
  );
  return created.id;
}

/** A login (role `member` or `registrar`), with a password kept in `PASSWORDS`. */
export async function createLogin(api, token, { email, role = 'member', person_id }) {
  const password = `a long passphrase for ${email}`;
  PASSWORDS.set(email, password);
  await api.post(`/societies/${SOCIETY.slug}/users`, { email, password, role, person_id }, { token });
  return { email, password };
}

/** Put `person` on the register with `tier` from `effective`; returns the registration number. */
export async function grant(api, token, personId, effective, tier = 'accredited-leader') {
  const entry = await api.post(
    `/societies/${SOCIETY.slug}/register`,
    { person_id: personId, tier, effective, reason: 'Council decision' },
    { token },
  );
  return entry.registration;
}

/** A status change of an entry, through the API. */
export async function changeStatus(api, token, registration, { action, effective, reason, visibility = 'public' }) {
  return api.post(
    `/societies/${SOCIETY.slug}/register/${registration}/status`,
    { action, effective, reason, visibility },
    { token },
  );
}

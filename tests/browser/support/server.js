// The real `balint-accredit` binary on a free port against a fresh SQLite
// database in a temporary folder, and a small JSON client for seeding data
// through the API.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the binary is: `BALINT_ACCREDIT_BIN`, else the workspace's debug build. */
export const BINARY = resolve(
  process.env.BALINT_ACCREDIT_BIN ??
    join(import.meta.dirname, '..', '..', '..', 'target', 'debug', 'balint-accredit'),
);

export const ADMIN_EMAIL = 'admin@example.org';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** The environment every command of the binary gets: only what we set. */
function environment(databaseUrl, extra = {}) {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'BIND', 'RUST_LOG', 'LOG_FORMAT']) delete env[name];
  return {
    ...env,
    DATABASE_URL: databaseUrl,
    PASSWORD_HASHING: 'fast',
    // The pages' login cookie must work over plain http in tests.
    COOKIE_SECURE: 'false',
    ...extra,
  };
}

/**
 * Migrate a fresh database, create the platform administrator, start
 * `serve` on a port the server picks, and wait until `/readyz` answers.
 * Returns `{ url, api, stop, log }`; `stop()` kills the server and removes
 * the folder. `settings` are more environment variables for it.
 */
export async function startServer(settings = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'balint-browser-'));
  const databaseUrl = `sqlite://${join(dir, 'balint.db')}`;
  const env = environment(databaseUrl, settings);

  await run(BINARY, ['migrate'], { cwd: dir, env });
  await adminCreate(dir, env);

  const child = spawn(BINARY, ['serve'], {
    cwd: dir,
    env: { ...env, BIND: '127.0.0.1:0', LOG_FORMAT: 'json', RUST_LOG: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  const port = await new Promise((resolvePort, reject) => {
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      log.push(line);
      try {
        const event = JSON.parse(line);
        if (typeof event.port === 'number') resolvePort(event.port);
      } catch {
        // Not every line is JSON (e.g. a panic message); keep it in the log.
      }
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`balint-accredit serve exited (${code}) before serving:\n${log.join('\n')}`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((done) => child.once('exit', done));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, api: new Api(url), stop, log };
}

function adminCreate(dir, env) {
  return new Promise((done, reject) => {
    const child = spawn(BINARY, ['admin', 'create', '--email', ADMIN_EMAIL, '--password-stdin'], {
      cwd: dir,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? done() : reject(new Error(`admin create failed (${code}): ${output}`)),
    );
    child.stdin.end(`${ADMIN_PASSWORD}\n`);
  });
}

// Polls /readyz: the server logs its port before the first request can be
// answered, and the database check is what tells it is ready.
async function waitUntilReady(url) {
  const deadline = Date.now() + 30_000;
  let last;
  while (Date.now() < deadline) {
    try {
      const answer = await fetch(`${url}/readyz`);
      if (answer.ok) return;
      last = `status ${answer.status}`;
    } catch (error) {
      last = error.message;
    }
    // A poll interval, not a wait for timing: the loop ends on the answer.
    await new Promise((wake) => setTimeout(wake, 25));
  }
  throw new Error(`${url}/readyz did not answer 200 within 30 s (${last})`);
}

/** A JSON client of `/api/v1` that fails loudly on any unexpected status. */
export class Api {
  constructor(url) {
    this.base = `${url}/api/v1`;
  }

  async request(method, path, { token, body, expect } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    const json = text ? JSON.parse(text) : null;
    const wanted = expect ?? [200, 201];
    if (!wanted.includes(answer.status)) {
      throw new Error(`${method} ${path} answered ${answer.status}: ${text}`);
    }
    return json;
  }

  get(path, options) {
    return this.request('GET', path, options);
  }

  post(path, body, options = {}) {
    return this.request('POST', path, { ...options, body });
  }

  /** Log in; returns the bearer token. */
  async login(email, password) {
    const answer = await this.post('/auth/login', { email, password });
    return answer.token;
  }
}

// A throw-away npm registry for the publish test: Verdaccio on 127.0.0.1 (never another address), on a free port,
// with its storage and config in a directory of its own. @os/* and @acme/* are served only from what is published to
// it (no uplink: nothing of them can come from, or go to, the real registry); every other package is proxied from the
// registry the machine's npm uses.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** A port on 127.0.0.1 that nothing listens on now. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Verdaccio's config: htpasswd users (for publishing), local-only scopes, everything else from `uplink`. */
function config(storage, uplink) {
  return `storage: ${JSON.stringify(storage)}
auth:
  htpasswd:
    file: ${JSON.stringify(join(storage, 'htpasswd'))}
    max_users: 10
uplinks:
  npmjs:
    url: ${JSON.stringify(uplink)}
    timeout: 60s
    max_fails: 5
packages:
  '@os/*':
    access: $all
    publish: $authenticated
  '@acme/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: npmjs
security:
  api:
    jwt:
      sign:
        expiresIn: 1h
web:
  enable: false
server:
  keepAliveTimeout: 60
publish:
  allow_offline: true
log:
  type: stdout
  format: pretty
  level: warn
`;
}

/**
 * Starts Verdaccio in `directory` (its config and storage go there) and resolves once it answers, with its `url`, a
 * `token` that may publish, and `stop()`. `uplink` is the registry other packages are proxied from.
 */
export async function startRegistry(directory, uplink) {
  const storage = join(directory, 'storage');
  mkdirSync(storage, { recursive: true });
  const configFile = join(directory, 'config.yaml');
  writeFileSync(configFile, config(storage, uplink));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bin = join(require.resolve('verdaccio/package.json'), '../bin/verdaccio');
  const server = spawn(process.execPath, [bin, '--config', configFile, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VERDACCIO_HANDLE_KILL_SIGNALS: 'true' },
  });
  let log = '';
  server.stdout.on('data', (chunk) => {
    log += chunk;
  });
  server.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise((resolveExit) => server.once('exit', resolveExit));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`Verdaccio exited with ${server.exitCode}:\n${log}`);
      try {
        const response = await fetch(`${url}/-/ping`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Verdaccio did not answer on ${url} within 30 s:\n${log}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    // a user of its own, for publishing (npm's adduser request)
    const response = await fetch(`${url}/-/user/org.couchdb.user:publisher`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'publisher', password: 'publish-test', type: 'user', roles: [] }),
    });
    const body = await response.json();
    if (!response.ok || typeof body.token !== 'string') {
      throw new Error(`Verdaccio refused the publishing user: ${response.status} ${JSON.stringify(body)}`);
    }
    return { url, port, token: body.token, stop, log: () => log };
  } catch (error) {
    await stop();
    throw error;
  }
}

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DepotServer, serveDepot } from '../src/host.js';
import { rawGet } from './http.js';

let server: DepotServer;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'os-depot-serve-'));
  const depot = join(scratch, 'depot');
  mkdirSync(join(depot, 'gapstage/pkg/x'), { recursive: true });
  writeFileSync(join(depot, 'gapstage/pubkey'), 'PUBLIC\n');
  writeFileSync(join(depot, 'gapstage/pkg/x/1.tar.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  writeFileSync(join(scratch, 'secret'), 'SECRET\n');
  symlinkSync(join(scratch, 'secret'), join(depot, 'gapstage/leak'));
  symlinkSync(scratch, join(depot, 'gapstage/up'));
  symlinkSync(join(depot, 'gapstage/pubkey'), join(depot, 'gapstage/alias'));
  server = await serveDepot(depot);
});

afterAll(async () => {
  await server.close();
});

describe('the depot server', () => {
  it('listens on loopback and serves files by GET, headers by HEAD', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const pubkey = await rawGet(server.port, '/gapstage/pubkey');
    expect([pubkey.status, pubkey.body.toString()]).toEqual([200, 'PUBLIC\n']);
    expect(pubkey.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const archive = await rawGet(server.port, '/gapstage/pkg/x/1.tar.gz?cache=no');
    expect([archive.status, [...archive.body]]).toEqual([200, [0x1f, 0x8b, 1, 2, 3]]);
    expect(archive.headers.get('content-type')).toBe('application/gzip');
    const head = await rawGet(server.port, '/gapstage/pubkey', 'HEAD');
    expect([head.status, head.headers.get('content-length'), head.body.length]).toEqual([200, '7', 0]);
    const fetched = await fetch(`${server.url}gapstage/pubkey`);
    expect(await fetched.text()).toBe('PUBLIC\n');
  });

  it('answers 404 for what is missing and for folders, and follows a symlink that stays inside', async () => {
    for (const target of ['/', '/gapstage', '/gapstage/', '/gapstage/nothing', '/gapstage//pubkey'])
      expect([target, (await rawGet(server.port, target)).status]).toEqual([target, 404]);
    expect((await rawGet(server.port, '/gapstage/alias')).body.toString()).toBe('PUBLIC\n');
  });

  it.each([
    '/../secret',
    '/gapstage/../../secret',
    '/%2e%2e/secret',
    '/%2E%2E/secret',
    '/gapstage/%2e%2e/%2e%2e/secret',
    '/..%2fsecret',
    '/gapstage/..%2F..%2Fsecret',
    '/gapstage/.%2e/.%2e/secret',
    '/..%5csecret',
    '/gapstage/%2e/pubkey',
    '/gapstage/leak',
    '/gapstage/up/secret',
  ])('refuses %s with 403', async (target) => {
    const response = await rawGet(server.port, target);
    expect(response.status).toBe(403);
    expect(response.body.toString()).toBe('403 outside the depot\n');
  });

  it('refuses malformed targets and every method but GET and HEAD', async () => {
    expect((await rawGet(server.port, '/%E0%A4%A')).status).toBe(400);
    expect((await rawGet(server.port, 'http://127.0.0.1/gapstage/pubkey')).status).toBe(400);
    const put = await rawGet(server.port, '/gapstage/pubkey', 'DELETE');
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_DEPLOY_ENTRIES, readDesiredDocument } from '../src/index.js';

const trusted = new Set(['gapstage']);
const read = (value: unknown) =>
  readDesiredDocument(typeof value === 'string' ? value : JSON.stringify(value), trusted);
const start = (fields: Record<string, unknown>) => ({ start: fields });
const HTTP = { name: 'http_server', pkg: 'gapstage/pkg/http_server/2023-01-01' };

describe('the desired document', () => {
  it("reads Figure 7's list: names, pkg paths, an entry's own config as written", () => {
    const document = read({
      $version: 3,
      deploy: [
        start(HTTP),
        start({ name: 'bridge', pkg: 'gapstage/pkg/mqtt_bridge/2023-02-01', config: '<config a="1"/>' }),
      ],
    });
    expect(document).toMatchObject({
      kind: 'deploy',
      version: 3,
      failures: [],
      entries: [
        { name: 'http_server', pkg: { path: 'gapstage/pkg/http_server/2023-01-01', user: 'gapstage' } },
        { name: 'bridge', config: '<config a="1"/>' },
      ],
    });
  });

  it('takes a missing or null deploy list as an empty one (the twin deleted it)', () => {
    expect(read({ $version: 4 })).toEqual({ kind: 'deploy', version: 4, entries: [], failures: [] });
    expect(read({ $version: 5, deploy: null })).toEqual({ kind: 'deploy', version: 5, entries: [], failures: [] });
  });

  it('refuses a document that is no JSON object, has no $version, or is marked invalid, as a whole', () => {
    expect(read('{"$version": 1, "deploy": [')).toMatchObject({ kind: 'invalid', version: null });
    expect(read('[]')).toMatchObject({ kind: 'invalid', reason: 'the desired document is no JSON object' });
    expect(read({ deploy: [] })).toMatchObject({ kind: 'invalid', version: null });
    expect(read({ $version: 1.5, deploy: [] })).toMatchObject({ kind: 'invalid', version: null });
    expect(read({ $version: 7, invalid: 'too large' })).toEqual({
      kind: 'invalid',
      version: 7,
      reason: 'the desired document is invalid: too large; nothing of it was applied',
    });
    expect(read({ $version: 8, deploy: { a: 1 } })).toMatchObject({ kind: 'invalid', version: 8 });
    const many = Array.from({ length: MAX_DEPLOY_ENTRIES + 1 }, (_, i) => start({ ...HTTP, name: `c${i}` }));
    expect(read({ $version: 9, deploy: many })).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('257'),
    });
  });

  it('reads a ROM padded with NULs', () => {
    expect(read(`${JSON.stringify({ $version: 2, deploy: [] })}\0\0\0`)).toMatchObject({ kind: 'deploy', version: 2 });
  });

  it('refuses each bad entry on its own, with its reason, keeping the good ones', () => {
    const document = read({
      $version: 1,
      deploy: [
        start(HTTP),
        start({ name: 'nopkg' }),
        start({ name: 'badpath', pkg: 'gapstage/pkg/x' }),
        start({ name: 'binpath', pkg: 'gapstage/bin/js/x/1' }),
        start({ name: 'stranger', pkg: 'mallory/pkg/x/1' }),
        start({ name: 'typo', pkgs: 'gapstage/pkg/x/1' }),
        start({ name: 'number', pkg: 42 }),
        start({ pkg: 'gapstage/pkg/x/1' }),
        start({ name: 'a.b', pkg: 'gapstage/pkg/x/1' }),
        start({ name: 'a -> b', pkg: 'gapstage/pkg/x/1' }),
        'http_server',
        null,
        { stop: HTTP },
      ],
    });
    if (document.kind !== 'deploy') throw new Error('expected a deploy list');
    expect(document.entries.map((entry) => entry.name)).toEqual(['http_server']);
    expect(Object.fromEntries(document.failures.map((failure) => [failure.key, failure.reason]))).toEqual({
      nopkg: 'no "pkg": name the pkg to run, e.g. "gapstage/pkg/http_server/2023-01-01"',
      badpath: expect.stringContaining('archive path "gapstage/pkg/x" has too few parts'),
      binpath: expect.stringContaining('is a bin archive, which is not allowed here (pkg)'),
      stranger: expect.stringMatching(/^user "mallory" is not trusted \(trusted: gapstage\)/),
      typo: expect.stringContaining('unknown key pkgs'),
      number: '"pkg" is number 42; write a pkg path',
      'deploy[7]': expect.stringContaining('"start" has no "name"'),
      'deploy[8]': expect.stringContaining('name "a.b" is not a component name'),
      'deploy[9]': expect.stringContaining('name "a -> b" is not a component name'),
      'deploy[10]': 'deploy[10] is string "http_server", not {"start": {"name": ..., "pkg": ...}}',
      'deploy[11]': 'deploy[11] is null, not {"start": {"name": ..., "pkg": ...}}',
      'deploy[12]': 'deploy[12] is an object, not {"start": {"name": ..., "pkg": ...}}',
    });
    expect(document.failures.find((failure) => failure.key === 'stranger')).toMatchObject({
      named: true,
      pkg: 'mallory/pkg/x/1',
    });
    expect(document.failures.find((failure) => failure.key === 'deploy[8]')).toMatchObject({ named: false });
  });

  it('refuses a name given twice, both entries, naming their places', () => {
    const document = read({ $version: 1, deploy: [start(HTTP), start({ name: 'x', pkg: HTTP.pkg }), start(HTTP)] });
    expect(document).toMatchObject({
      entries: [{ name: 'x' }],
      failures: [
        {
          key: 'http_server',
          reason: 'the name "http_server" is given 2 times (deploy[0], deploy[2]); give each entry a name of its own',
        },
      ],
    });
  });

  it("refuses an entry config that is no single <config> node, so nothing gets into the runtime's config", () => {
    const attempts = [
      '<config/></start><start name="evil"><binary name="init"/></start><config/>',
      '<config/><start name="evil"/>',
      '<config></config></start>',
      '<config><!ENTITY x "y"></config>',
      '<start name="evil"/>',
      'plain text',
      '<config a="1">',
      42,
      `<config a="${'x'.repeat(5000)}"/>`,
    ];
    const document = read({
      $version: 1,
      deploy: attempts.map((config, index) => start({ name: `c${index}`, pkg: HTTP.pkg, config })),
    });
    if (document.kind !== 'deploy') throw new Error('expected a deploy list');
    expect(document.entries).toEqual([]);
    expect(document.failures).toHaveLength(attempts.length);
  });

  it('cuts long reasons and pkg strings, so that a hostile entry cannot blow up the reported state', () => {
    const document = read({ $version: 1, deploy: [start({ name: 'x', pkg: `gapstage/pkg/${'y'.repeat(10_000)}/1` })] });
    if (document.kind !== 'deploy') throw new Error('expected a deploy list');
    const [failure] = document.failures;
    expect(failure?.pkg?.length).toBe(200);
    expect(failure?.reason.length).toBeLessThanOrEqual(512);
  });
});

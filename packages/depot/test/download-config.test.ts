import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import {
  DOWNLOAD_DEFAULTS,
  DownloadConfigError,
  DownloadState,
  backoffDelayMs,
  parseDownloadConfig,
  parseDownloadState,
  parseInstallation,
} from '../src/download.js';
import { DEFAULT_EXTRACT_LIMITS, generateDepotKeyPair } from '../src/index.js';

const { publicKey } = generateDepotKeyPair();
const base64 = publicKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

function config(text: string) {
  return parseDownloadConfig(XmlNode.parse(text, 'ROM "config"'));
}

function refusal(text: string): string {
  try {
    config(text);
  } catch (error) {
    expect(error).toBeInstanceOf(DownloadConfigError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

describe("depot_download's config", () => {
  it('takes the url, the trusted keys (PEM or base64 SPKI), and defaults for the rest', () => {
    const read = config(
      `<config url="http://127.0.0.1:8080/depot">
        <trust user="gapstage" pubkey="${publicKey}"/>
        <trust user="genodelabs" pubkey="${base64}"/>
      </config>`,
    );
    expect(read.url.href).toBe('http://127.0.0.1:8080/depot/');
    expect(read.trust.users()).toEqual(['gapstage', 'genodelabs']);
    expect(read.trust.keyOf('gapstage')?.equals(read.trust.keyOf('genodelabs') as never)).toBe(true);
    expect(read.maxArchiveBytes).toBe(DOWNLOAD_DEFAULTS.maxArchiveBytes);
    expect(read.limits).toEqual(DEFAULT_EXTRACT_LIMITS);
    expect(read.backoff).toEqual({ initialMs: 500, maxMs: 60_000 });
    expect(read.timeoutMs).toBe(30_000);
    expect([read.depot, read.quarantine, read.verbose]).toEqual(['/depot', '/quarantine', false]);
    expect(read.concurrency).toBe(DOWNLOAD_DEFAULTS.concurrency);
  });

  it('reads sizes with Genode suffixes and folders as session paths', () => {
    const read = config(
      '<config url="http://h:1/" max_archive_bytes="2M" max_extract_bytes="8M" max_entries="100" ' +
        'retry_initial_ms="10" retry_max_ms="20" timeout_ms="5" depot="/gw/depot/" quarantine="/gw/q" verbose="yes" ' +
        'concurrency="1"/>',
    );
    expect(read.concurrency).toBe(1);
    expect(read.maxArchiveBytes).toBe(2 * 1024 * 1024);
    expect(read.limits).toEqual({ maxBytes: 8 * 1024 * 1024, maxEntries: 100 });
    expect([read.depot, read.quarantine, read.verbose]).toEqual(['/gw/depot', '/gw/q', true]);
  });

  it('refuses what it cannot work with, naming the line and the fix', () => {
    expect(refusal('<config/>')).toBe('ROM "config":1: <config> names no depot; add url="http://host:port/"');
    expect(refusal('<config url="https://depot.example/"/>')).toBe(
      'ROM "config":1: url="https://depot.example/" is https:, but the download speaks http: only; write ' +
        'url="http://host:port/"',
    );
    expect(refusal('<config url="depot"/>')).toBe(
      'ROM "config":1: url="depot" is no URL; write url="http://host:port/"',
    );
    expect(refusal('<config url="http://u:p@h/"/>')).toContain('has credentials, a query or a fragment');
    expect(refusal('<config url="http://h/" max_archiv_bytes="1"/>')).toContain(
      '<config> has unknown attribute max_archiv_bytes; known: url, max_archive_bytes,',
    );
    expect(refusal('<config url="http://h/">\n<trusted user="a" pubkey="b"/></config>')).toBe(
      'ROM "config":2: <config> has unknown node <trusted>; write <trust user pubkey/>',
    );
    expect(refusal('<config url="http://h/" max_archive_bytes="0"/>')).toBe(
      'ROM "config":1: max_archive_bytes="0" must be greater than 0',
    );
    expect(refusal('<config url="http://h/" timeout_ms="soon"/>')).toContain(
      'attribute timeout_ms="soon" is not a number',
    );
    for (const count of ['0', '17'])
      expect(refusal(`<config url="http://h/" concurrency="${count}"/>`)).toBe(
        `ROM "config":1: concurrency="${Number(count)}" must be a whole number from 1 to 16 (pkgs fetched at once)`,
      );
    expect(refusal('<config url="http://h/" retry_initial_ms="100" retry_max_ms="10"/>')).toBe(
      'ROM "config":1: retry_max_ms="10" is less than retry_initial_ms="100"',
    );
    expect(refusal('<config url="http://h/" depot="/x" quarantine="/x/q"/>')).toBe(
      'ROM "config":1: depot="/x" and quarantine="/x/q" overlap; give them folders side by side',
    );
    expect(refusal('<config url="http://h/" depot="/../etc"/>')).toContain('depot="/../etc" is no folder');
    expect(refusal('<config url="http://h/">\n<trust user="a"/></config>')).toBe(
      'ROM "config":2: <trust> needs user="name" and pubkey="<base64 SPKI or PEM>"',
    );
    expect(
      refusal(
        `<config url="http://h/">\n<trust user="a" pubkey="${base64}"/><trust user="a" pubkey="${base64}"/></config>`,
      ),
    ).toBe('ROM "config":2: <trust> trusts "a" a second time; keep one key a user');
    expect(refusal('<config url="http://h/">\n<trust user="a" pubkey="AAAA"/></config>')).toMatch(
      /^ROM "config":2: <trust>: .*trusted key of a/,
    );
    expect(refusal(`<config url="http://h/">\n<trust user="../a" pubkey="${base64}"/></config>`)).toBe(
      'ROM "config":2: <trust>: trusted key for "../a": not a depot user name',
    );
  });
});

describe('the installation ROM', () => {
  it('lists pkgs once each, and refuses a malformed path or another kind by itself', () => {
    const wanted = parseInstallation(
      XmlNode.parse(
        `<installation arch="js">
          <archive path="gapstage/pkg/a/1"/>
          <archive path="gapstage/pkg/a/1"/>
          <archive path="gapstage/bin/js/a/1"/>
          <archive/>
        </installation>`,
        'ROM "installation"',
      ),
    );
    expect(
      wanted.map((entry) => ('pkg' in entry ? entry.pkg.path : `${entry.path}: ${entry.refused.message}`)),
    ).toEqual([
      'gapstage/pkg/a/1',
      'gapstage/bin/js/a/1: ROM "installation":4: archive path "gapstage/bin/js/a/1" is a bin archive, which is ' +
        'not allowed here (pkg)',
      ': ROM "installation":5: archive path "" has too few parts: write user/kind/name/version, e.g. ' +
        'gapstage/pkg/http_server/2023-01-01',
    ]);
  });

  it('refuses another architecture and another top node as a whole', () => {
    expect(() => parseInstallation(XmlNode.parse('<installation arch="x86_64"/>', 'ROM "installation"'))).toThrow(
      'ROM "installation":1: <installation arch="x86_64">: this depot\'s architecture is "js"',
    );
    expect(() => parseInstallation(XmlNode.parse('<config/>', 'ROM "installation"'))).toThrow(
      'ROM "installation":1: the ROM holds <config>, not <installation>',
    );
  });
});

describe('the download_state report', () => {
  it('escapes what it reports and reads back the same', () => {
    const state = new DownloadState();
    state.set('u/pkg/a/1', { state: 'failed', error: 'BadSignature', reason: 'a "quoted" <tag> & a\nline' });
    state.set('u/bin/js/a/1', { state: 'download', retry: 3, error: 'DepotUnreachable', reason: 'refused' });
    state.set('u/pkg/b/1', { state: 'done' });
    const xml = state.toXml();
    expect(xml).toBe(
      '<download>\n' +
        '\t<archive path="u/pkg/a/1" state="failed" error="BadSignature" ' +
        'reason="a &quot;quoted&quot; &lt;tag&gt; &amp; a line"/>\n' +
        '\t<archive path="u/bin/js/a/1" state="download" retry="3" error="DepotUnreachable" reason="refused"/>\n' +
        '\t<archive path="u/pkg/b/1" state="done"/>\n' +
        '</download>\n',
    );
    expect(parseDownloadState(XmlNode.parse(xml, 'download_state'))).toEqual(
      new Map([
        ['u/pkg/a/1', { state: 'failed', error: 'BadSignature', reason: 'a "quoted" <tag> & a line' }],
        ['u/bin/js/a/1', { state: 'download', retry: 3, error: 'DepotUnreachable', reason: 'refused' }],
        ['u/pkg/b/1', { state: 'done' }],
      ]),
    );
    expect(new DownloadState().toXml()).toBe('<download/>\n');
  });
});

describe('the backoff', () => {
  it('doubles from the first wait up to the cap, each wait in the upper half of its step', () => {
    const policy = { initialMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 40].map((retry) => backoffDelayMs(policy, retry, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 40].map((retry) => backoffDelayMs(policy, retry, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

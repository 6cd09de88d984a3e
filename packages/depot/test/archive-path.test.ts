import { describe, expect, it } from 'vitest';
import {
  ArchivePathError,
  PkgError,
  archiveFileName,
  parseArchivePath,
  parseArchivesFile,
  signatureFileName,
} from '../src/index.js';

describe('an archive path', () => {
  it('names user, kind, name and version, a binary with its architecture js', () => {
    expect(parseArchivePath('gapstage/pkg/http_server/2023-01-01')).toEqual({
      user: 'gapstage',
      kind: 'pkg',
      name: 'http_server',
      version: '2023-01-01',
      path: 'gapstage/pkg/http_server/2023-01-01',
    });
    const bin = parseArchivePath('gapstage/bin/js/http_server/2023-01-01');
    expect([bin.kind, bin.name, bin.version]).toEqual(['bin', 'http_server', '2023-01-01']);
    expect(archiveFileName(bin)).toBe('gapstage/bin/js/http_server/2023-01-01.tar.gz');
    expect(signatureFileName(bin)).toBe('gapstage/bin/js/http_server/2023-01-01.tar.gz.sig');
  });

  it.each([
    ['gapstage/pkg/../2023-01-01', 'has "..", which is not a name'],
    ['gapstage/pkg/http_server/..', 'has "..", which is not a name'],
    ['gapstage//http_server/2023-01-01', 'has kind "": the kinds are src, bin, raw, pkg'],
    ['gapstage/pkg//2023-01-01', 'has an empty part (two slashes, or one at an end)'],
    ['/pkg/http_server/2023-01-01', 'has an empty part (two slashes, or one at an end)'],
    ['gapstage/pkg/http_server/2023-01-01/', 'has 5 parts: write user/pkg/name/version'],
    [
      'gapstage/pkg/http_server',
      'has too few parts: write user/kind/name/version, e.g. gapstage/pkg/http_server/2023-01-01',
    ],
    ['gapstage/api/base/2023-01-01', 'has kind "api": the kinds are src, bin, raw, pkg'],
    ['gapstage/bin/x86_64/http_server/2023-01-01', 'has architecture "x86_64": this depot\'s binaries are "js"'],
    ['gapstage/bin/http_server/2023-01-01', 'has 4 parts: write user/bin/js/name/version'],
    ['gap stage/pkg/http_server/2023-01-01', 'has "gap stage", which is not a name'],
    ['gapstage/pkg/.hidden/2023-01-01', 'has ".hidden", which is not a name'],
    ['gapstage/pkg/a\\b/1', 'has "a\\b", which is not a name'],
    ['_/pkg/http_server/2023-01-01', 'has the user placeholder "_", which only a recipe may use'],
  ])('%s is refused: %s', (text, problem) => {
    let error: unknown;
    try {
      parseArchivePath(text);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ArchivePathError);
    expect((error as Error).message).toContain(`archive path "${text}" ${problem}`);
    expect((error as ArchivePathError).archive).toBe(text);
  });

  it('takes Genode\'s "_" for the user it is told', () => {
    expect(parseArchivePath('_/src/init/1', { user: 'gapstage' }).path).toBe('gapstage/src/init/1');
  });
});

describe('an archives file', () => {
  it('lists one archive a line, blank lines and CRLF ignored', () => {
    const listed = parseArchivesFile('gapstage/bin/js/a/1\r\n\ngapstage/raw/b/2\n', 'x/archives');
    expect(listed.map((archive) => archive.path)).toEqual(['gapstage/bin/js/a/1', 'gapstage/raw/b/2']);
  });

  it('names file and line of a bad path, a duplicate, or an empty list', () => {
    expect(() => parseArchivesFile('gapstage/bin/js/a/1\ngapstage/bin/js/../1\n', 'p/archives')).toThrow(
      new ArchivePathError(
        'p/archives:2: archive path "gapstage/bin/js/../1" has "..", which is not a name',
        'gapstage/bin/js/../1',
      ),
    );
    expect(() => parseArchivesFile('a/raw/b/1\na/raw/b/1\n', 'p/archives')).toThrow(
      new PkgError('p/archives:2: "a/raw/b/1" is listed twice; list it once', 'p/archives'),
    );
    expect(() => parseArchivesFile('\n \n', 'p/archives')).toThrow(
      new PkgError('p/archives: lists no archive; write one depot path a line', 'p/archives'),
    );
  });
});

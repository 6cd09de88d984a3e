import { describe, expect, it } from 'vitest';
import {
  ArchivePathError,
  ArchiveTooLarge,
  BadSignature,
  CheckedArchives,
  CorruptArchive,
  type DepotError,
  MissingArchive,
  PkgError,
  RuntimeFileError,
  type SignedArchive,
  UnknownUser,
  UnsafeEntry,
  type VerifyOptions,
  depotFiles,
  missingArchives,
  verifyPkg,
} from '../src/index.js';
import { RUNTIME, archiveOf, fileEntry, hostileTarGz, publishedPkg, signed, testUser, trustIn } from './fixture.js';

const gapstage = testUser('gapstage');
const other = testUser('other');
const mallory = testUser('mallory');
const BIN = 'gapstage/bin/js/http_server/2023-01-01';
const PKG = 'gapstage/pkg/http_server/2023-01-01';

/** The error `promise` rejects with; fails when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<DepotError> {
  try {
    await promise;
  } catch (error) {
    return error as DepotError;
  }
  throw new Error('expected a refusal, but everything verified');
}

/** Verification of the published pkg with its bin archive replaced by `bin`. */
async function withBin(bin: [string, SignedArchive], options: Partial<VerifyOptions> = {}): Promise<DepotError> {
  const { fetched } = await publishedPkg(gapstage);
  fetched.set(bin[0], bin[1]);
  return refusal(verifyPkg(PKG, fetched, { trust: trustIn(gapstage), ...options }));
}

describe('verifying a downloaded pkg', () => {
  it('checks each archive once per download; anew when fetched again or trusted otherwise', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const checked = new CheckedArchives();
    const options = { trust: trustIn(gapstage), checked };
    expect(await missingArchives(PKG, new Map([[PKG, fetched.get(PKG) as SignedArchive]]), options)).toHaveLength(1);
    const first = await verifyPkg(PKG, fetched, options);
    const again = await verifyPkg(PKG, fetched, options);
    // the unpacked contents are the ones of the first check, not unpacked again
    expect(again.contents.get(BIN)).toBe(first.contents.get(BIN));
    // the same bytes under a trust that lacks gapstage: refused, though this download verified them before
    const untrusted = await refusal(verifyPkg(PKG, fetched, { trust: trustIn(other), checked }));
    expect(untrusted).toBeInstanceOf(UnknownUser);
    // the bin archive fetched again, changed: a new download's bytes are verified anew
    const bin = fetched.get(BIN) as SignedArchive;
    const changed = Uint8Array.from(bin.archive);
    changed[changed.length - 1] = (changed.at(-1) ?? 0) ^ 1;
    fetched.set(BIN, { archive: changed, signature: bin.signature });
    expect(await refusal(verifyPkg(PKG, fetched, options))).toBeInstanceOf(BadSignature);
  });

  it('returns the runtime, the binary and every file once all verified', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const verified = await verifyPkg(PKG, fetched, { trust: trustIn(gapstage, other) });
    expect(verified.pkg.path).toBe(PKG);
    expect(verified.archives.map((archive) => archive.path)).toEqual([PKG, BIN]);
    expect(verified.binary?.path).toBe(BIN);
    expect(verified.readme).toBe('serves a page\n');
    expect(verified.runtime).toMatchObject({ ram: 4 * 1024 * 1024, caps: 60, binary: 'http_server' });
    expect(verified.runtime.requires.map((required) => required.service)).toEqual(['Timer', 'Net']);
    expect(verified.runtime.config).toBe('<config port="8080"/>');
    expect(depotFiles(verified).map((file) => file.path)).toEqual([
      `${PKG}/README`,
      `${PKG}/archives`,
      `${PKG}/runtime`,
      `${BIN}/dist/main.js`,
      `${BIN}/package.json`,
    ]);
  });

  it('says what to fetch next, reading lists only from verified pkgs', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const options = { trust: trustIn(gapstage) };
    const paths = async (have: Map<string, SignedArchive>) =>
      (await missingArchives(PKG, have, options)).map((archive) => archive.path);
    expect(await paths(new Map())).toEqual([PKG]);
    expect(await paths(new Map([[PKG, fetched.get(PKG) as SignedArchive]]))).toEqual([BIN]);
    expect(await paths(fetched)).toEqual([]);
    const forged = new Map([signed(PKG, (fetched.get(PKG) as SignedArchive).archive, mallory)]);
    expect(await refusal(missingArchives(PKG, forged, options))).toBeInstanceOf(BadSignature);
  });

  it('follows nested pkgs, each archive verified against its own user', async () => {
    const base = 'other/pkg/base/1';
    const data = 'other/raw/pages/1';
    const { fetched } = await publishedPkg(gapstage);
    const top = await archiveOf(PKG, {
      archives: `${BIN}\n${base}\n`,
      runtime: '<runtime ram="1M" caps="10" binary="http_server"/>',
    });
    fetched.set(...signed(PKG, top, gapstage));
    const options = { trust: trustIn(gapstage, other) };
    expect((await missingArchives(PKG, fetched, options)).map((archive) => archive.path)).toEqual([base]);
    fetched.set(...signed(base, await archiveOf(base, { archives: `${data}\n${PKG}\n` }), other));
    expect((await missingArchives(PKG, fetched, options)).map((archive) => archive.path)).toEqual([data]);
    fetched.set(...signed(data, await archiveOf(data, { 'index.html': '<h1>hi</h1>' }), other));
    const verified = await verifyPkg(PKG, fetched, options);
    expect(verified.archives.map((archive) => archive.path)).toEqual([PKG, BIN, base, data]);
    expect(new TextDecoder().decode(verified.contents.get(data)?.files.get('index.html'))).toBe('<h1>hi</h1>');
  });
});

describe('a download is refused, naming the archive and why', () => {
  it('when its user has no trusted key', async () => {
    const { fetched } = await publishedPkg(mallory);
    const error = await refusal(verifyPkg('mallory/pkg/http_server/2023-01-01', fetched, { trust: trustIn(gapstage) }));
    expect(error).toBeInstanceOf(UnknownUser);
    expect(error.message).toBe(
      'mallory/pkg/http_server/2023-01-01: user "mallory" has no trusted key (trusted: gapstage); add ' +
        "mallory's pubkey to the trusted keys to accept its archives",
    );
    expect(error.archive).toBe('mallory/pkg/http_server/2023-01-01');
  });

  it('when an archive it lists is of a user without a trusted key', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const foreign = 'mallory/raw/pages/1';
    fetched.set(...signed(PKG, await archiveOf(PKG, { archives: `${BIN}\n${foreign}\n`, runtime: RUNTIME }), gapstage));
    fetched.set(...signed(foreign, await archiveOf(foreign, { 'index.html': 'x' }), mallory));
    const error = await refusal(verifyPkg(PKG, fetched, { trust: trustIn(gapstage) }));
    expect(error).toBeInstanceOf(UnknownUser);
    expect(error.archive).toBe(foreign);
    expect(error.message).toMatch(/^mallory\/raw\/pages\/1: user "mallory" has no trusted key \(trusted: gapstage\)/);
  });

  it('when an archive it lists is missing', async () => {
    const { fetched } = await publishedPkg(gapstage);
    fetched.delete(BIN);
    const error = await refusal(verifyPkg(PKG, fetched, { trust: trustIn(gapstage) }));
    expect(error).toBeInstanceOf(MissingArchive);
    expect(error.message).toBe(
      `${PKG}: archive ${BIN} is missing (each needs its .tar.gz and .tar.gz.sig); fetch it first`,
    );
    expect(error.archive).toBe(BIN);
  });

  it('when a signature was made with another key', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const bytes = (fetched.get(BIN) as SignedArchive).archive;
    const byMallory = await withBin(signed(BIN, bytes, mallory));
    expect(byMallory).toBeInstanceOf(BadSignature);
    expect(byMallory.message).toBe(
      `${BIN}: the signature does not verify with gapstage's trusted key: the archive was changed or cut short, or ` +
        'signed with another key',
    );
    const byOther = await withBin(signed(BIN, bytes, other), { trust: trustIn(gapstage, other) });
    expect(byOther.message).toBe(`${BIN}: signed with the key of "other", not with gapstage's trusted key`);
  });

  it('when one byte of an archive is flipped', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const { archive, signature } = fetched.get(BIN) as SignedArchive;
    const flipped = archive.slice();
    const middle = flipped.length >> 1;
    flipped[middle] = (flipped[middle] as number) ^ 0x01;
    const error = await withBin([BIN, { archive: flipped, signature }]);
    expect(error).toBeInstanceOf(BadSignature);
    expect(error.message).toMatch(/^gapstage\/bin\/js\/http_server\/2023-01-01: the signature does not verify/);
  });

  it('when an archive or its signature is cut short', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const { archive, signature } = fetched.get(BIN) as SignedArchive;
    const cut = await withBin([BIN, { archive: archive.slice(0, archive.length - 10), signature }]);
    expect(cut).toBeInstanceOf(BadSignature);
    expect(cut.message).toContain('the archive was changed or cut short');
    const shortSignature = await withBin([BIN, { archive, signature: signature.slice(0, 40) }]);
    expect(shortSignature.message).toBe(
      `${BIN}: ${BIN}.tar.gz.sig holds 40 bytes, an Ed25519 signature 64; it is truncated or no signature`,
    );
  });

  it('when a signed archive is a truncated or corrupt gzip', async () => {
    const whole = await archiveOf(BIN, { 'package.json': '{}', 'big.js': 'x'.repeat(5000) });
    const truncated = await withBin(signed(BIN, whole.slice(0, whole.length - 8), gapstage));
    expect(truncated).toBeInstanceOf(CorruptArchive);
    expect(truncated.message).toBe(
      `${BIN}: its gzip stream ends early (the file is truncated); nothing of the archive is extracted`,
    );
    const garbage = await withBin(signed(BIN, new TextEncoder().encode('<html>404</html>'), gapstage));
    expect(garbage).toBeInstanceOf(CorruptArchive);
    expect(garbage.message).toBe(
      `${BIN}: it is no valid gzip (incorrect header check); nothing of the archive is extracted`,
    );
  });

  it.each([
    ['../evil', 'climbs out of its folder with ".."'],
    ['2023-01-01/../../evil', 'climbs out of its folder with ".."'],
    ['/etc/cron.d/evil', 'is an absolute path'],
    ['other/evil', 'lies outside the archive\'s folder "2023-01-01/"'],
    ['./2023-01-01/evil', 'has an empty or "." part'],
    ['2023-01-01//evil', 'has an empty or "." part'],
    ['2023-01-01/a\\..\\..\\evil', 'has a control character or a backslash in its name'],
  ])('when an entry is named %s', async (name, why) => {
    const bytes = await hostileTarGz([fileEntry('2023-01-01/package.json', '{}'), fileEntry(name)]);
    const error = await withBin(signed(BIN, bytes, gapstage));
    expect(error).toBeInstanceOf(UnsafeEntry);
    expect(error.message).toBe(`${BIN}: entry "${name}" ${why}; nothing of the archive is extracted`);
    expect((error as UnsafeEntry).entry).toBe(name);
  });

  it.each([
    ['symlink', { linkname: '/etc/passwd' }, 'is a symbolic link (to "/etc/passwd")'],
    ['link', { linkname: '2023-01-01/package.json' }, 'is a hard link (to "2023-01-01/package.json")'],
    ['character-device', {}, 'is a character-device, not a file or folder'],
    ['block-device', {}, 'is a block-device, not a file or folder'],
    ['fifo', {}, 'is a fifo, not a file or folder'],
  ] as const)('when an entry is a %s', async (type, extra, why) => {
    const bytes = await hostileTarGz([
      fileEntry('2023-01-01/package.json', '{}'),
      { header: { name: '2023-01-01/entry', size: 0, type, ...extra } },
    ]);
    const error = await withBin(signed(BIN, bytes, gapstage));
    expect(error).toBeInstanceOf(UnsafeEntry);
    expect(error.message).toBe(`${BIN}: entry "2023-01-01/entry" ${why}; nothing of the archive is extracted`);
  });

  it('when an entry is given twice or lies under a file', async () => {
    const twice = await hostileTarGz([
      fileEntry('2023-01-01/package.json', '{}'),
      fileEntry('2023-01-01/package.json'),
    ]);
    expect((await withBin(signed(BIN, twice, gapstage))).message).toBe(
      `${BIN}: entry "2023-01-01/package.json" is given twice; nothing of the archive is extracted`,
    );
    const under = await hostileTarGz([fileEntry('2023-01-01/dist'), fileEntry('2023-01-01/dist/main.js')]);
    expect((await withBin(signed(BIN, under, gapstage))).message).toBe(
      `${BIN}: entry "2023-01-01/dist/main.js" lies under "2023-01-01/dist", which is a file; nothing of the archive ` +
        'is extracted',
    );
  });

  it('when an archive holds more entries than the limit', async () => {
    const many = await hostileTarGz(Array.from({ length: 5 }, (_, index) => fileEntry(`2023-01-01/f${index}`)));
    const error = await withBin(signed(BIN, many, gapstage), { limits: { maxEntries: 4, maxBytes: 1 << 20 } });
    expect(error).toBeInstanceOf(ArchiveTooLarge);
    expect(error.message).toBe(
      `${BIN}: holds 5 entries, more than the limit of 4; nothing of the archive is extracted`,
    );
  });

  it('when an archive is a gzip bomb', async () => {
    const zeros = new Uint8Array(65 * 1024 * 1024);
    const bomb = await hostileTarGz([{ header: { name: '2023-01-01/zeros', size: zeros.length }, body: zeros }]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const error = await withBin(signed(BIN, bomb, gapstage));
    expect(error).toBeInstanceOf(ArchiveTooLarge);
    expect(error.message).toBe(
      `${BIN}: unpacks to more than 67108864 bytes (the limit); nothing of the archive is extracted`,
    );
  });

  it('when the pkg has no runtime, a runtime that does not parse, or a binary it does not list', async () => {
    const trust = trustIn(gapstage);
    const pkgOf = async (content: Record<string, string>) => {
      const { fetched } = await publishedPkg(gapstage);
      fetched.set(...signed(PKG, await archiveOf(PKG, content), gapstage));
      return refusal(verifyPkg(PKG, fetched, { trust }));
    };
    const noRuntime = await pkgOf({ archives: `${BIN}\n` });
    expect(noRuntime).toBeInstanceOf(PkgError);
    expect(noRuntime.message).toBe(`${PKG}: the pkg has no "runtime" file; a deployable pkg needs one`);
    const badRuntime = await pkgOf({ archives: `${BIN}\n`, runtime: '<runtime ram="1M">\n<requires/>\n</runtime>' });
    expect(badRuntime).toBeInstanceOf(RuntimeFileError);
    expect(badRuntime.message).toBe(
      `${PKG}/runtime:1: <runtime> has no caps="..." quota; a deploy needs it (write e.g. caps="100")`,
    );
    const otherBinary = await pkgOf({ archives: `${BIN}\n`, runtime: '<runtime ram="1M" caps="9" binary="x"/>' });
    expect(otherBinary.message).toBe(
      `${PKG}/runtime: binary="x" names none of the pkg's bin archives; list user/bin/js/x/<version> in its ` +
        'archives file',
    );
    const badList = await pkgOf({ archives: 'gapstage/bin/js/../1\n', runtime: '<runtime ram="1M" caps="9"/>' });
    expect(badList).toBeInstanceOf(ArchivePathError);
    expect(badList.message).toMatch(/^gapstage\/pkg\/http_server\/2023-01-01\/archives:1: archive path/);
    const noList = await pkgOf({ runtime: '<runtime ram="1M" caps="9"/>' });
    expect(noList.message).toBe(`${PKG}: the pkg has no "archives" file listing what it needs`);
  });

  it('when what it is asked to verify is no pkg', async () => {
    const { fetched } = await publishedPkg(gapstage);
    const error = await refusal(verifyPkg(BIN, fetched, { trust: trustIn(gapstage) }));
    expect(error).toBeInstanceOf(ArchivePathError);
    expect(error.message).toBe(`archive path "${BIN}" is a bin archive, which is not allowed here (pkg)`);
  });
});

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WIRE_VERSION } from '@os/rpc';
import type { CAC } from 'cac';
import { componentFiles, systemFiles } from './new-templates.js';

/** What `os new` can make. */
export const NEW_KINDS = ['component', 'system'] as const;

/** Options of `os new`. */
export interface NewOptions {
  /** The component package's npm name; by default the directory's name, lower-cased. */
  readonly name?: string | undefined;
  /** Where a relative `dir` is taken from, and where installed `@os` packages are looked up first; `process.cwd()`. */
  readonly cwd?: string;
}

/** Where `os new` writes its report and its errors. */
export interface NewOutput {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** An npm package name: lower case, optionally scoped. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The vitest range a generated package's test runs on (the one this repository's tests run on). */
const VITEST_RANGE = '^4.1.0';

/** The version of package `name` installed where `from` resolves it (each directory tried in turn), if any. */
function installedVersion(name: string, from: readonly string[]): string | undefined {
  for (const directory of from) {
    try {
      const manifest = createRequire(join(directory, 'package.json')).resolve(`${name}/package.json`);
      const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
      if (typeof version === 'string') return version;
    } catch {
      // not installed there: try the next directory
    }
  }
  return undefined;
}

/**
 * The dependency ranges a generated package gets: `^` the version installed beside the target, in the working
 * directory, or beside this command (its own dependencies), else `latest`.
 */
function dependencyRanges(target: string, cwd: string): Record<string, string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const own = JSON.parse(readFileSync(join(here, '../package.json'), 'utf8')) as { version: string };
  const ranges: Record<string, string> = { '@os/cli': `^${own.version}`, vitest: VITEST_RANGE };
  for (const name of ['@os/runtime', '@os/timer', '@os/testing']) {
    const version = installedVersion(name, [target, cwd, here]);
    ranges[name] = version === undefined ? 'latest' : `^${version}`;
  }
  return ranges;
}

/** Why `dir` cannot take new files (it is a file, or a directory with entries), or undefined when it can. */
function refusal(dir: string, shown: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  if (!statSync(dir).isDirectory()) return `${shown} exists and is not a directory`;
  const entries = readdirSync(dir);
  if (entries.length === 0) return undefined;
  const listed = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
  return `${shown} is not empty (${listed}): give a new or an empty directory; nothing was written`;
}

/**
 * `os new <kind> <dir>`: writes a component package (`component`) or a system directory (`system`) into `dir`,
 * which must not exist or be empty. Returns the exit code: 0 when the files were written, 1 for an unknown kind,
 * a bad package name or a target that is not an empty directory (then nothing is written).
 */
export function newCommand(kind: string, dir: string, options: NewOptions, output: NewOutput): number {
  const cwd = options.cwd ?? process.cwd();
  const target = resolve(cwd, dir);
  const fail = (message: string): number => {
    output.stderr(`os new: ${message}`);
    return 1;
  };
  if (!(NEW_KINDS as readonly string[]).includes(kind)) {
    return fail(`unknown kind "${kind}": use "os new component <dir>" or "os new system <dir>"`);
  }
  const refused = refusal(target, dir);
  if (refused !== undefined) return fail(refused);
  let files: Record<string, string>;
  let what: string;
  if (kind === 'component') {
    const packageName =
      options.name ??
      basename(target)
        .toLowerCase()
        .replace(/[^a-z0-9._~-]+/g, '-')
        .replace(/^[._~-]+|[._~-]+$/g, '');
    if (!PACKAGE_NAME.test(packageName) || packageName.length > 214) {
      return fail(
        `"${packageName}" is not an npm package name (lower case letters, digits, "-", "." and "_", optionally ` +
          '"@scope/" in front): give one with --name',
      );
    }
    const startName = packageName.replace(/^@[^/]+\//, '');
    files = componentFiles({ packageName, startName, wire: WIRE_VERSION, ranges: dependencyRanges(target, cwd) });
    what = `component package "${packageName}"`;
  } else {
    files = systemFiles();
    what = 'system';
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    writeFileSync(join(target, path), text);
  }
  const shown = relative(cwd, target) || '.';
  output.stdout(`os new: made the ${what} in ${target}:`);
  for (const path of Object.keys(files)) output.stdout(`  ${path}`);
  output.stdout(
    kind === 'component'
      ? `next: cd ${shown} && npm install && npm test; npx os run system.xml --virtual-time`
      : `next: npx os run ${shown} --virtual-time`,
  );
  return 0;
}

/** Adds `os new <kind> <dir> [--name NAME]` to the command line. */
export function registerNewCommand(cli: CAC): void {
  cli
    .command(
      'new <kind> <dir>',
      'Make a component package (kind "component": manifest, construct, test, system.xml, README) or a system ' +
        'directory (kind "system": system.xml with a timer and a component, README) in <dir>, which must be new ' +
        'or empty',
    )
    .option('--name <name>', 'component: the npm package name (default: the directory name, lower-cased)')
    .example('os new component my-component')
    .example('os new system my-system')
    .action((kind: string, dir: string, flags: { name?: unknown }) => {
      process.exitCode = newCommand(
        String(kind),
        String(dir),
        { name: flags.name === undefined ? undefined : String(flags.name) },
        { stdout: (line) => process.stdout.write(`${line}\n`), stderr: (line) => process.stderr.write(`${line}\n`) },
      );
    });
}

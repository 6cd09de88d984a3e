import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CAC } from 'cac';
import { DepotError } from './errors.js';
import { keygen } from './key-files.js';
import { publish } from './publish.js';
import { type DepotServer, serveDepot } from './depot-server.js';

/** Where `os depot` writes its report lines and its errors. */
export interface DepotOutput {
  /** One line of the report (without its newline). */
  readonly stdout: (line: string) => void;
  /** One line of an error (without its newline). */
  readonly stderr: (line: string) => void;
}

/** How `os depot serve` learns to stop: the command resolves once `stopped` does. */
export interface DepotCommandOptions {
  /** Resolves when a running `serve` should close (the CLI: on SIGINT or SIGTERM). */
  readonly stopped?: Promise<unknown>;
  /** Called with the server once `serve` listens. */
  readonly onServe?: (server: DepotServer) => void;
}

/** The depot folder `keygen` and `publish` use without `--depot`. */
export const DEFAULT_DEPOT = 'depot';

const USAGE = [
  'os depot keygen <user> [--depot DIR] [--key FILE]',
  'os depot publish <component-folder> --user U --version V [--depot DIR] [--key FILE] [--name N]',
  'os depot serve <dir> [--port P]',
];

const OPTIONS: Record<string, ParseArgsConfig['options']> = {
  keygen: { depot: { type: 'string' }, key: { type: 'string' } },
  publish: {
    depot: { type: 'string' },
    key: { type: 'string' },
    user: { type: 'string' },
    version: { type: 'string' },
    name: { type: 'string' },
  },
  serve: { port: { type: 'string' } },
};

class UsageError extends Error {}

function parse(action: string, args: readonly string[], positionals: number) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS[action] ?? {}, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
  if (parsed.positionals.length !== positionals)
    throw new UsageError(
      `"os depot ${action}" takes ${positionals} argument${positionals === 1 ? '' : 's'}, got ` +
        `${parsed.positionals.length}`,
    );
  return { values: parsed.values as Record<string, string | undefined>, positionals: parsed.positionals };
}

function required(values: Record<string, string | undefined>, name: string, action: string): string {
  const value = values[name];
  if (value === undefined || value === '') throw new UsageError(`"os depot ${action}" needs --${name}`);
  return value;
}

async function run(args: readonly string[], output: DepotOutput, options: DepotCommandOptions): Promise<number> {
  const [action = '', ...rest] = args;
  if (action === 'keygen') {
    const { values, positionals } = parse(action, rest, 1);
    const written = keygen(positionals[0] as string, {
      depot: values.depot ?? DEFAULT_DEPOT,
      ...(values.key === undefined ? {} : { key: values.key }),
    });
    output.stdout(`pubkey: ${written.pubkey}`);
    output.stdout(`private key: ${written.key}`);
    return 0;
  }
  if (action === 'publish') {
    const { values, positionals } = parse(action, rest, 1);
    const depot = values.depot ?? DEFAULT_DEPOT;
    const result = await publish(positionals[0] as string, {
      user: required(values, 'user', action),
      version: required(values, 'version', action),
      depot,
      ...(values.key === undefined ? {} : { key: values.key }),
      ...(values.name === undefined ? {} : { name: values.name }),
    });
    for (const archive of result.archives) output.stdout(`publish ${join(depot, archive)}`);
    return 0;
  }
  if (action === 'serve') {
    const { values, positionals } = parse(action, rest, 1);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port ${values.port} is no TCP port (0 to 65535; 0 takes a free one)`);
    const server = await serveDepot(positionals[0] as string, { port });
    output.stdout(`depot: ${server.url}`);
    options.onServe?.(server);
    await (options.stopped ?? new Promise(() => {}));
    await server.close();
    return 0;
  }
  throw new UsageError(action === '' ? 'which? keygen, publish or serve' : `unknown action "${action}"`);
}

/**
 * `os depot <action> ...`: runs `keygen`, `publish` or `serve` with `args` (the words after `depot`) and returns the
 * exit code: 0 done (for `serve`: once `options.stopped` resolved), 1 for an error, reported on `output.stderr` as
 * `os depot: <message>` (with the usage for a wrong argument).
 */
export async function depotCommand(
  args: readonly string[],
  output: DepotOutput,
  options: DepotCommandOptions = {},
): Promise<number> {
  try {
    return await run(args, output, options);
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr(`os depot: ${error.message}`);
      for (const line of USAGE) output.stderr(`  ${line}`);
      return 1;
    }
    if (error instanceof DepotError || (error as { code?: unknown }).code !== undefined) {
      output.stderr(`os depot: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

/**
 * Adds `os depot keygen|publish|serve` to the `os` command. The words after `depot` are parsed here, not by cac (whose
 * global `--version` flag would take `--version V`); `argv` is the process's arguments.
 */
export function registerDepotCommand(cli: CAC, argv: readonly string[] = process.argv): void {
  cli
    .command('depot [...args]', `Genode's depot for components, signed with Ed25519:\n    ${USAGE.join('\n    ')}`)
    .allowUnknownOptions()
    .usage(`keygen|publish|serve ...\n\n  ${USAGE.join('\n  ')}`)
    .example('os depot keygen gapstage --depot depot --key ~/.os/depot/gapstage.key')
    .example('os depot publish ./http_server --user gapstage --version 2023-01-01 --depot depot')
    .example('os depot serve depot --port 8080')
    .action(async () => {
      const words = argv.slice(2);
      const args = words.slice(words.indexOf('depot') + 1);
      const serving = args[0] === 'serve';
      const stopped = new Promise((resolve) => {
        if (!serving) return;
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.exitCode = await depotCommand(
        args,
        { stdout: (line) => process.stdout.write(`${line}\n`), stderr: (line) => process.stderr.write(`${line}\n`) },
        { stopped },
      );
      if (serving) process.exit(process.exitCode);
    });
}

import type { CAC } from 'cac';

/** What `os hub` says when `@os/hub` is not installed: it is an optional peer, with a native dependency. */
export const HUB_MISSING =
  'os hub needs the package @os/hub, which is not installed: npm install @os/hub (it builds better-sqlite3, ' +
  'a native module, so it is not a dependency of @os/cli)';

/** Flags of `os hub` as cac hands them over (numbers or strings). */
interface HubFlags {
  readonly port?: number | string;
  readonly httpsPort?: number | string;
  readonly data?: string;
  readonly parent?: string;
  readonly edge?: boolean;
  readonly device?: string;
  readonly connectTimeout?: number | string;
  readonly responseTimeout?: number | string;
}

function port(value: number | string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new RangeError(`${flag} ${value} is not a port: give a whole number from 0 (any free port) to 65535`);
  }
  return number;
}

function seconds(value: number | string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new RangeError(`${flag} ${value} is not a number of seconds from ${min} to ${max}`);
  }
  return number;
}

/**
 * Declares `os hub ...` (a local IoT Hub for development and tests). `@os/hub` is loaded only when `os hub` runs,
 * so that installing `@os/cli` needs no compiler for people who never run a hub.
 */
export function registerHubCommand(cli: CAC): void {
  cli
    .command(
      'hub [...args]',
      'A local IoT Hub: os hub start | device add ID | twin get|patch ID | invoke ID METHOD | monitor',
    )
    .option('--port <port>', 'hub start: MQTT over TLS port for devices (default 8883; 0 for any free port)')
    .option('--https-port <port>', 'hub start: HTTPS port of the service API (default 8443; 0 for any free port)')
    .option('--edge', 'hub device add: an IoT Edge device (capabilities.iotEdge), which may be a parent')
    .option('--parent <id>', 'hub device add: the parent, an IoT Edge device (the child gets its deviceScope)')
    .option('--device <id>', "hub monitor: only this device's telemetry")
    .option('--connect-timeout <s>', 'hub invoke: seconds to wait for the device to connect (0-300, default 0)')
    .option('--response-timeout <s>', "hub invoke: seconds to wait for the device's answer (5-300, default 30)")
    .option('--data <dir>', "The hub's data directory; the other subcommands find the running hub there", {
      default: '.os-hub',
    })
    .example('os hub start --data .os-hub')
    .example('os hub device add robot-1')
    .example('os hub device add gateway-1 --edge')
    .example('os hub device add robot-2 --parent gateway-1')
    .example('os hub monitor --device robot-2')
    .action(async (args: string[], flags: HubFlags) => {
      let hub: typeof import('@os/hub');
      try {
        hub = await import('@os/hub');
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes('@os/hub')) throw error;
        process.stderr.write(`os: ${HUB_MISSING}\n`);
        process.exitCode = 1;
        return;
      }
      const words = args.map(String);
      // cac drops a lone "-" (standard input) from the arguments: take it back from the command line
      if (words.length === 3 && words[0] === 'twin' && words[1] === 'patch' && process.argv.slice(2).includes('-')) {
        words.push('-');
      }
      process.exitCode = await hub.hubCommand(
        words,
        {
          port: port(flags.port, '--port'),
          httpsPort: port(flags.httpsPort, '--https-port'),
          data: flags.data === undefined ? undefined : String(flags.data),
          parent: flags.parent === undefined ? undefined : String(flags.parent),
          edge: flags.edge === true,
          device: flags.device === undefined ? undefined : String(flags.device),
          connectTimeout: seconds(flags.connectTimeout, '--connect-timeout', 0, 300),
          responseTimeout: seconds(flags.responseTimeout, '--response-timeout', 5, 300),
        },
        { stdout: (line) => process.stdout.write(`${line}\n`), stderr: (line) => process.stderr.write(`${line}\n`) },
      );
    });
}

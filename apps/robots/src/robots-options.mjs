import { parseArgs } from 'node:util';
import { RobotsUsageError } from './robots-errors.mjs';

/** How to run `robots.mjs`, printed with `--help` and after a usage error. */
export const ROBOTS_USAGE = `usage: node apps/robots/robots.mjs --count N --rate R --hub-data DIR [options]

  --count N           robots to simulate (1 to 1000)
  --rate R            readings per second per robot (0.1 to 1000)
  --hub-data DIR      data directory of a running hub (os hub start --data DIR); robots are registered there
  --gateway HOST:PORT connect through a gateway: GatewayHostName=HOST:PORT in each connection string
  --parent GW         register the robots as children of IoT Edge device GW (the gateway's device id)
  --ca FILE           CA certificate (PEM) to trust; the hub's CA by default
  --duration S        stop after S seconds (default: run until SIGINT or SIGTERM)
  --messages M        stop after M readings per robot, once each is answered
  --prefix P          device ids P-1 ... P-N (default robot)
  --max-in-flight K   readings per robot sent but not yet acknowledged, at most (default 1000)
  --quiet             one summary line per second instead of one entry per robot`;

/** Device id characters IoT Hub allows, less `;` (it would end the connection string's field). */
const PREFIX = /^[A-Za-z0-9\-:.+%_#*?!(),=@$']{1,100}$/;
const GATEWAY = /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$/;

/**
 * @param {string} name
 * @param {string | undefined} text
 * @param {number} min
 * @param {number} max
 * @param {boolean} integer
 */
function number(name, text, min, max, integer) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RobotsUsageError(
      `--${name} ${JSON.stringify(text)}: give ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  }
  return value;
}

/**
 * Reads the command line; throws {@link RobotsUsageError} naming the option that is wrong or missing.
 *
 * @param {readonly string[]} args
 * @returns {import('./robots-options.d.mts').RobotsOptions}
 */
export function robotsOptions(args) {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        count: { type: 'string' },
        rate: { type: 'string' },
        'hub-data': { type: 'string' },
        gateway: { type: 'string' },
        parent: { type: 'string' },
        ca: { type: 'string' },
        duration: { type: 'string' },
        messages: { type: 'string' },
        prefix: { type: 'string' },
        'max-in-flight': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new RobotsUsageError(`${(error instanceof Error && error.message) || error}`);
  }
  if (values.help === true) return { help: true };
  const count = number('count', values.count, 1, 1000, true);
  const rate = number('rate', values.rate, 0.1, 1000, false);
  const hubData = values['hub-data'];
  if (count === undefined || rate === undefined || hubData === undefined) {
    throw new RobotsUsageError('--count, --rate and --hub-data are required');
  }
  const gateway = values.gateway;
  if (gateway !== undefined) {
    const port = Number(GATEWAY.exec(gateway)?.[2]);
    if (!(port >= 1 && port <= 65535)) {
      throw new RobotsUsageError(`--gateway ${JSON.stringify(gateway)}: give HOST:PORT, e.g. 127.0.0.1:8884`);
    }
  }
  const parent = values.parent;
  if (parent !== undefined && !PREFIX.test(parent)) {
    throw new RobotsUsageError(`--parent ${JSON.stringify(parent)}: give the gateway's device id`);
  }
  const prefix = values.prefix ?? 'robot';
  if (!PREFIX.test(prefix)) {
    throw new RobotsUsageError(
      `--prefix ${JSON.stringify(prefix)}: give 1 to 100 of the characters IoT Hub allows in device ids, without ";"`,
    );
  }
  return {
    help: false,
    count,
    rate,
    hubData,
    gateway,
    parent,
    ca: values.ca,
    duration: number('duration', values.duration, 0.1, 31_536_000, false),
    messages: number('messages', values.messages, 1, Number.MAX_SAFE_INTEGER, true),
    prefix,
    maxInFlight: number('max-in-flight', values['max-in-flight'], 1, 100_000, true) ?? 1000,
    quiet: values.quiet === true,
  };
}

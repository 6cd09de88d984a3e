import { Robot } from './robot.mjs';
import { registerRobot } from './registration.mjs';

/** Registrations and connections made at once, at most: enough to be quick, few enough not to flood the hub. */
const PARALLEL = 10;

/**
 * Runs `work` over `items`, `PARALLEL` at a time, keeping the order of the results.
 *
 * @template T, R
 * @param {readonly T[]} items
 * @param {(item: T) => Promise<R>} work
 * @returns {Promise<R[]>}
 */
async function inBatches(items, work) {
  /** @type {R[]} */
  const results = [];
  for (let start = 0; start < items.length; start += PARALLEL) {
    results.push(...(await Promise.all(items.slice(start, start + PARALLEL).map(work))));
  }
  return results;
}

/**
 * Registers `count` robots (`<prefix>-1` ..., children of `parent` if given) at the hub, connects each with
 * Microsoft's device SDK (through the gateway when one is given) and starts them sending. When one cannot connect,
 * those already connected are closed and the error is thrown.
 *
 * @param {import('./fleet.d.mts').FleetOptions} options
 * @returns {Promise<import('./fleet.d.mts').Fleet>}
 */
export async function startFleet(options) {
  const ids = Array.from({ length: options.count }, (_, index) => `${options.prefix ?? 'robot'}-${index + 1}`);
  const connectionStrings = await inBatches(ids, (id) =>
    registerRobot(options.service, options.hostName, id, { gateway: options.gateway, parent: options.parent }),
  );
  /** @type {Robot[]} */
  const robots = [];
  try {
    await inBatches(ids, async (deviceId) => {
      const robot = await Robot.connect({
        deviceId,
        connectionString: connectionStrings[ids.indexOf(deviceId)] ?? '',
        ca: options.ca,
        rate: options.rate,
        messages: options.messages,
        maxInFlight: options.maxInFlight,
        onError: (error) => options.onError?.(deviceId, error),
      });
      robots.push(robot);
    });
  } catch (error) {
    await Promise.all(robots.map((robot) => robot.stop()));
    throw error;
  }
  robots.sort((a, b) => ids.indexOf(a.deviceId) - ids.indexOf(b.deviceId));
  for (const robot of robots) robot.start();
  return {
    robots,
    connectionStrings,
    get done() {
      return robots.every((robot) => robot.done);
    },
    stop: async () => {
      await Promise.all(robots.map((robot) => robot.stop()));
    },
  };
}

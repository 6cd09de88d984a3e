#!/usr/bin/env node
// Simulated robots: N leaf devices on Microsoft's own IoT device SDK, registered at a running hub, sending readings
// at a fixed rate (to the hub, or through a gateway with --gateway) and answering runWorkflow. See README.md.

import { readFileSync } from 'node:fs';
import { startFleet } from './src/fleet.mjs';
import { hubAccess } from './src/registration.mjs';
import { secondLine, summaryLine, totals } from './src/report-lines.mjs';
import { ROBOTS_USAGE, robotsOptions } from './src/robots-options.mjs';
import { RobotsUsageError } from './src/robots-errors.mjs';

/** Runs the command line `args`; resolves with the exit code. */
async function main(args) {
  let options;
  try {
    options = robotsOptions(args);
  } catch (error) {
    if (!(error instanceof RobotsUsageError)) throw error;
    process.stderr.write(`robots: ${error.message}\n${ROBOTS_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${ROBOTS_USAGE}\n`);
    return 0;
  }
  const hub = hubAccess(options.hubData);
  let ca = hub.ca;
  if (options.ca !== undefined) {
    try {
      ca = readFileSync(options.ca, 'utf8');
    } catch (error) {
      throw new RobotsUsageError(`--ca ${options.ca}: ${error.message}`);
    }
  }
  /** @type {Map<string, string>} */
  const lastError = new Map();
  const fleet = await startFleet({
    count: options.count,
    rate: options.rate,
    hostName: hub.hostName,
    service: hub.service,
    ca,
    gateway: options.gateway,
    parent: options.parent,
    prefix: options.prefix,
    messages: options.messages,
    maxInFlight: options.maxInFlight,
    onError: (deviceId, error) => {
      const message = error?.message ?? String(error);
      if (lastError.get(deviceId) === message) return; // each new error once, not once per message
      lastError.set(deviceId, message);
      process.stderr.write(`${deviceId}: ${message}\n`);
    },
  });
  const started = Date.now();
  const through = options.gateway === undefined ? '' : ` through ${options.gateway}`;
  process.stdout.write(
    `robots: ${options.count} connected to ${hub.hostName}${through}, sending ${options.rate} msg/s each\n`,
  );
  const reason = await new Promise((resolve) => {
    let second = 0;
    const ticker = setInterval(() => {
      second++;
      const line = options.quiet ? summaryLine : secondLine;
      process.stdout.write(`${line(second, fleet.robots)}\n`);
    }, 1000);
    const poll = setInterval(() => {
      if (options.messages !== undefined && fleet.done) finish('messages');
      if (options.duration !== undefined && Date.now() - started >= options.duration * 1000) finish('duration');
    }, 20);
    const finish = (why) => {
      clearInterval(ticker);
      clearInterval(poll);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(why);
    };
    const onSignal = (signal) => finish(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await fleet.stop();
  const seconds = Math.round((Date.now() - started) / 10) / 100;
  const sums = totals(fleet.robots);
  process.stdout.write(`${JSON.stringify({ stopped: reason, seconds, ...sums })}\n`);
  return sums.failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`robots: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  },
);

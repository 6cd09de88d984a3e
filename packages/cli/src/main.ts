#!/usr/bin/env node
import { registerDepotCommand } from '@os/depot/host';
import { cac } from 'cac';
import { registerHubCommand } from './hub-command.js';
import { registerNewCommand } from './new-command.js';
import { run } from './run.js';
import { declaredFlags, unknownOptionMessage } from './unknown-option.js';

const cli = cac('os');

cli
  .command('run <target>', 'Boot a system and print its LOG lines; exit with the exit value its init propagates')
  .option('--kernel <name>', 'Kernel backend: hw, nova or sel4', { default: 'hw' })
  .option('--virtual-time', 'Run on virtual time: seconds of the system pass in microseconds, deterministically')
  .option('--seed <n>', 'Order of events due at the same virtual instant, and every random choice', { default: 1 })
  .option('--trace <file>', 'Write every kernel operation to <file>, one JSON object per line')
  .option(
    '--timeout <seconds>',
    'End the run after this many wall-clock seconds (exit 124), even if a component never yields: then it is named ' +
      'on stderr',
  )
  .option(
    '--watch',
    'With an init config (.xml) as target: apply each saved edit to the running system (a stall then waits for edits)',
  )
  .option(
    '--state <file>',
    "Keep <file> holding the top init's latest state report (the config needs a <report .../> node)",
  )
  .example('os run apps/hello-timer --virtual-time')
  .action(
    async (
      target: string,
      flags: {
        kernel: string;
        virtualTime?: boolean;
        seed: number | string;
        trace?: string;
        timeout?: number | string;
        watch?: boolean;
        state?: string;
      },
    ) => {
      process.exitCode = await run(
        target,
        {
          kernel: String(flags.kernel),
          virtualTime: flags.virtualTime === true,
          seed: Number(flags.seed),
          trace: flags.trace,
          timeout: flags.timeout === undefined ? undefined : Number(flags.timeout),
          watch: flags.watch === true,
          state: flags.state === undefined ? undefined : String(flags.state),
        },
        { stdout: (line) => process.stdout.write(`${line}\n`), stderr: (line) => process.stderr.write(`${line}\n`) },
      );
      // a system on real time keeps its timers armed; the run is over
      process.exit(process.exitCode);
    },
  );

registerNewCommand(cli);
registerHubCommand(cli);
registerDepotCommand(cli);

cli.help((sections) => [
  ...sections,
  {
    title: 'Exit codes',
    body: [
      '  the exit value propagated by the system (<exit propagate> / exit: { propagate: true })',
      '  1    boot or configuration error (message on stderr)',
      '  2    nothing can happen any more, on virtual or real time (listing who waits on what; --watch waits for edits',
      '       instead)',
      '  124  --timeout reached (also when the JavaScript thread never yields: the component running is named)',
    ].join('\n'),
  },
  {
    title: 'Targets',
    body: [
      '  an init config in Genode XML (system.xml), a system module file, or a directory whose package.json names one',
      '  ("osSystem": "dist/system.js") or that holds system.mjs, system.js, dist/system.js or system.xml; the module',
      '  exports `system`',
    ].join('\n'),
  },
]);
cli.version('0.1.0');

try {
  cli.parse(process.argv, { run: false });
  if (cli.matchedCommand === undefined && !cli.options['help'] && !cli.options['version']) {
    if (cli.args.length > 0) process.stderr.write(`os: unknown command "${cli.args[0]}"; try os --help\n`);
    cli.outputHelp();
    process.exitCode = cli.args.length > 0 ? 1 : 0;
  } else {
    await cli.runMatchedCommand();
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const declared = declaredFlags([...cli.globalCommand.options, ...cli.commands.flatMap((command) => command.options)]);
  process.stderr.write(`os: ${unknownOptionMessage(message, process.argv.slice(2), declared) ?? message}\n`);
  process.exitCode = 1;
}

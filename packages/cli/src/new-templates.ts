/** The files `os new` writes: each template is a function of the names and versions it needs. */

/** What a component package's files are made from. */
export interface ComponentTemplate {
  /** The npm package name (`my-component`, `@acme/blinker`). */
  readonly packageName: string;
  /** The start entry's name in `system.xml`, so its LOG label: the package name without scope. */
  readonly startName: string;
  /** `WIRE_VERSION` of the `@os/rpc` the system runs, for the manifest's `wire`. */
  readonly wire: number;
  /** Version ranges of the packages it depends on, by name (`@os/runtime`: `^0.2.0`). */
  readonly ranges: Readonly<Record<string, string>>;
}

/** The init config's head every generated system shares: core's services, routes and default quota, a timer. */
const CONFIG_HEAD = `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="Rtc"/>
  </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
`;

/**
 * A component's module: reads its config ROM, logs `<word> N` every `period_ms` milliseconds of its Timer session,
 * `count` times, then asks its parent to end it with 0. Confined code: no `process`, no Node built-ins, no top-level
 * await, and not even the text of a dynamic import in a comment.
 */
function tickerModule(word: string, count: number): string {
  return `import { AttachedRomDataspace } from '@os/runtime';
import { Timer } from '@os/timer';

/**
 * Logs "${word} 1", "${word} 2", ... one every period_ms milliseconds (default 1000), count times (default ${count}),
 * then asks its parent to end it with exit value 0. Its config ROM sets both: <config count="3" period_ms="500"/>.
 */
export async function construct(env) {
  const rom = await AttachedRomDataspace.open(env, 'config');
  const config = rom.xml();
  const count = config.numberAttribute('count', ${count});
  const period = config.numberAttribute('period_ms', 1000);
  await rom.close();
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; tick <= count; tick++) {
    await timer.msleep(period);
    await env.log(\`${word} \${tick}\`);
  }
  await env.parent.exit(0);
}
`;
}

/** The files of a component package, by path relative to its directory. */
export function componentFiles(template: ComponentTemplate): Record<string, string> {
  const { packageName, startName, wire, ranges } = template;
  const range = (name: string): string => ranges[name] ?? 'latest';
  const manifest = {
    name: packageName,
    version: '0.1.0',
    description: `An @os component package: ${startName} logs a tick a second on its Timer session, then exits.`,
    type: 'module',
    license: 'MIT',
    exports: { '.': './component.mjs', './package.json': './package.json' },
    files: ['component.mjs', 'system.xml', 'README.md'],
    engines: { node: '>=20.19' },
    scripts: { test: 'vitest run', start: 'os run system.xml --virtual-time' },
    osComponent: {
      wire,
      type: 'native',
      requires: ['LOG', 'Timer', { service: 'ROM', label: 'config' }],
      provides: [],
      ram: '1M',
      caps: 50,
    },
    peerDependencies: { '@os/runtime': range('@os/runtime'), '@os/timer': range('@os/timer') },
    devDependencies: {
      '@os/cli': range('@os/cli'),
      '@os/runtime': range('@os/runtime'),
      '@os/testing': range('@os/testing'),
      '@os/timer': range('@os/timer'),
      vitest: range('vitest'),
    },
  };
  const test = `import { runComponent } from '@os/testing';
import { describe, expect, it } from 'vitest';

// runComponent boots the package by its own name (Node's self-reference through "exports"), so its osComponent
// manifest is checked and its quota applied as they will be for its users, on virtual time: milliseconds of wall time.
describe('${packageName}', () => {
  it.each(['hw', 'nova', 'sel4'])('ticks three times, one a second, then exits 0 (%s kernel)', async (kernel) => {
    const config = '<config count="3" period_ms="1000"/>';
    const run = await runComponent({ binary: '${packageName}', kernel, config });
    expect(run.output).toEqual(['tick 1', 'tick 2', 'tick 3']);
    expect(run.exit).toBe(0);
    expect(run.virtualUs).toBe(3_000_000);
  });

  it('is refused before boot with less quota than its manifest declares', async () => {
    await expect(runComponent({ binary: '${packageName}', caps: 10 })).rejects.toThrow(/needs at least caps="50"/);
  });
});
`;
  const readme = `# ${packageName}

An @os component package, made by \`os new component\`:

- \`component.mjs\`: the component. It exports \`construct(env)\`, reads its config ROM, and logs
  \`tick N\` once a second on a Timer session, \`count\` times (default 3), then exits 0. It runs
  confined, so it reaches the system only through its sessions: no \`process\`, no Node built-ins, no
  top-level \`await\`.
- \`package.json\`: the \`osComponent\` manifest (the RPC wire version, the services it requires, its
  RAM and caps quota), which \`os run\` checks a start entry against before boot.
- \`test/${startName}.test.js\`: a vitest test on \`@os/testing\` that boots it on virtual time on
  each kernel and checks its LOG lines and exit value.
- \`system.xml\`: an init config that starts a timer and this package by its name.

\`\`\`sh
npm install
npm test                                  # vitest: the test above, in milliseconds
npx os run system.xml --virtual-time      # or npm start
\`\`\`

\`\`\`text
[init -> ${startName}] tick 1
[init -> ${startName}] tick 2
[init -> ${startName}] tick 3
\`\`\`

Others install it (\`npm install ${packageName}\`, or the tarball \`npm pack\` makes) and start it
by name from their own init config: \`<start name="${startName}"> <binary name="${packageName}"/>
</start>\`; \`os run\` checks the start entry against the manifest before boot. \`@os/*\` are peer
dependencies: the system brings its one runtime, and a confined component's imports of
\`@os/runtime\` and \`@os/timer\` get the system's copies.
`;
  const system = `${CONFIG_HEAD}  <start name="${startName}">
    <binary name="${packageName}"/>
    <exit propagate="yes"/>
    <config count="3" period_ms="1000"/>
  </start>
</config>
`;
  return {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'component.mjs': tickerModule('tick', 3),
    [`test/${startName}.test.js`]: test,
    'system.xml': system,
    'README.md': readme,
    '.gitignore': 'node_modules/\n*.tgz\n',
  };
}

/** The files of a system directory: an init config with a timer and a component module beside it, and a README. */
export function systemFiles(): Record<string, string> {
  const system = `${CONFIG_HEAD}  <start name="hello">
    <binary name="hello.mjs"/>
    <exit propagate="yes"/>
    <config count="5" period_ms="1000"/>
  </start>
</config>
`;
  const readme = `# An @os system

Made by \`os new system\`: \`system.xml\` is the init config (Genode's XML) that core starts init with. It starts
the timer driver and \`hello\`, the component in \`hello.mjs\` beside it, which logs \`timer tick N\` once a second,
five times, and exits 0; its exit value is the run's (\`<exit propagate="yes"/>\`).

\`\`\`sh
npx os run . --virtual-time               # or: npx os run system.xml; without --virtual-time it takes 5 s
\`\`\`

\`\`\`text
[init -> hello] timer tick 1
[init -> hello] timer tick 2
[init -> hello] timer tick 3
[init -> hello] timer tick 4
[init -> hello] timer tick 5
\`\`\`

Every regular file of this directory is a boot module (a ROM by its file name), so add components as module files
(\`<binary name="other.mjs"/>\`) or as installed component packages (\`npm install @acme/blinker\`, then
\`<binary name="@acme/blinker"/>\`). \`os new component <dir>\` makes a component package of your own.
`;
  return { 'system.xml': system, 'hello.mjs': tickerModule('timer tick', 5), 'README.md': readme };
}

// Family 8: authority a confined component must not take (issue 18). Each attacker is a module file
// loaded the ordinary way (confined, no opt-in) beside a confined bystander that ticks on its Timer
// session and a Counter-like Store that init routes to:
//   1. shared prototypes: changing a class every component (and init) uses, to see their fields;
//   2. faults nobody awaits: a throwing microtask, raw entrypoint handlers returning garbage, a
//      hardened IPC buffer: the component is faulted (exit 1), the process and everyone else go on;
//   3. host files and 4. ambient time: host-facing entry points are not granted;
//   6. imports by absolute path, file: URL, other URLs, paths leaving the package, undeclared packages:
//      one ConfinementError that says nothing about which host files exist.
// (5, the kernel reading a message field twice, is the IPC buffer family: ipc-buffer.test.ts.)

import { mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSystem } from '@os/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL } from './support/kernel-world.js';

const PROBES = `const outcomes = [];
export async function attempt(name, probe) {
  try {
    const reached = await probe();
    outcomes.push(name + ': ' + (reached ? 'OPEN ' + String(reached) : 'blocked'));
  } catch (error) {
    outcomes.push(name + ': blocked (' + (error?.name ?? typeof error) + ')');
  }
}
export async function report(env) {
  for (const line of outcomes) await env.log(line);
}
`;

/** A bystander that ticks ten times on its own Timer session, then exits 0 (which ends the run). */
const TICKER = `import { Timer } from '@os/timer';
export async function construct(env) {
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; tick <= 10; tick++) {
    await timer.msleep(10);
    await env.log('tick ' + tick);
  }
  await env.parent.exit(0);
}
`;

/**
 * 1: every shared class it can reach, every way to change it; then it asks for sessions, which makes init build
 * clients.
 */
const PROTOTYPES = `import { Timer } from '@os/timer';
import { Rom } from '@os/rom';
import * as rpc from '@os/rpc';
import * as session from '@os/session';
import * as runtime from '@os/runtime';
import * as capability from '@os/capability';
import * as kernel from '@os/kernel';
import { attempt, report } from './probes.mjs';

export async function construct(env) {
  const seen = [];
  const timer = await Timer.Connection.open(env);
  const targets = {
    'Timer client prototype': Object.getPrototypeOf(timer.session),
    'Parent client prototype': Object.getPrototypeOf(env.parent),
    'RpcClient.prototype': rpc.RpcClient.prototype,
    'RpcObject.prototype': rpc.RpcObject.prototype,
    'Connection.prototype': session.Connection.prototype,
    'Env.prototype': Object.getPrototypeOf(env),
    'Entrypoint.prototype': Object.getPrototypeOf(env.ep),
    'thread facade prototype': Object.getPrototypeOf(env.thread),
    'Message.prototype': Object.getPrototypeOf(env.thread.utcb),
    'Capability.prototype': capability.Capability.prototype,
    'SignalHandler.prototype': runtime.SignalHandler.prototype,
    'codec.u32': rpc.codec.u32,
    'Timer.Session': Timer.Session,
    'Rom.Session entries': Rom.Session.entries,
    'KernelError.prototype': kernel.KernelError.prototype,
  };
  for (const [name, target] of Object.entries(targets)) {
    await attempt('define a setter on ' + name, () => {
      Object.defineProperty(target, 'thread', { set(value) { seen.push(value); }, get() { return undefined; }, \
configurable: true });
      return Object.getOwnPropertyDescriptor(target, 'thread')?.set !== undefined;
    });
    await attempt('assign a method of ' + name, () => {
      target.close = () => seen.push('close');
      return Object.hasOwn(target, 'close') && typeof target.close === 'function' && \
target.close.toString().includes('seen');
    });
    await attempt('replace the prototype of ' + name, () => Reflect.setPrototypeOf(target, { thread: 'mine' }) && \
'prototype replaced');
  }
  await attempt('legacy __defineSetter__ on the Root client prototype', () => {
    Object.getPrototypeOf(env.parent).__defineSetter__('capability', (value) => seen.push(value));
    return true;
  });
  // init makes clients of Root for these servers on its own threads: a setter would receive them
  const second = await Timer.Connection.open(env, 'second');
  const rom = await runtime.AttachedRomDataspace.open(env, 'config');
  await attempt('receive another component\\'s objects through a prototype', () => seen.length > 0 && seen.length);
  await report(env);
  await env.log('sessions still work: ' + ((await second.elapsedMs()) >= 0) + ' ' + rom.valid());
}
`;

/** 2: faults nobody awaits, one kind per component (each ends its component with exit 1). */
function faulter(kind: string): string {
  return `export async function construct(env) {
  await env.log('about to fault');
  ${kind}
  await env.log('still constructing');
}
`;
}

/** A raw handler on a thread of the component's own, called from its entrypoint: \`result\` is what onCall returns. */
function rawHandler(result: string): string {
  return faulter(`const raw = env.createThread('raw');
  raw.serve({ onCall() { return ${result}; }, onSignal() {} });
  const object = raw.createRpcObject();
  env.thread.utcb.length = 0;
  env.thread.utcb.capCount = 0;
  try { await env.thread.call(object); } catch (error) { await env.log('the call: ' + error.name); }`);
}

const FAULTS: Readonly<Record<string, string>> = {
  'microtask-throws': faulter(`queueMicrotask(() => { throw new Error('thrown in a microtask'); });`),
  'microtask-throws-twice': faulter(
    `queueMicrotask(() => { throw new Error('first'); }); queueMicrotask(() => { throw 'second, not an Error'; });`,
  ),
  'microtask-not-a-function': faulter(
    `try { queueMicrotask(42); } catch (error) { await env.log('queueMicrotask(42): ' + error.name); } ` +
      `queueMicrotask(() => { throw new RangeError('after'); });`,
  ),
  'raw-returns-number': rawHandler('42'),
  'raw-returns-thenable': rawHandler(`{ then() { throw new Error('then'); } }`),
  'raw-returns-proxy': rawHandler(
    `new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } })`,
  ),
  'raw-returns-promise-with-hostile-species': rawHandler(
    `(() => { const p = Promise.resolve(); Object.defineProperty(p, 'constructor', { get() { throw new ` +
      `Error('species'); } }); return p; })()`,
  ),
  'raw-throws': rawHandler(`(() => { throw new Error('raw handler threw'); })()`),
};

/**
 * 2, not a fault: a genuine promise with its own `then` is followed through the intrinsic `then` (its own is never
 * called).
 */
const OWN_THEN = rawHandler(
  `Object.defineProperty(Promise.resolve(), 'then', { value() { throw new Error('own then'); } })`,
);

/** 2, the IPC buffer: hardened by its owner before anything arrives; the component keeps working. */
const HARDENS_UTCB = `import { Timer } from '@os/timer';
export async function construct(env) {
  harden(env.thread.utcb);
  Object.freeze(env.thread.utcb);
  const timer = await Timer.Connection.open(env);
  await timer.msleep(5);
  await env.log('works with a hardened IPC buffer: ' + ((await timer.elapsedMs()) >= 5));
}
`;

/** 3 and 4: host-facing entry points and the names that used to be granted. */
const HOST = `import * as runtime from '@os/runtime';
import * as kernel from '@os/kernel';
import * as rom from '@os/rom';
import { attempt, report } from './probes.mjs';
export async function construct(env) {
  for (const specifier of ['@os/rom/host', '@os/runtime/host', '@os/kernel/host', '@os/loader', '@os/cli', \
'@os/kernel-hw', '@os/rom/dist/host.js', '@os/rom/package.json']) {
    await attempt('import ' + specifier, async () => (await import(specifier)) !== undefined);
  }
  await attempt('RomModules.fromDirectory', () => typeof rom.RomModules.fromDirectory === 'function' && 'there');
  await attempt('RomModules watchDirectory', () => typeof new rom.RomModules().watchDirectory === 'function' && \
'there');
  await attempt('wallTime', () => typeof runtime.wallTime === 'function' && runtime.wallTime(new \
kernel.VirtualClock(1)));
  await attempt('RealClock', () => typeof kernel.RealClock === 'function' && 'there');
  await attempt('boot', () => typeof runtime.boot === 'function' && 'there');
  await attempt('Core', () => typeof runtime.Core === 'function' && 'there');
  await attempt('RtcSessionComponent', () => typeof runtime.RtcSessionComponent === 'function' && 'there');
  await attempt('Date.now()', () => Date.now());
  await attempt('new Date()', () => new Date().getTime());
  await attempt('performance', () => typeof performance !== 'undefined' && performance.now());
  await attempt('a VirtualClock of its own reads no host time', () => new kernel.VirtualClock(1).now() !== 0 && \
'host time');
  await report(env);
}
`;

/** 6: every specifier form that is not its own module or a granted package. */
function importer(specifiers: readonly string[]): string {
  return `import { attempt, report } from './probes.mjs';
export async function construct(env) {
  for (const specifier of ${JSON.stringify(specifiers)}) {
    await attempt('import ' + specifier, async () => (await import(specifier)) !== undefined);
  }
  const messages = [];
  for (const specifier of ['/etc/passwd', '/nonexistent/secret.mjs']) {
    try { await import(specifier); } catch (error) { messages.push(error.message.replaceAll(specifier, \
'<specifier>')); }
  }
  await env.log('message: ' + messages[0]);
  await env.log('a file that exists and one that does not get the same words: ' + (messages.length === 2 && \
messages[0] === messages[1]));
  await attempt('import its own ./own.mjs', async () => !((await import('./own.mjs')).own === 'own'));
  await report(env);
}
`;
}

const kernelHw = createRequire(import.meta.url).resolve('@os/kernel-hw');
const IMPORTS = [
  '/etc/passwd',
  'file:///etc/passwd',
  kernelHw,
  pathToFileURL(kernelHw).href,
  '../../../../../../../../etc/passwd',
  './%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  './outside.mjs',
  'data:text/javascript,export default 1',
  'http://127.0.0.1:1/x.mjs',
  '//127.0.0.1/x.mjs',
  'fast-xml-parser',
  'ses',
  '#internal',
  '',
  '@os/kernel-hw/dist/index.js',
  '@os/runtime/host',
];

const OWN = `export const own = 'own';\n`;

/** 3 and 6 for a plain Node program under the libc shim: the same grant rules, its fs is its VFS. */
const LIBC = `import { readFileSync } from 'node:fs';
setTimeout(() => undefined, 100); // the shim ends a program with nothing pending on its Timer session
const tries = ['@os/rom/host', '@os/runtime/host', '@os/kernel/host', '/etc/passwd', 'file:///etc/passwd', \
'../../../../../../../../etc/passwd'];
Promise.all(tries.map((specifier) => import(specifier).then(() => 'import ' + specifier + ': OPEN', (error) => \
'import ' + specifier + ': blocked (' + error.name + ')'))).then((outcomes) => {
  for (const line of outcomes) console.log(line);
  try {
    readFileSync('/etc/passwd', 'utf8');
    console.log('read /etc/passwd: OPEN');
  } catch (error) {
    console.log('read /etc/passwd: blocked (' + error.code + ')');
  }
});
`;

function config(attacker: string, attackerConfig = '<config/>'): string {
  return `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service \
name="Rtc"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="attacker"> <binary name="./${attacker}.mjs"/> ${attackerConfig} </start>
  <start name="ticker"> <binary name="./ticker.mjs"/> <exit propagate="yes"/> </start>
</config>`;
}

let directory = '';

beforeAll(() => {
  directory = realpathSync(mkdtempSync(join(tmpdir(), 'os-authority-')));
  const files: Record<string, string> = {
    'probes.mjs': PROBES,
    'ticker.mjs': TICKER,
    'prototypes.mjs': PROTOTYPES,
    'hardens-utcb.mjs': HARDENS_UTCB,
    'host.mjs': HOST,
    'imports.mjs': importer(IMPORTS),
    'own.mjs': OWN,
    'libc.mjs': LIBC,
    'own-then.mjs': OWN_THEN,
  };
  for (const [name, source] of Object.entries(FAULTS)) files[`${name}.mjs`] = source;
  for (const [name, source] of Object.entries(files)) writeFileSync(join(directory, name), source);
  symlinkSync(kernelHw, join(directory, 'outside.mjs'));
});

async function run(
  attacker: string,
  attackerConfig?: string,
): Promise<{ lines: readonly string[]; exit: number | null; attacker: string[] }> {
  const result = await runSystem({
    config: config(attacker, attackerConfig),
    directory,
    kernel: KERNEL.name as 'hw' | 'nova' | 'sel4',
  });
  const prefix = '[init -> attacker] ';
  return {
    lines: result.lines,
    exit: result.exit,
    attacker: result.lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length)),
  };
}

/** The bystander ticked to its end and its exit ended the run: the process and the system went on. */
function expectBystanderUnharmed(lines: readonly string[], exit: number | null): void {
  expect(lines.filter((line) => line.startsWith('[init -> ticker]'))).toEqual(
    Array.from({ length: 10 }, (_, index) => `[init -> ticker] tick ${index + 1}`),
  );
  expect(exit).toBe(0);
}

describe(`authority attacks on ${KERNEL.name}`, () => {
  it(
    '1. changing any shared class (client classes made per interface, runtime and kernel classes, codecs, ' +
      'interfaces) is a TypeError, and no object of init or another component reaches the attacker',
    async () => {
      const { lines, exit, attacker } = await run('prototypes');
      const outcomes = attacker.filter((line) => line.includes(': blocked') || line.includes(': OPEN'));
      expect(outcomes.length).toBe(15 * 3 + 2);
      expect(outcomes.filter((line) => !line.endsWith(': blocked (TypeError)') && !line.endsWith(': blocked'))).toEqual(
        [],
      );
      expect(attacker).toContain("receive another component's objects through a prototype: blocked");
      expect(attacker).toContain('sessions still work: true true');
      expectBystanderUnharmed(lines, exit);
    },
  );

  for (const kind of Object.keys(FAULTS)) {
    it(
      `2. a fault nobody awaits (${kind}) faults the component: logged, exit value 1 to init; the process and the ` +
        `bystander go on`,
      async () => {
        const { lines, exit, attacker } = await run(kind);
        expect(attacker[0]).toBe('about to fault');
        const errors = attacker.filter((line) => line.startsWith('Error: attacker: '));
        expect(errors.length).toBeGreaterThanOrEqual(1);
        expect(errors[0]).toMatch(
          /^Error: attacker: (a microtask|the call handler of thread "attacker\.raw") failed: /,
        );
        expect(lines).toContain('[init] child "attacker" exited with exit value 1');
        if (kind.startsWith('raw')) expect(attacker).toContain('the call: ServerFaultError');
        if (kind === 'microtask-not-a-function') expect(attacker).toContain('queueMicrotask(42): TypeError');
        expectBystanderUnharmed(lines, exit);
      },
    );
  }

  it(
    '2. a raw handler returning a genuine promise with its own then: the kernel and the runtime follow the ' +
      "intrinsic then, never the component's; settling without a reply faults only the call",
    async () => {
      const { lines, exit, attacker } = await run('own-then');
      expect(attacker).toEqual(['about to fault', 'the call: ServerFaultError', 'still constructing']);
      expect(lines).not.toContain('[init] child "attacker" exited with exit value 1');
      expectBystanderUnharmed(lines, exit);
    },
  );

  it(
    '2. a component that hardens its own IPC buffer before anything arrives keeps working: the kernel keeps ' +
      'nothing in it that freezing changes',
    async () => {
      const { lines, exit, attacker } = await run('hardens-utcb');
      expect(attacker).toContain('works with a hardened IPC buffer: true');
      expect(lines).not.toContain('[init] child "attacker" exited with exit value 1');
      expectBystanderUnharmed(lines, exit);
    },
  );

  it(
    '3 and 4. host-facing entry points are not granted (ConfinementError), the names that used to be granted are ' +
      'gone, and there is no ambient time',
    async () => {
      const { lines, exit, attacker } = await run('host');
      expect(attacker).toEqual([
        'import @os/rom/host: blocked (ConfinementError)',
        'import @os/runtime/host: blocked (ConfinementError)',
        'import @os/kernel/host: blocked (ConfinementError)',
        'import @os/loader: blocked (ConfinementError)',
        'import @os/cli: blocked (ConfinementError)',
        'import @os/kernel-hw: blocked (ConfinementError)',
        'import @os/rom/dist/host.js: blocked (ConfinementError)',
        'import @os/rom/package.json: blocked (ConfinementError)',
        'RomModules.fromDirectory: blocked',
        'RomModules watchDirectory: blocked',
        'wallTime: blocked',
        'RealClock: blocked',
        'boot: blocked',
        'Core: blocked',
        'RtcSessionComponent: blocked',
        'Date.now(): blocked (TypeError)',
        'new Date(): blocked (TypeError)',
        'performance: blocked',
        'a VirtualClock of its own reads no host time: blocked',
      ]);
      expectBystanderUnharmed(lines, exit);
    },
  );

  it(
    '6. imports by absolute path, file: and other URLs, paths that leave its directory (also by symlink), ' +
      'undeclared packages: one ConfinementError that tells nothing of the host files; its own module loads',
    async () => {
      const { lines, exit, attacker } = await run('imports');
      expect(attacker.filter((line) => line.startsWith('import '))).toEqual([
        ...IMPORTS.map((specifier) => `import ${specifier}: blocked (ConfinementError)`),
        'import its own ./own.mjs: blocked',
      ]);
      expect(attacker).toContain(
        'message: "attacker" imports "<specifier>": a confined component imports only the @os packages its system ' +
          'grants, its own modules by relative path inside its package, and the packages its package.json declares',
      );
      expect(attacker).toContain('a file that exists and one that does not get the same words: true');
      expect(lines.join('\n')).not.toContain('root:');
      expectBystanderUnharmed(lines, exit);
    },
  );

  it(
    '3 and 6 for a libc program: the host entry points and host files are refused as for a component, and its fs ' +
      'is its VFS, not the host',
    async () => {
      const { lines, exit, attacker } = await run(
        'libc',
        '<config> <libc stdout="/dev/log" stderr="/dev/log"/> <vfs> <dir name="dev"> <log/> </dir> </vfs> </config>',
      );
      expect(attacker).toEqual([
        'import @os/rom/host: blocked (ConfinementError)',
        'import @os/runtime/host: blocked (ConfinementError)',
        'import @os/kernel/host: blocked (ConfinementError)',
        'import /etc/passwd: blocked (ConfinementError)',
        'import file:///etc/passwd: blocked (ConfinementError)',
        'import ../../../../../../../../etc/passwd: blocked (ConfinementError)',
        'read /etc/passwd: blocked (ENOENT)',
      ]);
      expectBystanderUnharmed(lines, exit);
    },
  );
});

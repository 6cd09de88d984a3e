import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningComponent } from '../src/watchdog.js';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const kernel = kernelUnderTest().name;

/** A system with a well-behaved component ("ticker") and a hog whose `construct` is `body`. */
const CONFIG = `<config>
  <parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
  <default-route><service name="Timer"><child \
name="timer"/></service><any-service><parent/></any-service></default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"><provides><service name="Timer"/></provides></start>
  <start name="ticker"><binary name="ticker.mjs"/></start>
  <start name="hog"><binary name="hog.mjs"/></start>
</config>
`;

const HOGS = {
  'an endless chain of awaits': 'await env.log("hogging"); for (;;) await null;',
  'an endless loop': 'await env.log("hogging"); while (true) {}',
  'an endless loop of awaited LOG writes': 'for (let i = 0; ; i++) await env.log("line " + i);',
} as const;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-watchdog-'));
  writeFileSync(join(dir, 'ticker.mjs'), 'export async function construct(env) { await env.log("ticker up"); }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `os run <dir>/<name>.xml --timeout 1` on the kernel under test; collects stdout's first lines only (an endless
 * LOG loop prints a lot).
 */
function runHog(
  name: string,
  body: string,
  virtualTime: boolean,
): Promise<{ code: number | null; signal: string | null; stderr: string; head: string; seconds: number }> {
  writeFileSync(join(dir, `${name}.mjs`), `export async function construct(env) { ${body} }\n`);
  writeFileSync(join(dir, `${name}.xml`), CONFIG.replace('hog.mjs', `${name}.mjs`));
  const args = [
    main,
    'run',
    join(dir, `${name}.xml`),
    '--kernel',
    kernel,
    '--timeout',
    '1',
    ...(virtualTime ? ['--virtual-time'] : []),
  ];
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('node', args, { cwd: root });
    let head = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (head.length < 4096) head += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // a watchdog that does not fire must not hang the suite
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      done({ code, signal, stderr, head, seconds: (Date.now() - started) / 1000 });
    });
  });
}

describe('os run --timeout when the JavaScript thread never yields', () => {
  for (const [what, body] of Object.entries(HOGS)) {
    for (const virtualTime of [true, false]) {
      it(`ends ${what} at the deadline with 124 and names the component (${virtualTime ? 'virtual' : 'real'} ` +
        `time)`, async () => {
        const name = `hog${Object.keys(HOGS).indexOf(what)}${virtualTime ? 'v' : 'r'}`;
        const result = await runHog(name, body, virtualTime);
        expect(result.signal).toBeNull();
        expect(result.code).toBe(124);
        expect(result.stderr).toMatch(
          /^os run: --timeout of 1 s reached while component "hog" was running and never yielded \(at .+\)\n$/,
        );
        expect(result.stderr).not.toContain('Waiting for the debugger');
        expect(result.head).toContain('[init -> ticker] ticker up\n');
        // the deadline is 1 s; node's start, the grace of 0.5 s and sampling the stack come on top
        expect(result.seconds).toBeLessThan(20);
      }, 40_000);
    }
  }

  it('keeps the plain message when the system yields', async () => {
    writeFileSync(
      join(dir, 'sleeper.mjs'),
      'export async function construct(env) { await env.log("waiting"); await new Promise(() => {}); }\n',
    );
    writeFileSync(join(dir, 'sleeper.xml'), CONFIG.replace('hog.mjs', 'sleeper.mjs'));
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn('node', [main, 'run', join(dir, 'sleeper.xml'), '--kernel', kernel, '--timeout', '1'], {
        cwd: root,
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('close', (code) => done({ code, stderr }));
    });
    expect(result).toEqual({ code: 124, stderr: 'os run: --timeout of 1 s reached\n' });
  }, 40_000);
});

describe('runningComponent', () => {
  it('names the innermost component frame below the inspector evaluation, and the first frame there', () => {
    const stack = [
      'Error',
      '    at deepStack (file:///x/cli/dist/watchdog.js:1:1)',
      '    at <anonymous>:1:45',
      '    at write (node:internal/streams/writable:1:1)',
      '    at construct (file:///tmp/s/hog.mjs:1:3)',
      '    at async os component "hog" (file:///x/cli/dist/watchdog.js:9:9)',
      '    at async os component "init" (file:///x/cli/dist/watchdog.js:9:9)',
    ].join('\n');
    expect(runningComponent(stack)).toEqual({ component: 'hog', frame: 'at construct (file:///tmp/s/hog.mjs:1:3)' });
    expect(
      runningComponent('Error\n    at f (file:///a.js:1:1)\n    at <anonymous>:1:1\n    at g (file:///b.js:2:2)'),
    ).toEqual({ component: null, frame: 'at g (file:///b.js:2:2)' });
  });
});

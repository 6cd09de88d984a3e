import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelUnderTest } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const main = join(root, 'packages/cli/dist/main.js');
const fixtures = join(root, 'packages/cli/test/fixtures');

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const kernel = kernelUnderTest().name;

/** Runs `os` with `args`; `os run` gets `--kernel <the kernel under test>` unless the arguments name one. */
function os(...args: string[]) {
  const withKernel = args[0] === 'run' && !args.includes('--kernel') ? [...args, '--kernel', kernel] : args;
  const result = spawnSync('node', [main, ...withKernel], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('os run', () => {
  it('runs apps/hello-timer on virtual time: five ticks, labelled, exit 0', () => {
    const result = os('run', 'apps/hello-timer', '--virtual-time');
    expect(result.stdout).toBe([1, 2, 3, 4, 5].map((tick) => `[init -> hello] timer tick ${tick}\n`).join(''));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('runs an init config in Genode XML, with a binary given as a module path relative to it', () => {
    const result = os('run', 'apps/hello-timer/system.xml', '--virtual-time');
    expect(result.stdout).toBe([1, 2, 3, 4, 5].map((tick) => `[init -> hello] timer tick ${tick}\n`).join(''));
    expect(result.code).toBe(0);
  });

  it('drives a nested init live from report_rom and keeps --state FILE holding the top init state report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-state-'));
    const state = join(dir, 'state.xml');
    try {
      const result = os('run', join(fixtures, 'nested/system.xml'), '--virtual-time', '--state', state);
      // sub's config is publisher's report, passed on by report_rom; its second version reaches sub live
      expect(result.stdout.split('\n').filter((line) => line.includes('greeter'))).toEqual([
        '[init -> sub -> greeter] config 1: 1',
        '[init -> sub -> greeter] hello from the first config',
        '[init -> sub -> greeter] config 2: 2',
        '[init -> sub -> greeter] hello from the second config',
      ]);
      expect(result.stdout).toContain('[init -> publisher] published both configs\n');
      // nothing ends the system: it stalls once the publisher is done
      expect(result.code).toBe(2);
      const report = readFileSync(state, 'utf8');
      expect(report.startsWith('<state>\n')).toBe(true);
      expect(
        [...report.matchAll(/<child name="([^"]+)" binary="([^"]+)"/g)].map((match) => `${match[1]}=${match[2]}`),
      ).toEqual(['timer=timer', 'report_rom=report_rom', 'publisher=publisher.mjs', 'sub=init']);
      expect(report).toMatch(/<caps assigned="300" quota="\d+" used="\d+" avail="\d+"\/>/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a config before boot with file, line, element and fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-xml-'));
    const good = readFileSync(join(root, 'apps/hello-timer/system.xml'), 'utf8');
    writeFileSync(join(dir, 'typo.xml'), good.replace('<default caps', '<defualt caps'));
    writeFileSync(join(dir, 'binary.xml'), good.replace('dist/hello.js', 'dist/nope.js'));
    writeFileSync(join(dir, 'route.xml'), good.replace('<child name="timer"/>', '<child name="timers"/>'));
    expect(os('run', join(dir, 'typo.xml'))).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        `os run: ${join(dir, 'typo.xml')}:12: <defualt>: unknown element inside <config>; did you mean <default>? ` +
        '(known: <parent-provides>, <default-route>, <default>, <start>, <service>, <report>, <heartbeat>, ' +
        '<resource>)\n',
    });
    expect(os('run', join(dir, 'binary.xml'))).toMatchObject({
      code: 1,
      stderr:
        `os run: ${join(dir, 'binary.xml')}:16: <start name="hello">: binary "dist/nope.js": there is no ` +
        (`module file ${join(dir, 'dist/nope.js')} (nor with .mjs or .js); nor is it built in (init, timer, dummy, ` +
          `report_rom, lx_fs, net, depot_download, twin)\n`),
    });
    expect(os('run', join(dir, 'route.xml')).stderr).toBe(
      `os run: ${join(dir, 'route.xml')}:9: <default-route>: <service name="Timer">: routes to child "timers", ` +
        `which is not in this config (known: timer, hello)\n`,
    );
  });

  it(
    '--watch applies each saved edit of the config to the running system, refuses a bad one, and waits on a ' + 'stall',
    async () => {
      const dir = mkdtempSync(join(fixtures, '.watch-'));
      try {
        for (const file of ['system.xml', 'watcher.mjs'])
          writeFileSync(join(dir, file), readFileSync(join(fixtures, 'watch', file)));
        const xml = join(dir, 'system.xml');
        const child = spawn(
          'node',
          [main, 'run', xml, '--virtual-time', '--watch', '--timeout', '20', '--kernel', kernel],
          { cwd: root },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
        child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
        const until = async (done: () => boolean) => {
          for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
          expect(done()).toBe(true);
        };
        await until(() => stderr.includes('waiting for an edit'));
        writeFileSync(xml, readFileSync(xml, 'utf8').replace('value="1"', 'value="2"'));
        await until(() => stdout.includes('value 2'));
        writeFileSync(xml, readFileSync(xml, 'utf8').replace('<config value="2"/>', '<config value="3"/><bogus/>'));
        await until(() => stderr.includes('the edit is not applied'));
        child.kill();
        expect(stdout).toBe('[init -> watcher] value 1\n[init -> watcher] value 2\n');
        expect(stderr).toContain(`os run: applying the edit of ${xml}\n`);
        expect(stderr).toContain(`os run: the edit is not applied: ${xml}:6: <bogus>: unknown element inside <start>`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('--watch needs an init config as target', () => {
    expect(os('run', 'apps/hello-timer', '--watch')).toMatchObject({
      code: 1,
      stderr: 'os run: --watch needs an init config (.xml) as target: it applies each saved edit of that file\n',
    });
  });

  it('gives the same output for the same seed', () => {
    expect(os('run', 'apps/hello-timer', '--virtual-time', '--seed', '42').stdout).toBe(
      os('run', 'apps/hello-timer', '--virtual-time', '--seed', '42').stdout,
    );
  });

  it('ends with 124 when --timeout passes first (real time)', () => {
    const result = os('run', 'apps/hello-timer', '--timeout', '0.3');
    expect(result.code).toBe(124);
    expect(result.stderr).toBe('os run: --timeout of 0.3 s reached\n');
  });

  it('ends with 2 when nothing can happen any more on virtual time', () => {
    const result = os('run', join(fixtures, 'stall.mjs'), '--virtual-time');
    expect(result.stdout).toBe('[waiter] waiting forever\n');
    expect(result.stderr).toMatch(/^os run: nothing can happen any more at virtual time 0 us/);
    expect(result.code).toBe(2);
  });

  it('lists who waits on what when a session request can never be answered', () => {
    const result = os('run', join(fixtures, 'stall-route.mjs'), '--virtual-time');
    expect(result.stdout).toBe('[init -> client] asking for Echo\n');
    expect(result.stderr).toBe(
      [
        'os run: nothing can happen any more at virtual time 0 us: no timer is armed, no call or signal is pending, ' +
          'and no component has exited',
        '  init waits for child "lazy" to announce "Echo" (requested by "client")',
        '  client waits for a "Echo" session (label "") from its parent',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(2);
  });

  it('serves the files of a system directory as boot modules: ROMs by name, binaries by module file', () => {
    const result = os('run', join(fixtures, 'modules'), '--virtual-time');
    expect(result.stdout).toBe(
      '[init -> greeter] hello from a boot module (1)\n[init -> greeter] hello from a boot module (2)\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(7);
  });

  it('ends with 1 and a message naming the problem for bad targets, kernels and flags', () => {
    expect(os('run', 'apps/nope')).toMatchObject({ code: 1, stderr: 'os run: target "apps/nope" does not exist\n' });
    expect(os('run', 'packages')).toMatchObject({ code: 1 });
    expect(os('run', 'packages').stderr).toMatch(/is a directory without a system module/);
    expect(os('run', join(fixtures, 'broken-module.mjs')).stderr).toMatch(/does not export a system/);
    expect(os('run', 'apps/hello-timer', '--kernel', 'l4ka')).toMatchObject({
      code: 1,
      stderr: 'os run: unknown kernel "l4ka"; available: hw, nova, sel4\n',
    });
    expect(os('run', 'apps/hello-timer', '--seed', 'x').stderr).toBe('os run: --seed must be an integer, got NaN\n');
    const unwritable = os('run', 'apps/guide/system.xml', '--virtual-time', '--state', '/nonexistent/dir/state.xml');
    expect(unwritable.code).toBe(1);
    expect(unwritable.stdout).toBe('');
    expect(unwritable.stderr).toMatch(/^os run: --state \/nonexistent\/dir\/state.xml: cannot write there: ENOENT/);
    expect(os('frobnicate').code).toBe(1);
  });

  it('--trace writes one JSON object per kernel operation, with virtual time and the kernel own call names', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'os-trace-')), 'trace.jsonl');
    expect(os('run', 'apps/hello-timer', '--virtual-time', '--trace', file).code).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { t: number; kernel: string; op: string; pd: string });
    expect(lines.length).toBeGreaterThan(100);
    expect(
      lines.every((line) => line.kernel === kernel && typeof line.t === 'number' && typeof line.pd === 'string'),
    ).toBe(true);
    const ops = new Set(lines.map((line) => line.op));
    // each kernel's own names for the same system's operations
    const native: Record<string, string[]> = {
      hw: ['new_pd', 'new_thread', 'new_obj', 'rpc_call', 'rpc_reply_and_wait', 'timeout'],
      nova: ['create_pd', 'create_ec', 'create_sc', 'create_pt', 'pt_ctrl', 'call', 'reply', 'create_sm', 'sm_ctrl'],
      sel4: ['Untyped_Retype', 'TCB_Configure', 'CNode_Mint', 'seL4_Call', 'seL4_ReplyRecv', 'seL4_Signal'],
    };
    for (const op of native[kernel] ?? []) expect(ops).toContain(op);
    for (const [other, names] of Object.entries(native))
      if (other !== kernel)
        expect(names.filter((name) => ops.has(name) && !(native[kernel] ?? []).includes(name))).toEqual([]);
    expect(lines.at(-1)?.t).toBe(5_000_000);
  });

  it('--help names the command, every flag and the exit codes', () => {
    const help = os('run', '--help').stdout;
    for (const text of ['--kernel', '--virtual-time', '--seed', '--trace', '--timeout', '124'])
      expect(help).toContain(text);
  });
});

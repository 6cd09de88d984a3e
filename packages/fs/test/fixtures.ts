import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StartEntryValue, init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { RealClock } from '@os/kernel/host';
import type { ComponentModule, Env } from '@os/runtime';
import { type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import { SessionArgs, sessionAtParent } from '@os/session';
import { kernelUnderTest } from '@os/test-kernels';
import { timerDriver } from '@os/timer';
import { onTestFinished } from 'vitest';
import { createLxFs } from '../src/host.js';

/** A fresh host directory, removed when the test finishes. */
export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'os-fs-test-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** A system of init with `timer`, `lx_fs` (its config `lxFsConfig`, relative paths from `base`) and `clients`. */
export interface FsSystem {
  /** lx_fs's `<config>`. */
  readonly lxFsConfig: string;
  /** The directory lx_fs takes a relative `directory` from. */
  readonly base: string;
  /** The client components by name, each routed to lx_fs; the first one's exit ends the system. */
  readonly clients: Readonly<Record<string, ComponentModule>>;
  /** RAM of each client (default 2M). */
  readonly clientRam?: number;
  /** Wraps lx_fs's module (to watch its environment). */
  readonly wrapLxFs?: (module: ComponentModule) => ComponentModule;
  /** Boot on real time, lx_fs's `sync` waiting for the disk off the thread (default: virtual time). */
  readonly realTime?: boolean;
}

/** Boots an {@link FsSystem} on virtual time (or real) on the kernel under test; resolves once it exited. */
export async function runFs(system: FsSystem): Promise<SystemHandle & { readonly exitValue: number }> {
  const names = Object.keys(system.clients);
  const toLxFs = [
    { service: 'File_system', to: { child: 'lx_fs' } },
    { service: 'Timer', to: { child: 'timer' } },
    { service: '*', to: 'parent' as const },
  ];
  const children: StartEntryValue[] = [
    { name: 'timer', ram: 1 << 20, caps: 50, provides: ['Timer'], routes: [{ service: '*', to: 'parent' }] },
    {
      name: 'lx_fs',
      ram: 4 << 20,
      caps: 200,
      provides: ['File_system'],
      routes: [{ service: '*', to: 'parent' }],
      config: system.lxFsConfig,
    },
    ...names.map((name, index) => ({
      name,
      ram: system.clientRam ?? 2 << 20,
      caps: 100,
      routes: toLxFs,
      ...(index === 0 ? { exit: { propagate: true } } : {}),
    })),
  ];
  const config = { parentProvides: ['LOG', 'ROM', 'PD', 'CPU'], children };
  const lxFs = createLxFs({ base: system.base, realTime: system.realTime === true });
  const handle = await boot(
    {
      init: 'init',
      binaries: binaryTable({
        init,
        timer: timerDriver,
        lx_fs: system.wrapLxFs?.(lxFs) ?? lxFs,
        ...system.clients,
      }),
      roms: new Map([['config', new TextEncoder().encode(JSON.stringify(config))]]),
    },
    { kernel: kernelUnderTest().factory, clock: system.realTime === true ? new RealClock() : new VirtualClock(3) },
  );
  const exitValue = await handle.exit;
  return { ...handle, exitValue };
}

/** `Name: message` of an error, as the tests' components log it. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs `action` and logs `<what>: <result>` (`ok` for undefined) or `<what>: <ErrorName>: <message>`. */
export async function attempt(env: Env, what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    const result = await action();
    await env.log(
      `${what}: ${result === undefined ? 'ok' : typeof result === 'string' ? result : JSON.stringify(result)}`,
    );
  } catch (error) {
    await env.log(`${what}: ${describeError(error)}`);
  }
}

/** A component that runs `body` in its `construct`, then exits with 0. */
export function script(body: (env: Env) => Promise<void>): ComponentModule {
  return {
    async construct(env) {
      await body(env);
      await env.parent.exit(0);
    },
  };
}

/** Asks the parent for a `service` session with exactly `args` (no retries); answers the error's description. */
export async function rawSessionRefusal(
  env: Env,
  service: string,
  args: Readonly<Record<string, string | number>>,
): Promise<string> {
  const id = env.allocSessionId();
  try {
    await sessionAtParent(env, id, service, SessionArgs.from(args).toString());
    await env.parent.close(id);
    return 'granted';
  } catch (error) {
    return describeError(error);
  } finally {
    env.freeSessionId(id);
  }
}

/** The lines of `lines` that a component named `name` logged, without the label. */
export function linesOf(lines: readonly string[], name: string): string[] {
  const prefix = `[init -> ${name}] `;
  return lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}

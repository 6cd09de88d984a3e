import type { NetEnv } from '@os/net';
import type { XmlNode } from '@os/runtime';
import type { NodeTimers } from '../node-timers.js';
import { NetAccess } from './net-access.js';
import { readNetConfig } from './net-config.js';
import { nodeAssert } from './node-assert.js';
import { nodeDns } from './node-dns.js';
import { nodeNet } from './node-net.js';
import { evaluateNodePolyfills } from './node-polyfills.js';
import { nodeUrl } from './node-url.js';
import { nodeUtil } from './node-util.js';
import type { ProgramHandles } from './program-handles.js';

/** What a program's Node built-ins are made of. */
export interface NodeBuiltinParts {
  /** The component's environment: the Net session is opened from it. */
  readonly env: NetEnv;
  /** The program's `<config>` (its `<net>` node sizes the Net session). */
  readonly config: XmlNode;
  /** The program's timers. */
  readonly timers: NodeTimers;
  /** The program's `process`. */
  readonly process: { nextTick(callback: (...args: unknown[]) => void, ...args: unknown[]): void };
  /** The program's `console`. */
  readonly console: object;
  /** The program's I/O handles. */
  readonly handles: ProgramHandles;
  /** Writes a warning to the program's stderr. */
  readonly warn: (text: string) => void;
}

/** A program's Node built-ins besides fs, timers and process, and its Net session. */
export interface NodeBuiltins {
  /**
   * The CommonJS values of the built-ins by name (without `node:`): what `require(name)` returns and what a module
   * namespace's `default` is.
   */
  readonly values: ReadonlyMap<string, unknown>;
  /** The program's Net session (opened on first use, or at start with a `<net>` node). */
  readonly access: NetAccess;
}

/**
 * Makes a program's `events`, `buffer`, `stream`, `string_decoder` (npm polyfills evaluated for this program alone),
 * `net` and `tls` (on its Net session), `util`, `url`, `tty`, `dns` and `assert`. Each call makes new objects: no
 * two programs share one.
 */
export function nodeBuiltins(parts: NodeBuiltinParts): NodeBuiltins {
  const nextTick = (callback: () => void): void => parts.process.nextTick(callback);
  const polyfills = evaluateNodePolyfills({
    process: parts.process,
    console: parts.console,
    queueMicrotask: nextTick,
    setTimeout: parts.timers.setTimeout,
    clearTimeout: parts.timers.clearTimeout,
    setInterval: parts.timers.setInterval,
    clearInterval: parts.timers.clearInterval,
    setImmediate: parts.timers.setImmediate,
    clearImmediate: parts.timers.clearImmediate,
  });
  const access = new NetAccess(parts.env, readNetConfig(parts.config));
  const net = nodeNet({ polyfills, timers: parts.timers, handles: parts.handles, access });
  const tls = { connect: net.tlsConnect, TLSSocket: net.TLSSocket };
  const values = new Map<string, unknown>([
    ['events', polyfills.events],
    ['buffer', polyfills.buffer],
    ['stream', polyfills.stream],
    ['string_decoder', polyfills.string_decoder],
    ['net', net.module],
    ['tls', tls],
    ['util', nodeUtil(parts.warn)],
    ['url', nodeUrl()],
    ['tty', { isatty: (_fd: unknown): boolean => false }],
    ['dns', nodeDns(nextTick)],
    ['assert', nodeAssert()],
  ]);
  return { values, access };
}

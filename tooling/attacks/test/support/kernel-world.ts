// A small world on the kernel under test, without core or init: a server PD whose entrypoint
// serves a Counter, a bystander PD holding a capability to it, and an attacker PD that holds only
// what a test hands it. Tests read every PD's quota and capability space from the kernel itself,
// before and after an attack.

import { Capability } from '@os/capability';
import type { CapSpaceEntry, Kernel, KernelOptions, KernelThread, PdId, QuotaState } from '@os/kernel';
import { seededRandom } from '@os/kernel';
import { RpcEntrypoint, RpcObject, type RpcValue, type ServerErrorReport, type ServerOf, connect } from '@os/rpc';
import { kernelUnderTest } from '@os/test-kernels';
import { Counter, type FailureKind, throwFailure } from './counter.js';

/** The kernel this run attacks (OS_KERNEL, one vitest project per kernel). */
export const KERNEL = kernelUnderTest();

/** A PD with quota and one thread, `<label>.ep`. */
export interface Domain {
  readonly label: string;
  readonly pd: PdId;
  readonly thread: KernelThread;
}

/** The Counter's server object: a running total, and a record of every call a method accepted. */
export class CounterServer extends RpcObject<typeof Counter> implements ServerOf<typeof Counter> {
  /** The sum of every accepted `add`. */
  total = 0;
  /** `method` of every call whose method body ran, in order. */
  readonly accepted: string[] = [];
  /** What `keep` received. */
  readonly kept: RpcValue[] = [];
  /** The capabilities `hand` received. */
  readonly handed: Capability[] = [];

  constructor() {
    super(Counter);
  }
  add(amount: number): number {
    this.accepted.push('add');
    this.total += amount;
    return this.total;
  }
  read(): number {
    this.accepted.push('read');
    return this.total;
  }
  keep(value: RpcValue): number {
    this.accepted.push('keep');
    this.kept.push(value);
    return this.kept.length;
  }
  tag(record: { name: string; weight: number }): number {
    this.accepted.push('tag');
    return record.name.length + record.weight;
  }
  hand(capability: Capability): number {
    this.accepted.push('hand');
    this.handed.push(capability);
    return capability.valid() ? 1 : 0;
  }
  fail(kind: FailureKind): void | Promise<void> {
    this.accepted.push('fail');
    return throwFailure(kind);
  }
}

/** A kernel factory that also takes the backends' common `capSpaceSize` option. */
type SizedFactory = (options?: KernelOptions & { readonly capSpaceSize?: number }) => Kernel;

/** Creates a PD labelled `label` with `ram` bytes and `caps` capabilities, and its thread. */
export function domain(kernel: Kernel, label: string, ram = 256 * 1024, caps = 64): Domain {
  const pd = kernel.createPd(label);
  kernel.grantQuota(pd, { ram, caps });
  return { label, pd, thread: kernel.createThread(pd, `${label}.ep`) };
}

/** Everything the kernel says about a set of PDs: quota and capability space, by label. */
export interface WorldSnapshot {
  readonly quota: Readonly<Record<string, QuotaState>>;
  readonly spaces: Readonly<Record<string, readonly CapSpaceEntry[]>>;
}

/**
 * The world: a `server` serving one Counter object on an RpcEntrypoint (undeclared errors land in
 * `reports`), a `bystander` with a typed client of it, and an `attacker` that holds nothing yet.
 * `capSpaceSize` shrinks every PD's capability space, so a sweep over all of it stays fast.
 */
export function kernelWorld(options: { readonly capSpaceSize?: number } = {}) {
  const kernel = (KERNEL.factory as SizedFactory)(
    options.capSpaceSize === undefined ? {} : { capSpaceSize: options.capSpaceSize },
  );
  const server = domain(kernel, 'server');
  const reports: ServerErrorReport[] = [];
  const entrypoint = new RpcEntrypoint(server.thread, { onError: (report) => reports.push(report) });
  const counter = new CounterServer();
  const serverCapability = entrypoint.manage(counter);
  const bystander = domain(kernel, 'bystander');
  const bystanderCapability = new Capability<typeof Counter>(
    kernel.delegate(server.pd, serverCapability.selector, bystander.pd),
  );
  const bystanderClient = connect(Counter, bystander.thread, bystanderCapability);
  const attacker = domain(kernel, 'attacker');
  const domains = [server, bystander, attacker];
  let bystanderTotal = 0;

  /** Hands `to` a capability to the server's Counter (a delegation by the privileged side, as a parent would). */
  function grant(to: Domain): Capability<typeof Counter> {
    return new Capability<typeof Counter>(kernel.delegate(server.pd, serverCapability.selector, to.pd));
  }

  /** Quota and capability space of every PD of the world (or of those labelled `labels`). */
  function snapshot(labels: readonly string[] = domains.map((each) => each.label)): WorldSnapshot {
    const chosen = domains.filter((each) => labels.includes(each.label));
    return {
      quota: Object.fromEntries(chosen.map((each) => [each.label, kernel.quota(each.pd)])),
      spaces: Object.fromEntries(chosen.map((each) => [each.label, kernel.capSpace(each.pd)])),
    };
  }

  /**
   * The bystander adds `amount` and reads the total back: both answers must be what its own calls
   * alone make the counter hold. Returns the answers.
   */
  async function bystanderCall(amount = 1): Promise<[number, number]> {
    bystanderTotal += amount;
    return [await bystanderClient.add(amount), await bystanderClient.read()];
  }

  return {
    kernel,
    server,
    bystander,
    attacker,
    entrypoint,
    counter,
    serverCapability,
    bystanderCapability,
    bystanderClient,
    reports,
    grant,
    snapshot,
    bystanderCall,
    bystanderTotal: () => bystanderTotal,
  };
}

/** Writes `bytes` (and `caps`) into `thread`'s IPC buffer and calls `selector`: a hostile client's raw request. */
export async function rawCall(
  thread: KernelThread,
  selector: number,
  bytes: ArrayLike<number>,
  caps: readonly number[] = [],
): Promise<{ status: number | null; length: number; reason: string }> {
  const utcb = thread.utcb;
  utcb.bytes.set(Array.from(bytes));
  utcb.length = bytes.length;
  utcb.setCaps(caps);
  const reply = await thread.call(selector);
  const status = reply.length >= 4 ? reply.view.getUint32(0, true) : null;
  // a BadRequest reply carries the server's reason as a length-prefixed string
  const reason =
    status === 3 && reply.length >= 8
      ? new TextDecoder().decode(reply.bytes.subarray(8, 8 + reply.view.getUint32(4, true)))
      : '';
  return { status, length: reply.length, reason };
}

/** The request header of `opcode` on the interface with fingerprint `id`, as the wire carries it. */
export function header(opcode: number, id: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, opcode, true);
  view.setUint32(4, id, true);
  return Array.from(new Uint8Array(view.buffer));
}

/** Little-endian u32 bytes. */
export function u32(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, value, true);
  return Array.from(new Uint8Array(view.buffer));
}

/** A length-prefixed UTF-8 string, as the wire carries it. */
export function wireString(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...u32(bytes.length), ...bytes];
}

/** The `code` of what `work` threw or rejected with, or `'none'` when it did not fail. */
export async function codeOf(work: () => unknown): Promise<string> {
  try {
    await work();
    return 'none';
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : `untyped ${error instanceof Error ? error.name : typeof error}`;
  }
}

/**
 * A seeded generator of 32-bit values: the kernel's `seededRandom` (mulberry32) scaled back to integers, one seed, one
 * sequence of attacks.
 */
export function seeded(seed: number): () => number {
  const random = seededRandom(seed);
  return () => random() * 4294967296;
}

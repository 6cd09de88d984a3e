// The kernel trace of a session request between siblings, as Genode's protocol makes it: init lists the request in
// the server's session_requests ROM and signals the server; the server's root proxy (a thread of its own) brings its
// ROM up to date (Rom.update writes the new text into the dataspace it holds; Rom.dataspace hands out one init
// allocated when it holds none), asks the server's own Root, and hands the capability to init
// (Parent.deliverSessionCap). init never calls the server. Each kernel names the operations in its own words.

import { init } from '@os/init';
import { type KernelFactory, type KernelThread, type TraceEvent, VirtualClock } from '@os/kernel';
import { type RpcInterface, RpcObject, type ServerOf, codec, defineInterface, method } from '@os/rpc';
import { type Env, Pd, Rom, RootComponent } from '@os/runtime';
import { binaryTable, boot } from '@os/runtime/host';
import { Connection, Parent, Root } from '@os/session';
import { kernelUnderTest } from '@os/test-kernels';
import { Timer, timerDriver } from '@os/timer';
import { describe, expect, it } from 'vitest';

const KERNEL = kernelUnderTest();

/** A service whose one method answers 42. */
const Answer = defineInterface('Answer', { get: method([], codec.u32) });

class AnswerObject extends RpcObject<typeof Answer> implements ServerOf<typeof Answer> {
  constructor() {
    super(Answer);
  }
  get(): number {
    return 42;
  }
}

/** The interfaces whose calls the transcript names. */
const INTERFACES: readonly RpcInterface[] = [Parent, Rom, Root, Pd, Answer];

/** Each kernel's words for the operations of the transcript. */
const WORDS: Record<string, { call: string; signal: string; alloc: string }> = {
  hw: { call: 'rpc_call', signal: 'signal-deliver', alloc: 'ram_alloc' },
  nova: { call: 'call', signal: 'sm_ctrl', alloc: 'alloc_mem' },
  sel4: { call: 'seL4_Call', signal: 'seL4_Recv', alloc: 'Untyped_Retype' },
};

/** The operation's name as the kernel calls it, where the backend says (`rpc_call`), else the seam's: as `--trace`. */
function kernelWord(event: TraceEvent): string {
  const first = event.detail?.split(' ')[0];
  return first !== undefined && /^[A-Za-z][A-Za-z0-9_]*$/.test(first) ? first : event.operation;
}

/** The RPC a request in `thread`'s IPC buffer is: its header holds the opcode and the interface's fingerprint. */
function rpcOf(thread: KernelThread | undefined): string {
  if (thread === undefined) return '(no thread)';
  const view = thread.utcb.view;
  const opcode = view.getUint32(0, true);
  const id = view.getUint32(4, true);
  const rpcInterface = INTERFACES.find((candidate) => candidate.id === id);
  return rpcInterface === undefined
    ? `(interface ${id})`
    : `${rpcInterface.name}.${rpcInterface.entries[opcode]?.name}`;
}

/** What was traced while recording, with each call's RPC read from the caller's IPC buffer as the kernel traced it. */
interface Recorded {
  readonly event: TraceEvent;
  /** `Interface.method` of a call or queued call; '' for other operations. */
  readonly rpc: string;
}

/**
 * A factory of the kernel under test that remembers each thread by label, and a trace hook recording while `on()`:
 * the hook reads the RPC of each call from the caller's IPC buffer, which holds the request when the kernel traces it.
 */
function tracing(factory: KernelFactory): {
  kernel: KernelFactory;
  hook: (event: TraceEvent) => void;
  recorded: Recorded[];
  record: (on: boolean) => void;
} {
  const threads = new Map<string, KernelThread>();
  const recorded: Recorded[] = [];
  let recording = false;
  return {
    kernel: (options) => {
      const kernel = factory(options);
      const create = kernel.createThread.bind(kernel);
      Object.defineProperty(kernel, 'createThread', {
        value: (...args: Parameters<typeof create>) => {
          const thread = create(...args);
          threads.set(args[1], thread);
          return thread;
        },
      });
      return kernel;
    },
    hook: (event) => {
      if (!recording) return;
      const calls = event.operation === 'call' || event.operation === 'queue';
      recorded.push({ event, rpc: calls && event.thread !== undefined ? rpcOf(threads.get(event.thread)) : '' });
    },
    recorded,
    record: (on) => {
      recording = on;
    },
  };
}

/**
 * The server root proxy's part of the trace, one line per operation: the signal of a new session_requests version,
 * each RPC it makes (a call the kernel queued first is one RPC) with the capabilities it carries, and the dataspace
 * init allocates for the ROM's text.
 */
function transcript(recorded: readonly Recorded[]): string[] {
  const lines: string[] = [];
  const waiting = new Set<string>();
  for (const { event, rpc } of recorded) {
    const thread = event.thread ?? '';
    if (event.operation === 'reply' && event.target !== undefined) waiting.delete(event.target);
    if (event.operation === 'create-dataspace' && event.pd === 'init') lines.push(`${kernelWord(event)} init`);
    if (thread !== 'server.root') continue;
    if (event.operation === 'signal-deliver') lines.push(`${kernelWord(event)} server.root`);
    if (event.operation !== 'call' && event.operation !== 'queue') continue;
    // hw and seL4 trace a call and then its queueing; NOVA traces only the queueing of a call that has to wait
    if (waiting.has(thread)) continue;
    waiting.add(thread);
    const carried = event.caps?.length ?? 0;
    lines.push(`${kernelWord(event)} server.root -> ${event.target} ${rpc}${carried > 0 ? ` + ${carried} cap` : ''}`);
  }
  return lines;
}

const CONFIG = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="server"> <provides> <service name="Answer"/> </provides> </start>
  <start name="client"> <exit propagate="yes"/> </start>
</config>`;

/** Lets a server go on once a client has made its request. */
class Gate {
  #open: () => void = () => undefined;
  /** Resolves once the gate is open. */
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve));
  /** Lets the waiting server go on. */
  open(): void {
    this.#open();
  }
}

describe(`the kernel trace of a session request on ${KERNEL.name}`, () => {
  it(
    "shows the server's ROM update (its signal, Rom.update, and Rom.dataspace of the text init wrote when the " +
      "server has none yet) and its Parent.deliverSessionCap, in each kernel's own words; init never calls the server",
    async () => {
      const trace = tracing(KERNEL.factory);
      const requested = new Gate();
      const transcripts: string[][] = [];
      /** Whom init's threads called while recording, and what. */
      const initCalls = new Set<string>();
      const server = {
        async construct(env: Env) {
          class AnswerRoot extends RootComponent<AnswerObject> {
            constructor() {
              super({ service: 'Answer', ep: env.ep });
            }
            protected override createSession(): AnswerObject {
              return new AnswerObject();
            }
          }
          // the first request is there before the server's root proxy starts: it fetches it with its first text
          await requested.opened;
          await new AnswerRoot().announce(env);
        },
      };
      const client = {
        async construct(env: Env) {
          const timer = await Timer.Connection.open(env);
          await timer.msleep(10);
          for (const label of ['first', 'second']) {
            trace.record(true);
            const opening = Connection.openSession(env, Answer, { service: 'Answer', label, ram: 4096, caps: 2 });
            requested.open();
            const answer = await opening;
            trace.record(false);
            const recorded = trace.recorded.splice(0);
            transcripts.push(transcript(recorded));
            for (const { event, rpc } of recorded) {
              if (event.pd !== 'init' || (event.operation !== 'call' && event.operation !== 'queue')) continue;
              // NOVA delivers a signal to init by a call of init's own signal-proxy EC to its entrypoint: no RPC
              if (event.target?.startsWith('init.') === true) continue;
              initCalls.add(`${event.target} ${rpc}`);
            }
            await env.log(`${label}: ${await answer.session.get()}`);
          }
          await env.parent.exit(0);
        },
      };
      const system = await boot(
        {
          init: 'init',
          binaries: binaryTable({ init, timer: timerDriver, server, client }),
          roms: new Map([['config', new TextEncoder().encode(CONFIG)]]),
        },
        { kernel: trace.kernel, clock: new VirtualClock(1), trace: trace.hook },
      );
      expect(await system.exit).toBe(0);
      expect(system.lines).toEqual(['[init -> client] first: 42', '[init -> client] second: 42']);
      const words = WORDS[KERNEL.name] as { call: string; signal: string; alloc: string };
      expect(transcripts).toEqual([
        [
          // the root proxy, started by the announce, registers for new versions and is signalled at once
          `${words.call} server.root -> init.ep Rom.sigh + 1 cap`,
          `${words.signal} server.root`,
          // it holds no text yet: Rom.update answers false and Rom.dataspace hands out one init allocated and wrote
          `${words.call} server.root -> init.ep Rom.update`,
          `${words.call} server.root -> init.ep Rom.dataspace`,
          `${words.alloc} init`,
          `${words.call} server.root -> server.ep Root.session`,
          `${words.call} server.root -> init.ep Parent.deliverSessionCap + 1 cap`,
          // the announce's own signal: the proxy looks at the text it holds again, for creates of the service just
          // announced (the request is answered already)
          `${words.signal} server.root`,
        ],
        [
          // init wrote the new text into the dataspace the server holds (Genode's in-place Rom_session::update)
          `${words.signal} server.root`,
          `${words.call} server.root -> init.ep Rom.update`,
          `${words.call} server.root -> server.ep Root.session`,
          `${words.call} server.root -> init.ep Parent.deliverSessionCap + 1 cap`,
        ],
      ]);
      // init's threads called core (its PD's quota transfers for the donations) and no one else: never the server
      expect([...initCalls]).toEqual(['core.ep Pd.transferQuota']);
    },
  );
});

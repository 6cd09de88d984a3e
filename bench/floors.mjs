// The floors every other case is measured against, in the same run.
/** Keeps a value alive so the JIT cannot drop the computation that made it. */
let sink = 0;
function do_not_optimize(value) {
  sink ^= value | 0;
}

/** The sink's value, read once at the end so it is observable. */
export function sinkValue() {
  return sink;
}

class Adder {
  add(value) {
    return value + 1;
  }
}
class Doubler {
  add(value) {
    return value * 2;
  }
}

/** A plain method call the JIT cannot delete: two receiver shapes at the call site, result consumed. */
export function plainCall() {
  const receivers = [new Adder(), new Doubler()];
  let turn = 0;
  return () => {
    turn ^= 1;
    do_not_optimize(receivers[turn].add(turn));
  };
}

/** What a minimal mediated call costs: a Map lookup plus DataView encode and decode of two ints. */
export function mediatedMinimal() {
  const table = new Map([[7, new Adder()]]);
  const view = new DataView(new ArrayBuffer(64));
  let turn = 0;
  return () => {
    turn++;
    view.setInt32(0, turn, true);
    view.setInt32(4, 7, true);
    const target = table.get(view.getInt32(4, true));
    view.setInt32(8, target.add(view.getInt32(0, true)), true);
    do_not_optimize(view.getInt32(8, true));
  };
}

/**
 * The hand-written minimal kernel-mediated call of the speed issue, awaited as users call an RPC:
 * a capability lookup in a Map, the argument and the object's name copied into a buffer as words, a
 * busy check, dispatch by opcode, the result copied back. What `rpc.null.K` is measured against.
 */
export function mediatedAwaited() {
  const objects = new Map([[7, { busy: false, methods: [(value) => value + 1, (value) => value * 2] }]]);
  const serverWords = new Int32Array(16);
  const clientWords = new Int32Array(16);
  let turn = 0;
  return async () => {
    turn ^= 1;
    clientWords[0] = turn; // opcode
    clientWords[1] = turn + 1; // argument
    const object = objects.get(7);
    if (object === undefined || object.busy) throw new Error('unreachable');
    object.busy = true;
    serverWords[0] = clientWords[0];
    serverWords[1] = clientWords[1];
    serverWords[0] = object.methods[serverWords[0]](serverWords[1]);
    object.busy = false;
    clientWords[0] = serverWords[0];
    return clientWords[0];
  };
}

/** The cheapest awaited call: an async function that returns at once. The floor of every awaited RPC. */
export function awaitedCall() {
  const receivers = [new Adder(), new Doubler()];
  let turn = 0;
  return async () => {
    turn ^= 1;
    return receivers[turn].add(turn);
  };
}

/** A same-thread MessageChannel round trip: post, receive, post back, receive. */
export function messageChannel() {
  const { port1, port2 } = new MessageChannel();
  port2.onmessage = (event) => port2.postMessage(event.data + 1);
  let resolve = null;
  port1.onmessage = (event) => resolve(event.data);
  return {
    run: () =>
      new Promise((done) => {
        resolve = done;
        port1.postMessage(1);
      }),
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

/**
 * A worker-thread round trip: post to a worker that answers at once, wait for the answer. Waking a thread is the floor
 * of any cross-thread call.
 */
export async function workerRoundTrip() {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (value) => " +
      'parentPort.postMessage(value + 1));',
    { eval: true },
  );
  let resolve = null;
  worker.on('message', (value) => resolve(value));
  await new Promise((ready) => worker.once('online', ready));
  return {
    run: () =>
      new Promise((done) => {
        resolve = done;
        worker.postMessage(1);
      }),
    close: () => worker.terminate(),
  };
}

/** Comlink on a same-thread MessageChannel: what a typical proxy-over-messages RPC library costs. */
export async function comlinkCall() {
  const Comlink = await import('comlink');
  const { port1, port2 } = new MessageChannel();
  Comlink.expose({ add: (value) => value + 1 }, port2);
  const remote = Comlink.wrap(port1);
  return {
    run: () => remote.add(1),
    close: () => {
      remote[Comlink.releaseProxy]();
      port1.close();
      port2.close();
    },
  };
}

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

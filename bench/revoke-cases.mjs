// Revocation against the number of capabilities it takes away: through the seam on every kernel, and
// natively on NOVA's mapping database and seL4's derivation tree. `node bench/revoke-cases.mjs`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { createHwKernel } from '@os/kernel-hw';
import { Crd, KobjectType, NovaKernel, ROOT_PD_SEL, Status, XferKind, createNovaKernel } from '@os/kernel-nova';
import {
  CapType,
  InitialCaps,
  ObjectType,
  Rights,
  Sel4Constants,
  Sel4Error,
  Sel4Kernel,
  createSel4Kernel,
} from '@os/kernel-sel4';
import { median } from './measure.mjs';

const RUNS = 3;
/**
 * Runs at the smaller sizes, whose few milliseconds one host hiccup doubles: the linearity mark
 * divides by them, so their median needs more runs (they are cheap).
 */
const RUNS_SMALL = 9;
const SMALL = 10_000;
/**
 * Untimed runs of each case first, at the smallest size: a revoke loops in one call, so a cold one runs
 * unoptimised code throughout (10-30x slower here) and three cold runs would time the JIT.
 */
const WARMUP_RUNS = 3;
/** Every PD holds one seam capability: N holders are N PDs, since a PD holds an object once. */
const CAP_SPACE = 1024;
/** Holders that also get a thread, to show the capability works before and fails after. */
const SAMPLES = 16;
const INVALID_CAPABILITY = 'ERR_OS_INVALID_CAPABILITY';

// Two scavenges after each setup (an object is promoted by its second), so the revoke does not pay
// for copying what setup allocated. No forced full collection: one that frees the last run's kernel
// also throws away the optimised revoke code that referred to it ("weak objects" deopts), and right
// before the revoke its sweeping goes on behind the timed code.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

function fail(what) {
  throw new Error(`revoke-cases: ${what}`);
}

/** ns of one revoke on a fresh setup: `setup(n)` builds and returns `{ revoke, verify }`; only `revoke` is timed. */
async function timeOnce(n, setup) {
  const built = await setup(n);
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  const start = process.hrtime.bigint();
  built.revoke();
  const ns = Number(process.hrtime.bigint() - start);
  await built.verify();
  return ns;
}

/** Median ns of {@link RUNS} revokes ({@link RUNS_SMALL} up to {@link SMALL} capabilities), each on a fresh setup. */
async function medianRevoke(n, setup) {
  const runs = n <= SMALL ? RUNS_SMALL : RUNS;
  const times = [];
  for (let run = 0; run < runs; run++) times.push(await timeOnce(n, setup));
  return median(times);
}

/** Evenly spread indices of `n` holders, first and last included. */
function sampleOf(n) {
  const picks = new Set([0, n - 1]);
  for (let i = 1; i < SAMPLES - 1; i++) picks.add(Math.floor((i * (n - 1)) / (SAMPLES - 1)));
  return [...picks];
}

// ------------------------------------------------------------------ through the seam

/**
 * NOVA's seam `delegate` first translates, and translation scans every mapping of the object (see
 * the README: the model finds the receiver's mapping wherever it came from), so N seam delegations
 * cost O(N²): ~90 s at 100 000. A fresh PD holds nothing to translate to, so core's delegate
 * hypercall alone builds the same mapping, at the selector the seam's allocator gave the first holder.
 */
function novaDelegateAll(kernel, serverPd, selector, holders) {
  const native = kernel.native;
  const pdSel = new Map();
  native.root.objects.forEach((node, at) => {
    if (node?.object.type === KobjectType.PD) pdSel.set(node.object.serial, at);
  });
  const at = kernel.delegate(serverPd, selector, holders[0]);
  const utcb = native.rootEc.utcb;
  for (let i = 1; i < holders.length; i++) {
    utcb.clear();
    utcb.appendItem(XferKind.DELEGATE, Crd.obj(selector, 0));
    const status = native.delegate(native.rootEc, pdSel.get(serverPd), pdSel.get(holders[i]), Crd.obj(at, 0));
    if (status !== Status.SUCCESS) fail(`nova delegate to holder ${i}: status ${status}`);
  }
  utcb.clear();
  return holders.map(() => at);
}

/**
 * Whether the kernel itself still resolves the selector: on seL4 `valid` reads the adapter's books, so ask the CSpace.
 */
function kernelResolves(kernel, thread, selector) {
  if (kernel.name !== 'sel4') return thread.valid(selector);
  return kernel.native.seL4_DebugCapIdentify(thread.tcb, selector) !== CapType.NullCap;
}

/** `revoke.<n>.<kernel>`: one server object, n PDs with a capability to it; `dissolve` is timed. */
function seamSetup(factory) {
  return async (n) => {
    const kernel = factory({ capSpaceSize: CAP_SPACE });
    const serverPd = kernel.createPd('server');
    kernel.grantQuota(serverPd, { caps: 1 });
    const server = kernel.createThread(serverPd, 'server.ep');
    server.serve({ onCall: (_object, request) => request.clear(), onSignal() {} });
    const selector = server.createRpcObject();
    const object = kernel.capSpace(serverPd).find((entry) => entry.selector === selector).object;
    const holders = [];
    for (let i = 0; i < n; i++) holders.push(kernel.createPd(`holder${i}`));
    const held =
      kernel.name === 'nova'
        ? novaDelegateAll(kernel, serverPd, selector, holders)
        : holders.map((pd) => kernel.delegate(serverPd, selector, pd));
    for (let i = 0; i < n; i++) {
      const entry = kernel.capSpace(holders[i]).find((e) => e.selector === held[i]);
      if (entry?.object !== object) fail(`${kernel.name}: holder ${i} does not hold the object`);
    }
    const samples = sampleOf(n).map((i) => ({ i, thread: kernel.createThread(holders[i], `holder${i}.main`) }));
    for (const { i, thread } of samples) {
      if (kernel.delegate(serverPd, selector, holders[i]) !== held[i])
        fail(`${kernel.name}: holder ${i} got a second selector`);
      thread.utcb.clear();
      await thread.call(held[i]);
    }
    return {
      revoke: () => server.dissolve(selector),
      async verify() {
        if (server.valid(selector)) fail(`${kernel.name}: the server's capability survived`);
        for (let i = 0; i < n; i++) {
          if (kernel.capSpace(holders[i]).some((e) => e.object === object))
            fail(`${kernel.name}: holder ${i} still lists the object`);
        }
        for (const { i, thread } of samples) {
          if (thread.valid(held[i]) || kernelResolves(kernel, thread, held[i]))
            fail(`${kernel.name}: holder ${i}'s capability is still valid`);
          thread.utcb.clear();
          const error = await Promise.resolve()
            .then(() => thread.call(held[i]))
            .then(
              () => null,
              (e) => e,
            );
          if (error?.code !== INVALID_CAPABILITY)
            fail(`${kernel.name}: a call through holder ${i}'s capability gave ${error ?? 'a reply'}`);
        }
      },
    };
  };
}

// ------------------------------------------------------------------ NOVA natively

const NOVA_HOLDER = 0x100;
const NOVA_EC = 0x101;
const NOVA_PT = 0x102;
const NOVA_BASE = 0x200;

/**
 * `revoke-tree` / `revoke-chain` on NOVA: core's portal (the original), and n mappings of it in one
 * other PD, each delegated from the original (wide) or from the previous mapping (chain). `revoke`
 * of the original without `self` is timed: the mapping database takes the subtree, the original stays.
 */
function novaSetup(shape) {
  return (n) => {
    const kernel = new NovaKernel({ selectors: NOVA_BASE + n });
    const root = kernel.rootEc;
    const check = (status, what) => status === Status.SUCCESS || fail(`nova ${what}: status ${status}`);
    check(kernel.create_pd(root, NOVA_HOLDER, ROOT_PD_SEL, Crd.NULL, 0, 0, 'holder'), 'create_pd');
    check(kernel.create_ec(root, NOVA_EC, ROOT_PD_SEL, 0, 0x1000, 0, false, 'server'), 'create_ec');
    check(
      kernel.create_pt(root, NOVA_PT, ROOT_PD_SEL, NOVA_EC, 0, () => {}, 'original'),
      'create_pt',
    );
    const holder = kernel.objectAt(kernel.root, NOVA_HOLDER);
    const portal = kernel.objectAt(kernel.root, NOVA_PT);
    for (let i = 0; i < n; i++) {
      const chained = shape === 'chain' && i > 0;
      root.utcb.clear();
      root.utcb.appendItem(XferKind.DELEGATE, Crd.obj(chained ? NOVA_BASE + i - 1 : NOVA_PT, 0));
      check(
        kernel.delegate(root, chained ? NOVA_HOLDER : ROOT_PD_SEL, NOVA_HOLDER, Crd.obj(NOVA_BASE + i, 0)),
        'delegate',
      );
    }
    root.utcb.clear();
    const original = kernel.mappingAt(kernel.root, NOVA_PT);
    for (let i = 0; i < n; i++) {
      const parent = kernel.mappingAt(holder, NOVA_BASE + i)?.parent;
      const expected = shape === 'chain' && i > 0 ? kernel.mappingAt(holder, NOVA_BASE + i - 1) : original;
      if (parent !== expected) fail(`nova ${shape}: mapping ${i} is not where the shape puts it`);
    }
    return {
      revoke: () => check(kernel.revoke(root, Crd.obj(NOVA_PT, 0), false), 'revoke'),
      verify() {
        for (let i = 0; i < n; i++)
          if (kernel.mappingAt(holder, NOVA_BASE + i) !== null) fail(`nova ${shape}: mapping ${i} survived`);
        if (kernel.lookup(root, Crd.obj(NOVA_PT, 0)).isNull || !portal.alive || portal.mappings.size !== 1)
          fail(`nova ${shape}: the original went too`);
      },
    };
  };
}

// ------------------------------------------------------------------ seL4 natively

const CNODE = InitialCaps.seL4_CapInitThreadCNode;
const WORD = Sel4Constants.seL4_WordBits;

/**
 * `revoke-tree` / `revoke-chain` on seL4, in the root task's CNode. Wide: n `CNode_Mint`s of one
 * endpoint, each with its own badge, so each is a revocable child of the original. Chain: copies of
 * an unbadged endpoint would all be siblings (a copy is not revocable, so it hangs on its source's
 * parent); untyped caps are revocable, so n `CNode_Copy`s of an untyped, each from the last, nest n
 * deep. `CNode_Revoke` of the original is timed; it deletes every descendant and keeps the original.
 */
function sel4Setup(shape) {
  return (n) => {
    const kernel = new Sel4Kernel({ rootCNodeSizeBits: Math.ceil(Math.log2(n + 64)) });
    const boot = kernel.bootstrap();
    const root = boot.tcb;
    const check = (code, what) => code === Sel4Error.seL4_NoError || fail(`sel4 ${what}: error ${code}`);
    const original = boot.empty.start;
    const first = original + 1;
    const type = shape === 'chain' ? ObjectType.seL4_UntypedObject : ObjectType.seL4_EndpointObject;
    const capType = shape === 'chain' ? CapType.UntypedCap : CapType.EndpointCap;
    check(
      kernel.seL4_Untyped_Retype(root, boot.untyped, type, shape === 'chain' ? 16 : 0, CNODE, 0, 0, original, 1),
      'Untyped_Retype',
    );
    for (let i = 0; i < n; i++) {
      if (shape === 'chain')
        check(
          kernel.seL4_CNode_Copy(
            root,
            CNODE,
            first + i,
            WORD,
            CNODE,
            i === 0 ? original : first + i - 1,
            WORD,
            Rights.seL4_AllRights,
          ),
          'CNode_Copy',
        );
      else
        check(
          kernel.seL4_CNode_Mint(root, CNODE, first + i, WORD, CNODE, original, WORD, Rights.seL4_AllRights, i + 1),
          'CNode_Mint',
        );
    }
    const cnode = kernel.capAt(root, CNODE).object;
    for (let i = 0; i < n; i++) {
      const expected = shape === 'chain' && i > 0 ? cnode.slot(first + i - 1) : cnode.slot(original);
      if (cnode.slot(first + i).parent !== expected) fail(`sel4 ${shape}: slot ${i} is not where the shape puts it`);
    }
    return {
      revoke: () => check(kernel.seL4_CNode_Revoke(root, CNODE, original, WORD), 'CNode_Revoke'),
      verify() {
        for (let i = 0; i < n; i++)
          if (kernel.seL4_DebugCapIdentify(root, first + i) !== CapType.NullCap)
            fail(`sel4 ${shape}: slot ${i} survived`);
        if (kernel.seL4_DebugCapIdentify(root, original) !== capType || cnode.slot(original).hasChildren)
          fail(`sel4 ${shape}: the original went, or kept children`);
      },
    };
  };
}

// ------------------------------------------------------------------ the cases

/**
 * Median ns of each revocation, by case name: `revoke.<n>.<kernel>`, `revoke-tree.<n>.<kernel>`,
 * `revoke-chain.<n>.<kernel>`.
 */
export async function revokeCases(sizes = [10000, 100000]) {
  const cases = [
    ['revoke', 'hw', seamSetup(createHwKernel)],
    ['revoke', 'nova', seamSetup(createNovaKernel)],
    ['revoke', 'sel4', seamSetup(createSel4Kernel)],
    ['revoke-tree', 'nova', novaSetup('tree')],
    ['revoke-chain', 'nova', novaSetup('chain')],
    ['revoke-tree', 'sel4', sel4Setup('tree')],
    ['revoke-chain', 'sel4', sel4Setup('chain')],
  ];
  const results = new Map();
  for (const [family, kernel, setup] of cases) {
    for (let run = 0; run < WARMUP_RUNS; run++) await timeOnce(Math.min(...sizes), setup);
    for (const n of sizes) results.set(`${family}.${n}.${kernel}`, await medianRevoke(n, setup));
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await revokeCases();
  console.log(
    `node ${process.version}, median of ${RUNS} fresh setups (${RUNS_SMALL} up ` +
      `to ${SMALL.toLocaleString('en-US')} capabilities), revoke only`,
  );
  console.log(`${'case'.padEnd(26)}${'ns'.padStart(13)}${'ns/cap'.padStart(10)}`);
  const families = new Map();
  for (const [name, ns] of results) {
    const [family, n, kernel] = name.split('.');
    console.log(
      `${name.padEnd(26)}${ns.toLocaleString('en-US').padStart(13)}${(ns / Number(n)).toFixed(1).padStart(10)}`,
    );
    const key = `${family}.${kernel}`;
    families.set(key, [...(families.get(key) ?? []), [Number(n), ns]]);
  }
  // linear: time grows with the count, ~10x for 10x (within 3x per capability, as noise allows here);
  // quadratic removal would show ~100x
  console.log('\ngrowth from the smallest to the largest size');
  for (const [key, points] of families) {
    const [[n0, t0], [n1, t1]] = [points[0], points.at(-1)];
    const perCap = t1 / n1 / (t0 / n0);
    const verdict = perCap > 3 ? 'super-linear' : perCap < 1 / 3 ? 'sub-linear' : 'linear';
    console.log(
      `${key.padEnd(20)} time x${(t1 / t0).toFixed(1)} for x${n1 / n0} capabilities (per capability ` +
        `x${perCap.toFixed(2)}): ${verdict}`,
    );
  }
}

// Family 1: capabilities. A capability is an integer into its holder's own capability space; an
// attacker that forges, sweeps, borrows or keeps using integers must reach nothing it was not
// given, and every refusal is a typed kernel error.

import { Capability } from '@os/capability';
import { ReplyStatus, connect } from '@os/rpc';
import type { Env } from '@os/runtime';
import { Connection } from '@os/session';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { Counter, OP } from './support/counter.js';
import { CounterServer, KERNEL, codeOf, header, kernelWorld, rawCall, seeded, u32 } from './support/kernel-world.js';
import {
  ATTACKER,
  BYSTANDER,
  COUNTER_SESSION_CAPS,
  COUNTER_SESSION_RAM,
  attackSystem,
  quotaTable,
} from './support/system.js';

const INVALID = 'ERR_OS_INVALID_CAPABILITY';
/** A well-formed `Counter.add(1)`: if a forged selector reached the server, its total would move. */
const ADD_ONE = [...header(OP.add, Counter.id), ...u32(1)];

/** Every seam operation an unprivileged thread may aim at a selector, each as a thunk. */
function operations(thread: Parameters<typeof rawCall>[0], selector: number): Record<string, () => unknown> {
  return {
    call: () => rawCall(thread, selector, ADD_ONE),
    free: () => thread.free(selector),
    dissolve: () => thread.dissolve(selector),
    attach: () => thread.attach(selector),
    dataspaceSize: () => thread.dataspaceSize(selector),
    submitSignal: () => thread.submitSignal(selector),
    timeout: () => thread.timeout(1000, selector),
  };
}

describe(`capability attacks on ${KERNEL.name}`, () => {
  it(
    'forged selectors (seeded random integers, 0, negatives, past the space, fractions, NaN, Infinity) name ' +
      'nothing: every operation is InvalidCapabilityError',
    async () => {
      const world = kernelWorld();
      const { attacker, kernel } = world;
      attacker.thread.createSignalContext(1); // the attacker's space is not empty
      await world.bystanderCall();
      const before = world.snapshot();
      const accepted = world.counter.accepted.length;
      const next = seeded(1);
      const candidates = [
        0,
        -1,
        -(2 ** 31),
        2 ** 31,
        2 ** 32 + 1,
        2 ** 53,
        kernel.capSpaceSize,
        kernel.capSpaceSize + 1,
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ];
      for (let i = 0; i < 300; i++) candidates.push(next(), next() % 4096);
      const forged = candidates.filter((selector) => !attacker.thread.valid(selector));
      expect(forged.length).toBeGreaterThan(300);

      const outcomes = new Map<string, Set<string>>();
      for (const selector of forged) {
        for (const [operation, work] of Object.entries(operations(attacker.thread, selector))) {
          const codes = outcomes.get(operation) ?? new Set<string>();
          codes.add(await codeOf(work));
          outcomes.set(operation, codes);
        }
        expect(attacker.thread.valid(selector)).toBe(false);
      }
      for (const [operation, codes] of outcomes) expect([operation, [...codes]]).toEqual([operation, [INVALID]]);

      expect(world.counter.accepted.length).toBe(accepted);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      expect(world.snapshot()).toEqual(before);
    },
  );

  it(
    'a sweep over its whole capability space reaches only what the attacker holds: the rest is ' +
      'InvalidCapabilityError, its own signal context WrongObjectKindError',
    async () => {
      const world = kernelWorld({ capSpaceSize: 512 });
      const { attacker, kernel } = world;
      const granted = world.grant(attacker);
      const sweep = async (): Promise<Map<string, number[]>> => {
        const top = Math.max(...kernel.capSpace(attacker.pd).map((entry) => entry.selector)) + kernel.capSpaceSize;
        const byOutcome = new Map<string, number[]>();
        for (let selector = -1; selector <= top; selector++) {
          let outcome: string;
          try {
            outcome = `reply ${(await rawCall(attacker.thread, selector, [1, 2, 3])).status}`;
          } catch (error) {
            outcome = String((error as { code?: unknown }).code);
          }
          byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), selector]);
        }
        return byOutcome;
      };

      /**
       * What a sweep may find: `replies` answer (the garbage is a bad request), `wrongKind` are the
       * attacker's own non-RPC objects, every other integer is invalid, except the kernel's own
       * plumbing of the attacker's PD that the seam does not list (NOVA's EC, semaphores and
       * signal-proxy portal below its selector range, hw's signal receiver): the wrong kind, or the
       * attacker's own entrypoint. Never another PD's object.
       */
      const check = (byOutcome: Map<string, number[]>, replies: number[], wrongKind: number[]): void => {
        const listed = new Set(kernel.capSpace(attacker.pd).map((entry) => entry.selector));
        expect(byOutcome.get(`reply ${ReplyStatus.BadRequest}`)).toEqual(replies);
        expect(byOutcome.get('ERR_OS_WRONG_OBJECT_KIND') ?? []).toEqual(expect.arrayContaining(wrongKind));
        const plumbing = [
          ...(byOutcome.get('ERR_OS_WRONG_OBJECT_KIND') ?? []),
          ...(byOutcome.get('ERR_OS_DEADLOCK') ?? []),
        ].filter((selector) => !listed.has(selector));
        expect(plumbing.length).toBeLessThanOrEqual(4);
        expect(
          [...byOutcome.keys()].filter(
            (outcome) =>
              ![INVALID, 'ERR_OS_WRONG_OBJECT_KIND', 'ERR_OS_DEADLOCK', `reply ${ReplyStatus.BadRequest}`].includes(
                outcome,
              ),
          ),
        ).toEqual([]);
        expect(byOutcome.get(INVALID)?.length).toBeGreaterThan(kernel.capSpaceSize);
      };

      // holding one capability: only that one answers
      check(await sweep(), [granted.selector], []);
      // with a signal context of its own as well: that one is the wrong kind, nothing else changes
      const signal = attacker.thread.createSignalContext(1);
      const before = world.snapshot();
      check(await sweep(), [granted.selector], [signal]);

      expect(world.counter.accepted).toEqual([]);
      expect(await world.bystanderCall()).toEqual([1, 1]);
      expect(world.snapshot()).toEqual(before);
    },
  );

  it(
    "another PD's selectors mean nothing in the attacker's space: each is invalid there, or names the attacker's " +
      'own object of that number',
    async () => {
      const world = kernelWorld();
      const { attacker, kernel } = world;
      await world.bystanderCall();
      const foreign = [...kernel.capSpace(world.server.pd), ...kernel.capSpace(world.bystander.pd)];
      expect(foreign.length).toBeGreaterThanOrEqual(2);
      const accepted = world.counter.accepted.length;

      // holding nothing, every one of them is invalid for every operation
      const before = world.snapshot();
      for (const entry of foreign)
        for (const work of Object.values(operations(attacker.thread, entry.selector)))
          expect(await codeOf(work)).toBe(INVALID);
      expect(world.snapshot()).toEqual(before);

      // holding dataspaces of its own, a number that is also one of the attacker's names its own dataspace
      const own = [attacker.thread.allocDataspace(64), attacker.thread.allocDataspace(64)];
      const ownObjects = new Map(kernel.capSpace(attacker.pd).map((entry) => [entry.selector, entry.object]));
      const withOwn = world.snapshot();
      for (const entry of foreign) {
        const mine = ownObjects.get(entry.selector);
        if (mine === undefined) expect(await codeOf(() => attacker.thread.free(entry.selector))).toBe(INVALID);
        else {
          expect(mine).not.toBe(entry.object);
          expect(attacker.thread.kindOf(entry.selector)).toBe('dataspace');
          expect(attacker.thread.dataspaceSize(entry.selector)).toBe(64);
        }
      }
      expect(world.snapshot()).toEqual(withOwn);
      for (const selector of own) attacker.thread.dissolve(selector);

      expect(world.counter.accepted.length).toBe(accepted);
      expect(await world.bystanderCall()).toEqual([2, 2]);
      expect(world.snapshot()).toEqual(before);
    },
  );

  it(
    'use after free: the freed selector is InvalidCapabilityError for a raw call, the typed client and a second ' +
      'free; the other holders keep the object',
    async () => {
      const world = kernelWorld();
      const { attacker } = world;
      const before = world.snapshot();
      const capability = world.grant(attacker);
      const client = connect(Counter, attacker.thread, capability);
      expect(await client.read()).toBe(0);
      attacker.thread.free(capability.selector);

      expect(await codeOf(() => client.add(5))).toBe(INVALID);
      expect(await codeOf(() => rawCall(attacker.thread, capability.selector, ADD_ONE))).toBe(INVALID);
      expect(await codeOf(() => attacker.thread.free(capability.selector))).toBe(INVALID);
      // a fresh object of the attacker's may take the slot: then the number is that object, never the server's
      const reused = attacker.thread.allocDataspace(10);
      if (reused === capability.selector) expect(attacker.thread.kindOf(reused)).toBe('dataspace');
      attacker.thread.dissolve(reused);

      expect(world.counter.accepted).toEqual(['read']);
      expect(world.counter.total).toBe(0);
      expect(await world.bystanderCall()).toEqual([1, 1]);
      expect(world.snapshot()).toEqual(before);
    },
  );

  it(
    'use after the object is dissolved: every holder gets InvalidCapabilityError, the server gets its capability ' +
      'back, other objects of the entrypoint keep serving',
    async () => {
      const world = kernelWorld();
      const { attacker, kernel } = world;
      const before = world.snapshot();
      const doomed = new CounterServer();
      const doomedCapability = world.entrypoint.manage(doomed);
      const held = new Capability<typeof Counter>(
        kernel.delegate(world.server.pd, doomedCapability.selector, attacker.pd),
      );
      const client = connect(Counter, attacker.thread, held);
      expect(await client.add(2)).toBe(2);
      world.entrypoint.dissolve(doomed);

      expect(await codeOf(() => client.add(1))).toBe(INVALID);
      expect(await codeOf(() => rawCall(attacker.thread, held.selector, ADD_ONE))).toBe(INVALID);
      expect(attacker.thread.valid(held.selector)).toBe(false);
      expect(kernel.capSpace(attacker.pd)).toEqual([]);
      expect(doomed.total).toBe(2);

      expect(await world.bystanderCall()).toEqual([1, 1]);
      expect(world.snapshot()).toEqual(before);
    },
  );

  it('invoking its own signal context or dataspace as an RPC object is WrongObjectKindError', async () => {
    const world = kernelWorld();
    const { attacker } = world;
    const signal = attacker.thread.createSignalContext(1);
    const dataspace = attacker.thread.allocDataspace(100);
    const before = world.snapshot();
    expect(await codeOf(() => rawCall(attacker.thread, signal, ADD_ONE))).toBe('ERR_OS_WRONG_OBJECT_KIND');
    expect(await codeOf(() => connect(Counter, attacker.thread, new Capability<typeof Counter>(signal)).read())).toBe(
      'ERR_OS_WRONG_OBJECT_KIND',
    );
    expect(await codeOf(() => rawCall(attacker.thread, dataspace, ADD_ONE))).toBe('ERR_OS_WRONG_OBJECT_KIND');
    expect(
      await codeOf(() => connect(Counter, attacker.thread, new Capability<typeof Counter>(dataspace)).read()),
    ).toBe('ERR_OS_WRONG_OBJECT_KIND');
    expect(world.counter.accepted).toEqual([]);
    expect(await world.bystanderCall()).toEqual([1, 1]);
    expect(world.snapshot()).toEqual(before);
  });

  it('dissolving an object it does not own is NotOwnerError: the object stays valid for every holder', async () => {
    const world = kernelWorld();
    const { attacker } = world;
    const capability = world.grant(attacker);
    const before = world.snapshot();
    expect(await codeOf(() => attacker.thread.dissolve(capability.selector))).toBe('ERR_OS_NOT_OWNER');
    expect(await codeOf(() => attacker.thread.dissolve(world.bystanderCapability.selector))).toMatch(
      /^ERR_OS_(NOT_OWNER|INVALID_CAPABILITY)$/,
    );
    expect(attacker.thread.valid(capability.selector)).toBe(true);
    expect(await connect(Counter, attacker.thread, capability).read()).toBe(0);
    expect(await world.bystanderCall()).toEqual([1, 1]);
    expect(world.snapshot()).toEqual(before);
  });
});

describe(`capability attacks inside a running system on ${KERNEL.name}`, () => {
  it(
    'a component sweeping its own capability space with garbage reaches only its own sessions and parent, each ' +
      'answering a bad request; init, the server and a bystander keep working',
    async () => {
      const seen: {
        outcomes?: Map<string, number[]>;
        listed?: Map<number, string>;
        tables?: unknown[];
        rounds?: number;
        borrowed?: [boolean, string | boolean];
      } = {};
      const system = await attackSystem({
        starts: `${BYSTANDER}${ATTACKER}`,
        components: (ready) => ({
          attacker: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(20);
              const before = await attack.fresh();
              const counter = await Connection.openSession(env, Counter, {
                service: 'Counter',
                ram: COUNTER_SESSION_RAM,
                caps: COUNTER_SESSION_CAPS,
              });
              const accepted = attack.server.accepted.length;
              const roundsBefore = attack.bystander.rounds;
              const kernel = attack.handle.kernel;
              const listed = new Map(kernel.capSpace(env.thread.pd).map((entry) => [entry.selector, entry.kind]));
              const outcomes = new Map<string, number[]>();
              const top = Math.max(...listed.keys()) + 1024;
              for (let selector = 0; selector <= top; selector++) {
                let outcome: string;
                try {
                  outcome = `reply ${(await rawCall(env.thread, selector, [1, 2, 3])).status}`;
                } catch (error) {
                  outcome = String((error as { code?: unknown }).code);
                }
                outcomes.set(outcome, [...(outcomes.get(outcome) ?? []), selector]);
              }
              // no call ran a method; the attacker's own session still works
              expect(
                attack.server.accepted.slice(accepted).every((method) => method === 'add' || method === 'read'),
              ).toBe(true);
              expect(await counter.session.add(3)).toBe(3);
              await counter.close();
              seen.outcomes = outcomes;
              seen.listed = listed;
              // the bystander's session selector, used in the attacker's own space: invalid there, or one of the
              // attacker's own objects
              const bystanderSelector = attack.bystander.selector as number;
              const bystanderObject = kernel
                .capSpace(attack.bystander.pd as number)
                .find((entry) => entry.selector === bystanderSelector)?.object;
              const ownAtThatNumber = kernel
                .capSpace(env.thread.pd)
                .find((entry) => entry.selector === bystanderSelector)?.object;
              seen.borrowed = [
                bystanderObject !== undefined,
                ownAtThatNumber === undefined
                  ? await codeOf(() => rawCall(env.thread, bystanderSelector, ADD_ONE))
                  : ownAtThatNumber !== bystanderObject,
              ];
              await timer.msleep(30);
              seen.rounds = attack.bystander.rounds - roundsBefore;
              seen.tables = [quotaTable(before), quotaTable(await attack.fresh())];
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      const outcomes = seen.outcomes as Map<string, number[]>;
      const listed = seen.listed as Map<number, string>;
      // its parent, its LOG, Timer and Counter sessions: each answered the garbage as a bad request
      const badRequests = outcomes.get(`reply ${ReplyStatus.BadRequest}`) ?? [];
      expect(badRequests.length).toBeGreaterThanOrEqual(4);
      for (const selector of badRequests) expect(listed.get(selector)).toBe('rpc-object');
      for (const [selector, kind] of listed) if (kind === 'rpc-object') expect(badRequests).toContain(selector);
      // anything else: invalid, the wrong kind (its signal contexts and its PD's kernel plumbing), its own
      // entrypoint, or on NOVA its I/O thread's signal-proxy portal, which answers with an empty message
      const others = [...outcomes.keys()].filter((outcome) => outcome !== `reply ${ReplyStatus.BadRequest}`);
      expect(
        others.filter(
          (outcome) => ![INVALID, 'ERR_OS_WRONG_OBJECT_KIND', 'ERR_OS_DEADLOCK', 'reply null'].includes(outcome),
        ),
      ).toEqual([]);
      for (const selector of outcomes.get('reply null') ?? []) expect(listed.has(selector)).toBe(false);
      expect((outcomes.get('reply null') ?? []).length).toBeLessThanOrEqual(1);
      expect(system.server.total).toBe(3 + system.bystander.rounds);
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.errors).toEqual([]);
      expect(seen.rounds).toBeGreaterThanOrEqual(2);
      const [found, outcome] = seen.borrowed as [boolean, string | boolean];
      expect(found).toBe(true);
      expect([INVALID, true]).toContain(outcome);
      const [tableBefore, tableAfter] = seen.tables as [unknown, unknown];
      expect(tableAfter).toEqual(tableBefore);
    },
  );

  it(
    'use after the holding session is closed: the session capability is InvalidCapabilityError, the server dropped ' +
      'the session, and the donation came back',
    async () => {
      const seen: Record<string, unknown> = {};
      const system = await attackSystem({
        starts: `${BYSTANDER}${ATTACKER}`,
        components: (ready) => ({
          attacker: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(20);
              const before = await attack.fresh();
              const quotaBefore = env.pd.quota();
              const openBefore = attack.server.open;
              const session = await Connection.openSession(env, Counter, {
                service: 'Counter',
                ram: COUNTER_SESSION_RAM,
                caps: COUNTER_SESSION_CAPS,
              });
              const selector = session.capability.selector;
              seen['added'] = await session.session.add(7);
              seen['openDuring'] = attack.server.open - openBefore;
              await session.close();
              seen['openAfter'] = attack.server.open - openBefore;
              seen['typed'] = await codeOf(() => session.session.add(1));
              seen['raw'] = await codeOf(() => rawCall(env.thread, selector, ADD_ONE));
              seen['forgedAgain'] = await codeOf(() =>
                connect(Counter, env.thread, new Capability<typeof Counter>(selector)).read(),
              );
              seen['quota'] = [quotaBefore, env.pd.quota()];
              const rounds = attack.bystander.rounds;
              await timer.msleep(50);
              seen['bystanderRoundsAfter'] = attack.bystander.rounds - rounds;
              seen['tables'] = [quotaTable(before), quotaTable(await attack.fresh())];
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      expect(seen['added']).toBe(7);
      expect([seen['openDuring'], seen['openAfter']]).toEqual([1, 0]);
      expect([seen['typed'], seen['raw'], seen['forgedAgain']]).toEqual([INVALID, INVALID, INVALID]);
      const [quotaBefore, quotaAfter] = seen['quota'] as [unknown, unknown];
      expect(quotaAfter).toEqual(quotaBefore);
      expect(seen['bystanderRoundsAfter']).toBeGreaterThanOrEqual(4);
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.errors).toEqual([]);
      expect(system.server.total).toBe(7 + system.bystander.rounds);
      const [tableBefore, tableAfter] = seen['tables'] as [unknown, unknown];
      expect(tableAfter).toEqual(tableBefore);
    },
  );
});

import type fcDefault from 'fast-check';
import type * as FastCheck from 'fast-check';
import type { ObjectKind } from '@os/kernel';
import {
  Attach,
  CAP_AMOUNTS,
  Call,
  CreateObject,
  DATASPACE_SIZES,
  Delegate,
  DestroyPd,
  Dissolve,
  Free,
  GrantQuota,
  type ModelCommand,
  type Pick,
  type Pool,
  Probe,
  RAM_AMOUNTS,
  type ReplyMode,
  Submit,
  TransferQuota,
} from './commands.js';
import { NovaRevokeDerived, NovaRevokeOriginal, Sel4RevokeCopy, Sel4RevokeOriginal } from './native-revoke.js';

/** The fast-check namespace, passed in so this package needs fast-check only where tests run. */
export type FastCheckApi = typeof fcDefault;

/** What the command generator needs to know. */
export interface CommandOptions {
  /** The backend: `nova` and `sel4` add their native revoke commands. */
  readonly kernel: string;
  /** PDs alive at once (slot index `slots` aims at the last destroyed PD). */
  readonly slots: number;
}

/**
 * One arbitrary of every model command for `options.kernel`, weighted towards what moves
 * capabilities (create, delegate, calls carrying caps, free) over what ends things (dissolve, destroy).
 */
export function modelCommand(fc: FastCheckApi, options: CommandOptions): FastCheck.Arbitrary<ModelCommand> {
  const slot = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: options.slots - 1 }), weight: 12 },
    { arbitrary: fc.constant(options.slots), weight: 1 },
  );
  const pool = fc.oneof(
    { arbitrary: fc.constant<Pool>('held'), weight: 8 },
    { arbitrary: fc.constant<Pool>('stale'), weight: 3 },
    { arbitrary: fc.constant<Pool>('foreign'), weight: 2 },
    { arbitrary: fc.constant<Pool>('odd'), weight: 1 },
  );
  const pick: FastCheck.Arbitrary<Pick> = fc.record({ pool, index: fc.nat({ max: 63 }) });
  const callTarget: FastCheck.Arbitrary<Pick> = fc.oneof(
    { arbitrary: pick, weight: 3 },
    { arbitrary: fc.record({ pool: fc.constant<Pool>('mailbox'), index: fc.nat({ max: options.slots }) }), weight: 2 },
  );
  const reply = fc.oneof(
    { arbitrary: fc.constant<ReplyMode>('none'), weight: 3 },
    { arbitrary: fc.constant<ReplyMode>('echo'), weight: 2 },
    { arbitrary: fc.constant<ReplyMode>('give'), weight: 2 },
  );
  const kind = fc.oneof(
    { arbitrary: fc.constant<ObjectKind>('rpc-object'), weight: 3 },
    { arbitrary: fc.constant<ObjectKind>('signal-context'), weight: 1 },
    { arbitrary: fc.constant<ObjectKind>('dataspace'), weight: 2 },
  );
  const weighted: { arbitrary: FastCheck.Arbitrary<ModelCommand>; weight: number }[] = [
    {
      weight: 8,
      arbitrary: fc
        .tuple(slot, kind, fc.nat({ max: DATASPACE_SIZES.length - 1 }))
        .map(([s, k, size]) => new CreateObject(s, k, size)),
    },
    { weight: 8, arbitrary: fc.tuple(slot, pick, slot).map(([from, p, to]) => new Delegate(from, p, to)) },
    {
      weight: 12,
      arbitrary: fc
        .tuple(
          slot,
          callTarget,
          fc.array(pick, { maxLength: 4 }),
          reply,
          fc.array(pick, { maxLength: 4 }),
          fc.nat({ max: 3 }),
        )
        .map(
          ([s, t, caps, mode, gives, later]) => new Call(s, t, caps, mode, mode === 'give' ? gives : [], later === 0),
        ),
    },
    { weight: 6, arbitrary: fc.tuple(slot, pick).map(([s, p]) => new Free(s, p)) },
    { weight: 3, arbitrary: fc.tuple(slot, pick).map(([s, p]) => new Dissolve(s, p)) },
    {
      weight: 2,
      arbitrary: fc.tuple(slot, pick, fc.integer({ min: 1, max: 3 })).map(([s, p, times]) => new Submit(s, p, times)),
    },
    { weight: 2, arbitrary: fc.tuple(slot, pick).map(([s, p]) => new Attach(s, p)) },
    { weight: 1, arbitrary: fc.tuple(slot, pick).map(([s, p]) => new Probe(s, p)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(slot, slot, fc.nat({ max: RAM_AMOUNTS.length - 1 }), fc.nat({ max: CAP_AMOUNTS.length - 1 }))
        .map(([from, to, ram, caps]) => new TransferQuota(from, to, ram, caps)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(slot, fc.nat({ max: RAM_AMOUNTS.length - 1 }), fc.nat({ max: CAP_AMOUNTS.length - 1 }))
        .map(([s, ram, caps]) => new GrantQuota(s, ram, caps)),
    },
    { weight: 1, arbitrary: slot.map((s) => new DestroyPd(s)) },
  ];
  const held = fc.tuple(slot, fc.nat({ max: 63 })).map(([s, index]): [number, Pick] => [s, { pool: 'held', index }]);
  if (options.kernel === 'nova') {
    weighted.push({ weight: 2, arbitrary: held.map(([s, p]) => new NovaRevokeDerived(s, p)) });
    weighted.push({ weight: 1, arbitrary: held.map(([s, p]) => new NovaRevokeOriginal(s, p)) });
  } else if (options.kernel === 'sel4') {
    weighted.push({ weight: 2, arbitrary: held.map(([s, p]) => new Sel4RevokeCopy(s, p)) });
    weighted.push({ weight: 1, arbitrary: held.map(([s, p]) => new Sel4RevokeOriginal(s, p)) });
  }
  return fc.oneof(...weighted);
}

import { QuotaExceededError, type TraceEvent } from '@os/kernel';
import {
  Crd,
  DISABLE_BLOCKING,
  EcOp,
  KobjectType,
  type NovaPt,
  Rights,
  type NovaPd,
  NovaSeamKernel,
  PdOp,
  ROOT_PD_SEL,
  STATUS_NAMES,
  type SmResult,
  SmOp,
  Status,
  type NovaReply,
} from '@os/kernel-nova';
import { describe, expect, it } from 'vitest';
import { type Machine, boot, expectStatus, gate, makeEc, makePd, makePt, readWord } from './fixture.js';

function pdOf(m: Machine, sel: number): NovaPd {
  return m.kernel.objectAt(m.kernel.root, sel) as NovaPd;
}

describe('every NOVA status code, reached', () => {
  const reached = new Set<string>();
  const note = (status: unknown, name: keyof typeof Status): void => {
    expectStatus(status, name);
    reached.add(name);
  };

  it('SUCCESS, BAD_HYP, BAD_CAP, BAD_PAR, BAD_FTR, BAD_CPU, BAD_DEV from object creation and control', () => {
    const m = boot({ cpus: 2 });
    const pd = makePd(m, 'pd', 8);
    note(m.kernel.create_ec(m.root, m.sel(), pd, 1, 0x100000, 0, true, 'second cpu'), 'SUCCESS');
    note(m.kernel.hypercall(m.root, 0x10), 'BAD_HYP');
    note(m.kernel.hypercall(m.root, 0x5), 'BAD_PAR');
    note(m.kernel.create_ec(m.root, m.sel(), pd, 2, 0x200000, 0), 'BAD_CPU');
    note(m.kernel.create_ec(m.root, m.sel(), pd, 0, 0, 0), 'BAD_FTR');
    note(m.kernel.create_ec(m.root, m.sel(), pd, 0, 0x1234, 0), 'BAD_PAR');
    note(m.kernel.create_ec(m.root, m.sel(), pd, 0, 0x100000, 0), 'BAD_PAR');
    note(m.kernel.create_pd(m.root, m.sel(), ROOT_PD_SEL, Crd.NULL, 3, 2), 'BAD_PAR');
    note(m.kernel.assign_pci(m.root, pd, 0, 0), 'BAD_DEV');
    note(m.kernel.assign_pci(m.root, 0x3ff, 0, 0), 'BAD_CAP');
    note(m.kernel.ec_ctrl(m.root, 9), 'BAD_PAR');
    const local = makeEc(m, pd, 'local', false);
    note(m.kernel.create_sc(m.root, m.sel(), pd, local.sel), 'BAD_CAP');
    const global = makeEc(m, pd, 'global', true);
    note(
      m.kernel.create_pt(m.root, m.sel(), pd, global.sel, 0, () => undefined),
      'BAD_CAP',
    );
    note(m.kernel.create_sc(m.root, m.sel(), pd, global.sel, { priority: 0, quantum: 1 }), 'BAD_PAR');
    note(m.kernel.create_sm(m.root, local.sel, pd, 0), 'BAD_CAP');
    note(m.kernel.ec_ctrl(global.ec, EcOp.DONATE_SC, 0x40), 'BAD_CAP');
  });

  it('QUO_OOM when a PD kernel memory is used up, SUCCESS again after pd_ctrl moves quota to it', () => {
    const m = boot();
    const pd = makePd(m, 'pd', 1);
    const ec = makeEc(m, pd, 'ep', false);
    note(
      m.kernel.create_pt(m.root, m.sel(), pd, ec.sel, 0, () => undefined),
      'QUO_OOM',
    );
    note(m.kernel.create_sm(m.root, m.sel(), pd, 0), 'QUO_OOM');
    note(m.kernel.pd_ctrl(m.root, pd, PdOp.TRANSFER_QUOTA, ROOT_PD_SEL, 1), 'BAD_PAR');
    note(m.kernel.pd_ctrl(m.root, ROOT_PD_SEL, PdOp.TRANSFER_QUOTA, pd, 1), 'SUCCESS');
    note(
      m.kernel.create_pt(m.root, m.sel(), pd, ec.sel, 0, () => undefined),
      'SUCCESS',
    );
    expect(m.kernel.pd_ctrl_debug(m.root, pd)).toEqual({ status: Status.SUCCESS, limit: 2, usage: 2 });
  });

  it('COM_TIM and COM_ABT from calls and a timed down', async () => {
    const m = boot();
    const pd = makePd(m, 'pd');
    const server = makeEc(m, pd, 'server', false);
    const release = gate();
    const pt = makePt(m, pd, server.sel, async () => {
      await release.promise;
      m.kernel.reply(server.ec);
    });
    // the busy call from an EC of its own: an EC with a call outstanding makes no other call (BAD_PAR)
    const occupant = makeEc(m, ROOT_PD_SEL, 'occupant', true);
    const busy = m.kernel.call(occupant.ec, pt) as Promise<NovaReply>;
    note(m.kernel.call(m.root, pt, DISABLE_BLOCKING), 'COM_TIM');
    release.open();
    note((await busy).status, 'SUCCESS');
    const sm = m.sel();
    note(m.kernel.create_sm(m.root, sm, pd, 0), 'SUCCESS');
    const timed = m.kernel.sm_ctrl(m.root, sm, SmOp.DOWN, 10) as Promise<SmResult>;
    m.clock.advance();
    note((await timed).status, 'COM_TIM');
    const failing = makePt(m, pd, server.sel, () => {
      throw new Error('fault');
    });
    note(m.kernel.call(m.root, failing), 'COM_ABT');
  });

  it('covers all of NOVA status codes', () => {
    expect([...reached].sort()).toEqual([...STATUS_NAMES].sort());
  });
});

describe('kernel-memory quota', () => {
  it(
    'create_pd moves the upper limit from the source, keeps the lower limit from being passed on, and charges one ' +
      'unit',
    () => {
      const m = boot();
      const parent = makePd(m, 'parent', 10);
      const child = m.sel();
      expectStatus(m.kernel.create_pd(m.root, child, parent, Crd.NULL, 2, 5, 'child'), 'SUCCESS');
      expect(m.kernel.pd_ctrl_debug(m.root, parent)).toEqual({ status: Status.SUCCESS, limit: 5, usage: 1 });
      expectStatus(m.kernel.pd_ctrl(m.root, child, PdOp.TRANSFER_QUOTA, parent, 4), 'BAD_PAR');
      expectStatus(m.kernel.pd_ctrl(m.root, child, PdOp.TRANSFER_QUOTA, parent, 3), 'SUCCESS');
      expectStatus(m.kernel.revoke(m.root, Crd.obj(child, 0), true), 'SUCCESS');
      expect(m.kernel.pd_ctrl_debug(m.root, parent)).toEqual({ status: Status.SUCCESS, limit: 10, usage: 0 });
      expect(pdOf(m, parent).alive).toBe(true);
    },
  );

  it('create_pd delegates the given object range into the new PD at the same selectors', () => {
    const m = boot();
    const sm = 0x300;
    expectStatus(m.kernel.create_sm(m.root, sm, ROOT_PD_SEL, 0), 'SUCCESS');
    const child = m.sel();
    expectStatus(m.kernel.create_pd(m.root, child, ROOT_PD_SEL, Crd.obj(sm, 0), 0, 1), 'SUCCESS');
    expect(pdOf(m, child).lookup(sm)?.object).toBe(m.kernel.objectAt(m.kernel.root, sm));
  });

  it('through the seam, QUO_OOM surfaces as a QuotaExceededError on caps, and threads do not count against it', () => {
    const kernel = new NovaSeamKernel({ capSpaceSize: 64 });
    const pd = kernel.createPd('app');
    const thread = kernel.createThread(pd, 'app.ep');
    expect(kernel.quota(pd)).toEqual({ ramLimit: 0, ramUsed: 0, capLimit: 0, capUsed: 0 });
    const error = (() => {
      try {
        thread.createRpcObject();
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).kind).toBe('caps');
    kernel.grantQuota(pd, { caps: 1 });
    thread.createRpcObject();
    expect(kernel.quota(pd).capUsed).toBe(1);
  });
});

describe('the seam on NOVA', () => {
  it('traces NOVA operations under their own names', async () => {
    const kernel = new NovaSeamKernel({ capSpaceSize: 64 });
    const events: TraceEvent[] = [];
    kernel.setTrace((event) => events.push(event));
    const server = kernel.createPd('server');
    const client = kernel.createPd('client');
    kernel.grantQuota(server, { caps: 4 });
    kernel.grantQuota(client, { caps: 4 });
    const ep = kernel.createThread(server, 'server.ep');
    ep.serve({
      onCall(_object, request) {
        request.view.setUint32(0, readWord(request) + 1, true);
      },
      onSignal() {},
    });
    const object = ep.createRpcObject();
    const context = ep.createSignalContext(3);
    const caller = kernel.createThread(client, 'client.ep');
    const selector = kernel.delegate(server, object, client);
    caller.utcb.view.setUint32(0, 1, true);
    caller.utcb.length = 4;
    caller.utcb.capCount = 0;
    caller.call(selector);
    caller.submitSignal(kernel.delegate(server, context, client));
    await kernel.settle();
    ep.dissolve(object);
    const natives = new Set(events.map((event) => event.detail?.split(' ')[0]));
    for (const name of [
      'create_pd',
      'create_ec',
      'create_sc',
      'pd_ctrl',
      'create_pt',
      'pt_ctrl',
      'create_sm',
      'delegate',
      'call',
      'reply',
      'sm_ctrl',
      'revoke',
      'ec_ctrl',
    ]) {
      expect(natives, name).toContain(name);
    }
    const call = events.find((event) => event.operation === 'call' && event.thread === 'client.ep');
    expect(call).toMatchObject({ detail: 'call', target: 'server.ep', bytes: 4 });
  });

  it(
    'an RPC object is a portal into the entrypoint local EC whose id is the owner selector, and PT_CTRL is gone ' +
      'after imprinting',
    () => {
      const kernel = new NovaSeamKernel({ capSpaceSize: 64 });
      const pd = kernel.createPd('server');
      kernel.grantQuota(pd, { caps: 2 });
      const thread = kernel.createThread(pd, 'server.ep');
      const object = thread.createRpcObject();
      const nodes = kernel.native.root.objects.filter(
        (node) => node?.object.type === KobjectType.PT && node.object.label.endsWith(`object ${object}`),
      );
      expect(nodes).toHaveLength(1);
      const portal = nodes[0]!.object as NovaPt;
      expect(portal.id).toBe(object);
      expect(portal.ec.label).toBe('server.ep');
      expect(portal.ec.global).toBe(false);
      expect(nodes[0]!.rights & Rights.PT_CTRL).toBe(0);
      expect(nodes[0]!.rights & Rights.PT_CALL).toBe(Rights.PT_CALL);
    },
  );
});

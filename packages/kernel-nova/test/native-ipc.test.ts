import {
  Crd,
  DISABLE_BLOCKING,
  KobjectType,
  type NovaPd,
  type NovaReply,
  type NovaSc,
  Rights,
  XferKind,
} from '@os/kernel-nova';
import { describe, expect, it } from 'vitest';
import { boot, expectStatus, flush, gate, give, makeEc, makePd, makePt, readWord, writeWord } from './fixture.js';

/** A server PD with a local EC and a client PD with a global EC, a portal between them at client selector 0x40. */
function pair(entry: Parameters<typeof makePt>[3], id = 7) {
  const m = boot();
  const serverPd = makePd(m, 'server');
  const clientPd = makePd(m, 'client');
  const server = makeEc(m, serverPd, 'server.ep', false);
  const client = makeEc(m, clientPd, 'client.main', true);
  const pt = makePt(m, serverPd, server.sel, entry, id);
  give(m, Crd.obj(pt, 0), clientPd, Crd.obj(0x40, 0));
  return { m, serverPd, clientPd, server, client, pt };
}

describe('call and reply', () => {
  it('runs the portal entry on the callee with the portal id and returns its reply in the caller UTCB', () => {
    const seen: number[] = [];
    const { m, client } = pair((id, utcb) => {
      seen.push(id, readWord(utcb));
      writeWord(utcb, readWord(utcb) * 2);
    }, 0x1234);
    writeWord(client.ec.utcb, 21);
    expectStatus(m.kernel.call(client.ec, 0x40), 'SUCCESS');
    expect(seen).toEqual([0x1234, 21]);
    expect(readWord(client.ec.utcb)).toBe(42);
  });

  it('portal ids tell two portals into one EC apart; create_pt leaves the id 0 until pt_ctrl sets it', () => {
    const ids: number[] = [];
    const m = boot();
    const serverPd = makePd(m, 'server');
    const server = makeEc(m, serverPd, 'server.ep', false);
    const entry = (id: number): void => {
      ids.push(id);
    };
    const first = makePt(m, serverPd, server.sel, entry);
    const second = makePt(m, serverPd, server.sel, entry, 99);
    // the root EC calls them directly: it holds both portals
    expectStatus(m.kernel.call(m.root, first), 'SUCCESS');
    expectStatus(m.kernel.call(m.root, second), 'SUCCESS');
    expectStatus(m.kernel.pt_ctrl(m.root, first, 5), 'SUCCESS');
    expectStatus(m.kernel.call(m.root, first), 'SUCCESS');
    expect(ids).toEqual([0, 99, 5]);
  });

  it('runs the callee on the caller donated SC and counts the call on it', () => {
    let running: NovaSc | null = null;
    const { m, server, client } = pair(() => {
      running = server.ec.sc;
    });
    const sc = client.ec.sc as NovaSc;
    const before = sc.activations;
    expect(server.ec.sc).toBe(null);
    writeWord(client.ec.utcb, 0);
    expectStatus(m.kernel.call(client.ec, 0x40), 'SUCCESS');
    expect(running).toBe(sc);
    expect(server.ec.sc).toBe(null);
    expect(sc.activations).toBe(before + 1);
  });

  it('a call to a busy EC waits (the caller helps it) and is served in order once it is free', async () => {
    const release = gate();
    const order: number[] = [];
    const { m, server, clientPd, client } = pair(async (_id, utcb) => {
      const value = readWord(utcb);
      order.push(value);
      if (value === 1) await release.promise;
      writeWord(server.ec.utcb, value + 100);
      expectStatus(m.kernel.reply(server.ec), 'SUCCESS');
    });
    const other = makeEc(m, clientPd, 'client.other', true);
    writeWord(client.ec.utcb, 1);
    const first = m.kernel.call(client.ec, 0x40) as Promise<NovaReply>;
    writeWord(other.ec.utcb, 2);
    const second = m.kernel.call(other.ec, 0x40);
    expect(second).toBeInstanceOf(Promise);
    await flush();
    expect(order).toEqual([1]);
    const third = makeEc(m, clientPd, 'client.third', true);
    writeWord(third.ec.utcb, 3);
    expectStatus(m.kernel.call(third.ec, 0x40, DISABLE_BLOCKING), 'COM_TIM');
    release.open();
    const [a, b] = await Promise.all([first, second as Promise<NovaReply>]);
    expectStatus(a.status, 'SUCCESS');
    expect(readWord(a.utcb)).toBe(101);
    expect(readWord(b.utcb)).toBe(102);
    expect(order).toEqual([1, 2]);
  });

  it('an EC with a call outstanding is blocked in it: another call is BAD_PAR and reaches no entry', async () => {
    const release = gate();
    const seen: number[] = [];
    const { m, client, server } = pair(async (_id, utcb) => {
      seen.push(readWord(utcb));
      await release.promise;
      writeWord(server.ec.utcb, 5);
      expectStatus(m.kernel.reply(server.ec), 'SUCCESS');
    });
    writeWord(client.ec.utcb, 1);
    const first = m.kernel.call(client.ec, 0x40) as Promise<NovaReply>;
    expect(first).toBeInstanceOf(Promise);
    writeWord(client.ec.utcb, 2);
    expectStatus(m.kernel.call(client.ec, 0x40), 'BAD_PAR');
    expectStatus(m.kernel.call(client.ec, 0x40, DISABLE_BLOCKING), 'BAD_PAR');
    release.open();
    const reply = await first;
    expectStatus(reply.status, 'SUCCESS');
    expect(readWord(reply.utcb)).toBe(5);
    expect(seen).toEqual([1]);
    writeWord(client.ec.utcb, 3);
    expectStatus((await (m.kernel.call(client.ec, 0x40) as Promise<NovaReply>)).status, 'SUCCESS');
    expect(seen).toEqual([1, 3]);
  });

  it('a call into the calling EC itself, or round a cycle, ends with COM_TIM naming the cycle', async () => {
    const m = boot();
    const pd = makePd(m, 'pd');
    const a = makeEc(m, pd, 'a', false);
    const b = makeEc(m, pd, 'b', false);
    const toA = makePt(m, pd, a.sel, () => undefined);
    // a local EC runs on a donated SC; the root's is donated to `a` here
    a.ec.sc = m.root.sc;
    give(m, Crd.obj(toA, 0), pd, Crd.obj(0x50, 0));
    expectStatus(m.kernel.call(a.ec, 0x50), 'COM_TIM');
    expect(a.ec.failure?.cycle).toEqual(['a', 'a']);

    const bEntered = gate();
    const release = gate();
    let inner: unknown = null;
    const toB = makePt(m, pd, b.sel, async () => {
      bEntered.open();
      await release.promise;
      inner = m.kernel.call(b.ec, 0x50);
      expectStatus(m.kernel.reply(b.ec), 'SUCCESS');
    });
    give(m, Crd.obj(toB, 0), pd, Crd.obj(0x51, 0));
    const aIntoB = makePt(m, pd, a.sel, async () => {
      const result = m.kernel.call(a.ec, 0x51);
      await result;
      m.kernel.reply(a.ec);
    });
    const outer = m.kernel.call(m.root, aIntoB) as Promise<NovaReply>;
    await bEntered.promise;
    release.open();
    expectStatus((await outer).status, 'SUCCESS');
    expectStatus(inner, 'COM_TIM');
    expect(b.ec.failure?.cycle).toEqual(['b', 'a', 'b']);
  });

  it('an entry that throws ends the call with COM_ABT (a fault) and the EC serves the next call', () => {
    const { m, client } = pair((_id, utcb) => {
      if (readWord(utcb) === 0) throw new Error('boom');
      writeWord(utcb, 1);
    });
    writeWord(client.ec.utcb, 0);
    expectStatus(m.kernel.call(client.ec, 0x40), 'COM_ABT');
    expect(client.ec.failure).toMatchObject({ server: 'server.ep', faulted: true });
    expect(client.ec.failure?.reason).toContain('boom');
    writeWord(client.ec.utcb, 5);
    expectStatus(m.kernel.call(client.ec, 0x40), 'SUCCESS');
  });

  it('revoking the callee EC while it serves aborts its call and the calls waiting for it with COM_ABT', async () => {
    const { m, server, clientPd, client } = pair(async () => {
      await new Promise<void>(() => undefined);
    });
    const other = makeEc(m, clientPd, 'other', true);
    writeWord(client.ec.utcb, 0);
    const serving = m.kernel.call(client.ec, 0x40) as Promise<NovaReply>;
    writeWord(other.ec.utcb, 0);
    const waiting = m.kernel.call(other.ec, 0x40) as Promise<NovaReply>;
    expectStatus(m.kernel.revoke(m.root, Crd.obj(server.sel, 0), true), 'SUCCESS');
    expect(server.ec.alive).toBe(false);
    const [a, b] = await Promise.all([serving, waiting]);
    expectStatus(a.status, 'COM_ABT');
    expectStatus(b.status, 'COM_ABT');
    expect(a.failure).toMatchObject({ faulted: false });
    expectStatus(m.kernel.call(client.ec, 0x40), 'COM_ABT');
  });

  it('refuses calls through a non-portal, without the call right, or with an overlong message', () => {
    const { m, clientPd, client, pt } = pair(() => undefined);
    expectStatus(m.kernel.call(client.ec, 0x41), 'BAD_CAP');
    give(m, Crd.obj(pt, 0, Rights.PT_CTRL), clientPd, Crd.obj(0x42, 0));
    expect(m.kernel.lookup(client.ec, Crd.obj(0x42, 0)).rights).toBe(Rights.PT_CTRL);
    expectStatus(m.kernel.call(client.ec, 0x42), 'BAD_CAP');
    client.ec.utcb.length = client.ec.utcb.capacity + 1;
    expectStatus(m.kernel.call(client.ec, 0x40), 'BAD_PAR');
  });
});

describe('typed items in calls', () => {
  it(
    'a request delegates into the callee window (rights ANDed) and the reply translates back to the caller own ' +
      'name',
    () => {
      let received: { base: number; rights: number; delegated: boolean } | null = null;
      const m = boot();
      const serverPd = makePd(m, 'server');
      const clientPd = makePd(m, 'client');
      const server = makeEc(m, serverPd, 'server.ep', false);
      const client = makeEc(m, clientPd, 'client', true);
      server.ec.prepareReceive = (utcb) => {
        utcb.del = Crd.obj(0x80, 2, Rights.SM_UP);
        utcb.xlt = Crd.obj(0, 31);
      };
      const pt = makePt(m, serverPd, server.sel, (_id, utcb) => {
        const item = utcb.item(0);
        received = { base: item.crd.base, rights: item.crd.rights, delegated: item.delegated };
        utcb.setMsgWords(0);
        utcb.appendItem(XferKind.TRANSLATE, Crd.obj(item.crd.base, 0));
      });
      give(m, Crd.obj(pt, 0), clientPd, Crd.obj(0x40, 0));
      const sm = m.sel();
      expectStatus(m.kernel.create_sm(m.root, sm, clientPd, 0), 'SUCCESS');
      give(m, Crd.obj(sm, 0), clientPd, Crd.obj(0x60, 0));
      client.ec.utcb.xlt = Crd.obj(0, 31);
      const utcb = client.ec.utcb;
      utcb.setMsgWords(1);
      utcb.appendItem(XferKind.TRANSLATE_OR_DELEGATE, Crd.obj(0x60, 0), 2);
      expectStatus(m.kernel.call(client.ec, 0x40), 'SUCCESS');
      expect(received).toEqual({ base: 0x82, rights: Rights.SM_UP, delegated: true });
      expect(m.kernel.objectAt(m.kernel.objectAt(m.kernel.root, serverPd) as NovaPd, 0x82)?.type).toBe(KobjectType.SM);
      expect(utcb.itemCount).toBe(1);
      expect(utcb.item(0).crd.base).toBe(0x60);
      expect(utcb.item(0).delegated).toBe(false);
    },
  );
});

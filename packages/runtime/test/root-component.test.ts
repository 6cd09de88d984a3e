import { Capability } from '@os/capability';
import { QuotaExceededError } from '@os/kernel';
import { type RpcInterface, RpcObject, codec, defineInterface, method } from '@os/rpc';
import { InsufficientCapQuota, InsufficientRamQuota, ServiceDenied, type SessionArgs } from '@os/session';
import { describe, expect, it } from 'vitest';
import { RootComponent, type SessionCost, type SessionEntrypoint, XmlNode } from '../src/index.js';

const Echo = defineInterface('Echo', { echo: method([codec.string], codec.string) });

class EchoSession extends RpcObject<typeof Echo> {
  destroyed = false;
  constructor(readonly limit: number) {
    super(Echo);
  }
  echo(text: string): string {
    return text;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** An entrypoint that hands out selectors and remembers what it serves. */
class FakeEntrypoint implements SessionEntrypoint {
  readonly served = new Set<RpcObject>();
  #next = 1;
  manage<I extends RpcInterface>(object: RpcObject<I>): Capability<I> {
    this.served.add(object);
    return new Capability<I>(this.#next++);
  }
  dissolve(object: RpcObject): void {
    this.served.delete(object);
  }
}

class EchoRoot extends RootComponent<EchoSession> {
  readonly upgrades: SessionCost[] = [];
  failCreate: Error | null = null;
  constructor(ep: SessionEntrypoint, config?: XmlNode) {
    super({ service: 'Echo', ep, ...(config === undefined ? {} : { config: () => config }) });
  }
  protected override sessionCost(args: SessionArgs): SessionCost {
    return { ram: 4096 * args.number('pages', 1), caps: 2, ramFor: 'its pages' };
  }
  protected override createSession(_args: SessionArgs, _label: unknown, policy: XmlNode | null): EchoSession {
    if (this.failCreate !== null) throw this.failCreate;
    return new EchoSession(policy?.numberAttribute('limit', 0) ?? 0);
  }
  protected override upgradeSession(_session: EchoSession, _args: SessionArgs, _added: SessionCost, all: SessionCost) {
    this.upgrades.push(all);
  }
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

describe('RootComponent', () => {
  it('refuses donations below the declared cost, naming the service, the label and the amounts', async () => {
    const root = new EchoRoot(new FakeEntrypoint());
    expect(await refusal(root.session('label="a -> b", ram_quota=4K, cap_quota=2, pages=2'))).toBe(
      'InsufficientRamQuota: Echo "a -> b": an Echo session needs 8K of RAM (its pages), the request donated 4K',
    );
    expect(await refusal(root.session('label="c", ram_quota=4K, cap_quota=1'))).toBe(
      'InsufficientCapQuota: Echo "c": an Echo session needs 2 capabilities, the request donated 1',
    );
    expect(root.sessions()).toEqual([]);
  });

  it('denies malformed arguments with ServiceDenied and keeps serving', async () => {
    const root = new EchoRoot(new FakeEntrypoint());
    for (const args of ['label="x', 'ram_quota=-1', 'label="y", cap_quota=lots', 'x'.repeat(200)]) {
      await expect(root.session(args)).rejects.toBeInstanceOf(ServiceDenied);
    }
    expect(await refusal(root.session('label="z", ram_quota=4K, cap_quota=2'))).toBe('accepted');
  });

  it('selects the policy by label and denies a label without one', async () => {
    const config = XmlNode.parse('<config><policy label="good" limit="3"/></config>', 'config');
    const root = new EchoRoot(new FakeEntrypoint(), config);
    await root.session('label="good", ram_quota=4K, cap_quota=2');
    expect(root.sessions()[0]?.limit).toBe(3);
    expect(await refusal(root.session('label="bad", ram_quota=4K, cap_quota=2'))).toBe(
      'NoPolicyDefined: Echo: no policy matches label "bad" in config and there is no <default-policy>',
    );
  });

  it("maps the server's own quota running out, and OutOfRam, to insufficient donations", async () => {
    const root = new EchoRoot(new FakeEntrypoint());
    root.failCreate = new QuotaExceededError('echo', 'caps', 1, 0);
    await expect(root.session('ram_quota=4K, cap_quota=2')).rejects.toBeInstanceOf(InsufficientCapQuota);
    root.failCreate = new QuotaExceededError('echo', 'ram', 4096, 0);
    await expect(root.session('ram_quota=4K, cap_quota=2')).rejects.toBeInstanceOf(InsufficientRamQuota);
  });

  it('adds upgrades to the session they name and ignores unknown sessions and bad arguments', async () => {
    const root = new EchoRoot(new FakeEntrypoint());
    const capability = await root.session('ram_quota=4K, cap_quota=2');
    await root.upgrade(capability, 'ram_quota=8K, cap_quota=1');
    await root.upgrade(capability, 'ram_quota=-5');
    await root.upgrade(new Capability(999), 'ram_quota=8K');
    expect(root.upgrades).toEqual([{ ram: 12288, caps: 3 }]);
    expect(root.donation(root.lookup(capability) as EchoSession)).toEqual({ ram: 12288, caps: 3 });
  });

  it('returns the donation when the session closes: dissolved, destroyed, forgotten', async () => {
    const ep = new FakeEntrypoint();
    const root = new EchoRoot(ep);
    const capability = await root.session('ram_quota=4K, cap_quota=2');
    const session = root.lookup(capability) as EchoSession;
    expect(ep.served.has(session)).toBe(true);
    await root.close(capability);
    await root.close(capability);
    expect(ep.served.has(session)).toBe(false);
    expect(session.destroyed).toBe(true);
    expect(root.sessions()).toEqual([]);
  });
});

import type { Capability } from '@os/capability';
import {
  AttachedRomDataspace,
  type ChildService,
  type Env,
  type PdAccount,
  SESSION_REQUESTS_ROM,
  type SessionClient,
  SessionState,
  SignalHandler,
  type XmlNode,
} from '@os/runtime';
import { SessionArgs, SessionResponse, type SessionResponseValue } from '@os/session';
import type { ExportedService } from './model.js';
import { selectPolicy } from './service-policy.js';

/** What the server needs of the sandbox. */
export interface ServerHost {
  /** The services the config exports (`<service>` nodes), as configured now. */
  services(): readonly ExportedService[];
  /** The service `service` of child `child`, when the child runs and has announced it. */
  target(child: string, service: string): ChildService | undefined;
  /** Logs a line after the current activity. */
  log(text: string): void;
  /** A session's phase changed: the state report is due. */
  changed(): void;
}

/** The answer to init's parent for a refused request, by the phase it ended in. */
function responseOf(state: SessionState): SessionResponseValue {
  if (state.phase === 'INSUFFICIENT_RAM') return SessionResponse.InsufficientRam;
  if (state.phase === 'INSUFFICIENT_CAP') return SessionResponse.InsufficientCaps;
  return SessionResponse.Denied;
}

/**
 * init as a server of its parent (Genode's `Sandbox::Server`, `repos/os/src/lib/sandbox/server.h`): the services its
 * config exports with `<service>` nodes are announced to init's parent once a child that a policy names serves them,
 * and init's own `session_requests` ROM is read on init's entrypoint. Each request is passed on to the child that the
 * label's policy picks, as a request of its own in that child's `session_requests`, and the child's answer goes back to
 * init's parent with `deliverSessionCap` or `sessionResponse`. init never waits for the child: one that does not
 * answer keeps only the client of that session waiting.
 */
export class Server {
  readonly #env: Env;
  readonly #own: PdAccount;
  readonly #host: ServerHost;
  /** The requests of init's parent, by the id the parent gave them. */
  readonly #sessions = new Map<number, SessionState>();
  readonly #announced = new Set<string>();
  #rom: AttachedRomDataspace | null = null;
  #opening: Promise<void> | null = null;
  /** The version of the requests handled last. */
  #handled: string | null = null;

  /** Serves the exported services of `host`'s config; donations pass through init's PD `own`. */
  constructor(env: Env, own: PdAccount, host: ServerHost) {
    this.#env = env;
    this.#own = own;
    this.#host = host;
  }

  /**
   * Announces to init's parent each exported service that a child its policies name now serves, and starts reading
   * init's `session_requests` once there is one.
   */
  async announce(): Promise<void> {
    for (const service of this.#host.services()) {
      if (this.#announced.has(service.name)) continue;
      if (!service.policies.some((policy) => this.#host.target(policy.child, service.name)?.available === true))
        continue;
      this.#announced.add(service.name);
      await this.#open();
      await this.#env.parent.announce(service.name);
    }
  }

  /** The ROM of init's requests, opened once. */
  async #open(): Promise<void> {
    this.#opening ??= (async () => {
      const rom = await AttachedRomDataspace.open(this.#env, SESSION_REQUESTS_ROM, 0);
      this.#rom = rom;
      const handler = new SignalHandler(this.#env.ep, () => this.#handle());
      await rom.sigh(handler);
      // what was requested before the ROM was opened is in the version just fetched: handled like a new one
      this.#env.thread.submitSignal(handler.capability.selector);
    })();
    await this.#opening;
  }

  /** Handles a new version of init's requests: upgrades, then closes, then creates, as Genode's root proxy does. */
  async #handle(): Promise<void> {
    const rom = this.#rom;
    if (rom === null) return;
    await rom.update();
    // each version is handled once (the ROM may be updated in place): an upgrade in it must not be passed on twice
    const text = rom.text();
    if (text === this.#handled) return;
    this.#handled = text;
    const nodes = rom.xml().subNodes();
    for (const node of nodes) if (node.type === 'upgrade') await this.#upgrade(node);
    for (const node of nodes) if (node.type === 'close') await this.#close(node);
    for (const node of nodes) if (node.type === 'create') await this.#create(node);
  }

  async #create(node: XmlNode): Promise<void> {
    const id = node.numberAttribute('id', 0);
    if (id === 0 || this.#sessions.has(id)) return;
    const name = node.stringAttribute('service', '');
    const label = node.stringAttribute('label', '');
    const argsText = node.hasSubNode('args') ? node.subNode('args').text : '';
    const service = this.#host.services().find((candidate) => candidate.name === name);
    const policy = service === undefined ? null : selectPolicy(service.policies, label);
    if (service === undefined || policy === null) {
      const reason =
        service === undefined
          ? `init exports no service "${name}"`
          : `init: no <policy> of the exported service "${name}" matches label "${label}", and it has no ` +
            '<default-policy>';
      this.#host.log(`Warning: ${reason}`);
      await this.#env.parent.sessionResponse(id, SessionResponse.Denied, reason);
      return;
    }
    const target = this.#host.target(policy.child, name);
    if (target === undefined || !target.available) {
      await this.#env.parent.sessionResponse(
        id,
        SessionResponse.Denied,
        `init: child "${policy.child}" does not serve "${name}" (it is not running or has not announced it)`,
      );
      return;
    }
    let args: SessionArgs;
    try {
      args = SessionArgs.parse(argsText);
    } catch (error) {
      const reason = `init: the arguments of "${name}" session "${label}" do not parse: ${String(error)}`;
      await this.#env.parent.sessionResponse(id, SessionResponse.Denied, reason);
      return;
    }
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    const state = new SessionState({
      service: target,
      label,
      serverLabel: label,
      args: argsText,
      ram,
      caps,
      client: this.#client(id),
      clientId: id,
    });
    try {
      // init's parent moved the donation to init's PD: on to the child's
      await this.#own.client.transferQuota(target.account.capability, ram, caps);
    } catch {
      await this.#env.parent.sessionResponse(
        id,
        SessionResponse.InsufficientRam,
        `init has not the ${ram} bytes and ${caps} capabilities donated for "${name}" session "${label}"`,
      );
      return;
    }
    this.#sessions.set(id, state);
    await target.initiateRequest(state);
    this.#host.changed();
  }

  async #upgrade(node: XmlNode): Promise<void> {
    const id = node.numberAttribute('id', 0);
    const state = this.#sessions.get(id);
    if (state === undefined || !state.alive || state.phase === 'CLOSING') return;
    const ram = node.numberAttribute('ram_quota', 0);
    const caps = node.numberAttribute('cap_quota', 0);
    await this.#own.client.transferQuota(state.service.account.capability, ram, caps);
    state.upgrade(ram, caps);
    await state.service.initiateRequest(state);
    this.#host.changed();
  }

  async #close(node: XmlNode): Promise<void> {
    const id = node.numberAttribute('id', 0);
    const state = this.#sessions.get(id);
    if (state === undefined) {
      // a request closed before init passed it on (or refused it): nothing to close, the parent is told so
      if (id !== 0) await this.#env.parent.sessionResponse(id, SessionResponse.Closed, '');
      return;
    }
    if (state.phase === 'CLOSING' || state.closeRequested) return;
    if (state.phase === 'CREATING' && state.orphaned) {
      // the serving child is gone: the donation is back in init's PD
      this.#sessions.delete(id);
      state.phase = 'CLOSED';
      await this.#env.parent.sessionResponse(id, SessionResponse.Closed, '');
      this.#host.changed();
      return;
    }
    if (state.phase === 'CREATING') state.closeRequested = true;
    else state.phase = 'CLOSING';
    await state.service.initiateRequest(state);
    this.#host.changed();
  }

  /** The client side of request `id` of init's parent: what the child answers goes back to the parent. */
  #client(id: number): SessionClient {
    const own = this.#own;
    const parent = this.#env.parent;
    const sessions = this.#sessions;
    return {
      account: own,
      sessionReady: async (state: SessionState) => {
        if (state.refused) {
          sessions.delete(id);
          await state.service.account.client.transferQuota(own.capability, state.ram, state.caps);
          await parent.sessionResponse(id, responseOf(state), state.reason);
          return;
        }
        if (state.phase === 'AVAIL') {
          state.phase = 'OK';
          await parent.deliverSessionCap(id, state.capability as Capability);
          return;
        }
        if (state.phase === 'OK') await parent.sessionResponse(id, SessionResponse.Ok, '');
      },
      sessionClosed: async () => {
        sessions.delete(id);
        await parent.sessionResponse(id, SessionResponse.Closed, '');
      },
    };
  }
}

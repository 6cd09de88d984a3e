import type { ChildPolicy, LocalService, Route } from '@os/runtime';
import { ServiceDenied, type SessionArgs, SessionLabel } from '@os/session';
import type { InitConfig, StartEntry } from './model.js';
import { type RouteDecision, resolveRoute } from './routing.js';

/** What a child's policy needs of the sandbox. */
export interface PolicyHost {
  /** The config applied last. */
  config(): InitConfig;
  /** Child `name`'s start entry as applied last, if it runs. */
  entry(name: string): StartEntry | undefined;
  /** The running children that provide `service`. */
  providers(service: string): string[];
  /** The route a decision names: the sibling's service or the parent's. */
  route(decision: RouteDecision & { kind: 'child' | 'parent' }, service: string, label: string): Route;
  /** Child `name` announced `service`. */
  announced(name: string, service: string): void;
  /** Child `name` (started as `started`) exited with `value`. */
  exited(name: string, started: StartEntry, value: number): void;
  /** Child `name` asks for resources. */
  resourceRequest(name: string, args: SessionArgs): void;
  /** Child `name` yielded what it was asked to. */
  yielded(name: string): void;
  /** A session changed: the state report is due. */
  changed(): void;
  /** Logs a line after the current activity. */
  log(text: string): void;
}

/** Whether a request is for the child's own `<config>` ROM, which init serves itself when the start entry has one. */
export function isConfigRom(entry: StartEntry, service: string, label: string): boolean {
  return entry.config !== null && service === 'ROM' && new SessionLabel(label).last() === 'config';
}

/**
 * The policy init applies to child `name` (Genode's sandbox `Child` as `Child_policy`): routes each session request by
 * the child's `<route>` or the `<default-route>` (its `<config>` ROM to init's own service), and passes announcements,
 * exits, resource requests and yields on to the sandbox.
 */
export function childPolicy(
  host: PolicyHost,
  name: string,
  initial: StartEntry,
  configService: LocalService | null,
): ChildPolicy {
  const current = (): StartEntry => host.entry(name) ?? initial;
  return {
    resolve: (service, label): Route => {
      if (configService !== null && isConfigRom(current(), service, label)) return { service: configService };
      const decision = resolveRoute(host.config(), current(), service, label, {
        providers: (wanted) => host.providers(wanted),
      });
      if (decision.kind === 'denied') {
        host.log(`Warning: ${decision.reason}`);
        throw new ServiceDenied(decision.reason);
      }
      const rewritten = decision.label === label ? {} : { label: decision.label };
      return { ...host.route(decision, service, label), ...rewritten };
    },
    announce: (service) => host.announced(name, service),
    sessionStateChanged: () => host.changed(),
    exited: (value) => host.exited(name, initial, value),
    resourceRequest: (args) => host.resourceRequest(name, args),
    yielded: () => host.yielded(name),
  };
}

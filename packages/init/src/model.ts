/**
 * init's configuration as one model, whichever way it was written: Genode's XML (`readInitConfig`)
 * or a typed TypeScript value (`initConfig`). Every part remembers its line in the XML (0 for a
 * typed value) so later checks can name it.
 */

/** How a route rule's label condition compares with a session label. */
export type LabelMatch =
  | { readonly label: string }
  | { readonly labelPrefix: string }
  | { readonly labelSuffix: string }
  | { readonly labelLast: string };

/** Where a route sends a session: the parent, a named child, or whichever child provides the service. */
export type RouteTarget =
  | { readonly kind: 'parent'; readonly label?: string }
  | { readonly kind: 'child'; readonly name: string; readonly label?: string }
  | { readonly kind: 'any-child'; readonly label?: string };

/** One `<service name>` or `<any-service>` rule of a `<route>` or `<default-route>`. */
export interface RouteRule {
  /** The service it applies to; `null` for `<any-service>`. */
  readonly service: string | null;
  /** The label condition, if any. */
  readonly match?: LabelMatch;
  /** Match the full label, the child's name included (Genode's `unscoped_label`). */
  readonly unscoped: boolean;
  /** The targets, tried in order. */
  readonly targets: readonly RouteTarget[];
  /** The rule's line in the XML, 0 for a typed value. */
  readonly line: number;
}

/** A child's `<heartbeat>`: restart it after this many unanswered heartbeats. */
export interface ChildHeartbeat {
  /** Unanswered heartbeats after which init restarts the child; 0: never. */
  readonly restartAfterSkipped: number;
}

/** One `<start>` entry: a child of init. */
export interface StartEntry {
  /** The child's name: its label element; unique. */
  readonly name: string;
  /** The binary (ROM module) to start. */
  readonly binary: string;
  /** The child's version: changing it restarts the child. */
  readonly version: string;
  /** RAM lent to the child, in bytes. */
  readonly ram: number;
  /** Capabilities lent to the child. */
  readonly caps: number;
  /** Services the child announces. */
  readonly provides: readonly string[];
  /** The child's own `<route>`, which replaces init's `<default-route>` for it; `null` when it has none. */
  readonly routes: readonly RouteRule[] | null;
  /** The child's `<config>` as written, served as its "config" ROM; `null` when it has none. */
  readonly config: string | null;
  /** Whether the child's exit value becomes init's (`<exit propagate="yes"/>`). */
  readonly exitPropagate: boolean;
  /** The child's heartbeat monitoring, if any. */
  readonly heartbeat: ChildHeartbeat | null;
  /** The entry's line in the XML, 0 for a typed value. */
  readonly line: number;
}

/** A `<policy>` or `<default-policy>` of an exported `<service>`: which child's service init's parent reaches. */
export interface ServicePolicy {
  /** The label condition; absent for `<default-policy>`. */
  readonly match?: LabelMatch;
  /** The child that serves sessions under this policy. */
  readonly child: string;
  /** The policy's line in the XML, 0 for a typed value. */
  readonly line: number;
}

/** A `<service name>` of init's own: a child's service offered to init's parent. */
export interface ExportedService {
  /** The service's name. */
  readonly name: string;
  /** Policies in order, the default policy last if there is one. */
  readonly policies: readonly ServicePolicy[];
  /** The element's line in the XML, 0 for a typed value. */
  readonly line: number;
}

/** What the state report includes (Genode's `<report>` attributes). */
export interface ReportOptions {
  /** Each child's `id` attribute (`ids`): init's id for it, new at every start. */
  readonly ids: boolean;
  /** Each child's `<requested>` sessions (`requested`). */
  readonly requested: boolean;
  /** Each child's `<provided>` sessions (`provided`). */
  readonly provided: boolean;
  /** Session arguments of those sessions (`session_args`). */
  readonly sessionArgs: boolean;
  /** Each child's `<ram>` figures (`child_ram`). */
  readonly childRam: boolean;
  /** Each child's `<caps>` figures (`child_caps`). */
  readonly childCaps: boolean;
  /** init's own `<ram>` figures (`init_ram`). */
  readonly initRam: boolean;
  /** init's own `<caps>` figures (`init_caps`). */
  readonly initCaps: boolean;
  /** Report at most this often, in milliseconds (`delay_ms`); 0: at each change. */
  readonly delayMs: number;
}

/** init's `<resource name="RAM|CAP" preserve>`: what init keeps for itself. */
export interface PreservedResources {
  /** RAM init keeps, in bytes. */
  readonly ram: number;
  /** Capabilities init keeps. */
  readonly caps: number;
}

/** init's whole configuration. */
export interface InitConfig {
  /** `<config version>`. */
  readonly version: string;
  /** Services init's parent provides (`<parent-provides>`): the only ones `<parent/>` targets can reach. */
  readonly parentProvides: readonly string[];
  /** `<default-route>`: the routes of every child without a `<route>` of its own. */
  readonly defaultRoute: readonly RouteRule[];
  /** `<default caps ram>`: quota of a start entry that names none. */
  readonly defaultCaps: number;
  /** Default RAM of a start entry that names none. */
  readonly defaultRam: number;
  /** The children, in order. */
  readonly children: readonly StartEntry[];
  /** Services exported to init's parent. */
  readonly services: readonly ExportedService[];
  /** The state report, if requested. */
  readonly report: ReportOptions | null;
  /** `<heartbeat rate_ms>`: 0 when no heartbeats are sent. */
  readonly heartbeatRateMs: number;
  /** What init keeps for itself. */
  readonly preserve: PreservedResources;
}

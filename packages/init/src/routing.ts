import { SessionLabel } from '@os/session';
import type { InitConfig, LabelMatch, RouteRule, RouteTarget, StartEntry } from './model.js';

/** What a route decides for one session request. */
export type RouteDecision =
  | { readonly kind: 'parent'; readonly label: string }
  | { readonly kind: 'child'; readonly name: string; readonly label: string }
  | { readonly kind: 'denied'; readonly reason: string };

/** Which children provide which service right now: what `<child>` and `<any-child>` targets consult. */
export interface ServiceProviders {
  /** The children (by name) whose start entry provides `service`. */
  providers(service: string): readonly string[];
}

/** Whether `label` satisfies the rule's label condition. */
export function labelMatches(match: LabelMatch, label: SessionLabel): boolean {
  if ('label' in match) return label.text === match.label;
  if ('labelPrefix' in match) return label.text.startsWith(match.labelPrefix);
  if ('labelSuffix' in match) return label.text.endsWith(match.labelSuffix);
  return label.last() === match.labelLast;
}

function ruleMatches(rule: RouteRule, child: string, service: string, label: SessionLabel): boolean {
  if (rule.service !== null && rule.service !== service) return false;
  if (rule.match === undefined) return true;
  if (rule.unscoped) return label.text === (rule.match as { label: string }).label;
  if ('labelLast' in rule.match) return label.last() === rule.match.labelLast;
  const scoped = label.text.startsWith(`${child} -> `) ? new SessionLabel(label.text.slice(child.length + 4)) : null;
  return scoped !== null && labelMatches(rule.match, scoped);
}

/** The label the server sees: the target's `label` replaces the whole label, else the label as requested. */
function targetLabel(target: RouteTarget, label: SessionLabel): string {
  return target.label ?? label.text;
}

type TargetResult = RouteDecision | 'refused';

function tryTarget(
  config: InitConfig,
  target: RouteTarget,
  service: string,
  label: SessionLabel,
  providers: ServiceProviders,
): TargetResult {
  switch (target.kind) {
    case 'parent':
      return config.parentProvides.includes(service)
        ? { kind: 'parent', label: targetLabel(target, label) }
        : 'refused';
    case 'child':
      return providers.providers(service).includes(target.name)
        ? { kind: 'child', name: target.name, label: targetLabel(target, label) }
        : 'refused';
    case 'any-child': {
      const all = providers.providers(service);
      if (all.length > 1)
        return {
          kind: 'denied',
          reason:
            `ambiguous routes to service "${service}": provided ` +
            `by ${all.map((name) => `"${name}"`).join(' and ')}`,
        };
      const only = all[0];
      return only === undefined ? 'refused' : { kind: 'child', name: only, label: targetLabel(target, label) };
    }
  }
}

/**
 * Routes a session request of `child` as Genode's init does: the child's `<route>` (or else the
 * `<default-route>`) is searched for the first rule matching service and label (labels compared
 * without the leading child name unless `unscoped_label`); its targets are tried in order. When all
 * targets of a `<service>` rule refuse, the request is denied; those of an `<any-service>` rule let
 * the search go on. No matching rule: denied, with Genode's warning text as the reason.
 */
export function resolveRoute(
  config: InitConfig,
  child: StartEntry,
  service: string,
  label: string,
  providers: ServiceProviders,
): RouteDecision {
  const session = new SessionLabel(label);
  for (const rule of child.routes ?? config.defaultRoute) {
    if (!ruleMatches(rule, child.name, service, session)) continue;
    for (const target of rule.targets) {
      const result = tryTarget(config, target, service, session, providers);
      if (result !== 'refused') return result;
    }
    if (rule.service !== null)
      return {
        kind: 'denied',
        reason: `no target of the route for "${service}" (line ${rule.line}) accepts the session (label="${label}")`,
      };
  }
  return { kind: 'denied', reason: `${child.name}: no route to service "${service}" (label="${label}")` };
}

import { suggest } from '@os/runtime';
import { InitConfigError } from './config-error.js';
import type { InitConfig, RouteRule, StartEntry } from './model.js';

function where(origin: string, line: number, element: string): string {
  return line > 0 ? `${origin}:${line}: ${element}` : `${origin}: ${element}`;
}

/**
 * The checks that need the whole configuration, for XML and typed values alike: unique names,
 * quota given, routes and exported services naming children that exist and provide the service,
 * `<parent/>` targets only for services the parent provides.
 */
export function checkInitConfig(config: InitConfig, origin: string): void {
  const byName = new Map<string, StartEntry>();
  // sets, not the lists' `includes`: every rule and policy looks a service up, so a config of n
  // services and n routes to them cost n² comparisons
  const parentProvides = new Set(config.parentProvides);
  const provided = new Map<StartEntry, ReadonlySet<string>>();
  const provides = (child: StartEntry, service: string): boolean => {
    let services = provided.get(child);
    if (services === undefined) {
      services = new Set(child.provides);
      provided.set(child, services);
    }
    return services.has(service);
  };
  for (const child of config.children) {
    const at = where(origin, child.line, `<start name="${child.name}">`);
    if (byName.has(child.name))
      throw new InitConfigError(`${at}: a second child named "${child.name}"; names must be unique`);
    byName.set(child.name, child);
    if (child.ram <= 0) throw new InitConfigError(`${at}: no RAM; give it some with ram="1M" (or <default ram="1M"/>)`);
    if (child.caps <= 0)
      throw new InitConfigError(`${at}: no capabilities; give it some with caps="100" (or <default caps="100"/>)`);
  }
  const checkRules = (rules: readonly RouteRule[], owner: string): void => {
    for (const rule of rules) {
      const at = where(
        origin,
        rule.line,
        rule.service === null ? `${owner}: <any-service>` : `${owner}: <service name="${rule.service}">`,
      );
      for (const target of rule.targets) {
        if (target.kind === 'parent' && rule.service !== null && !parentProvides.has(rule.service)) {
          throw new InitConfigError(
            `${at}: routes to <parent/>, but <parent-provides> does not list "${rule.service}" (add <service ` +
              `name="${rule.service}"/> there)`,
          );
        }
        if (target.kind !== 'child') continue;
        const provider = byName.get(target.name);
        if (provider === undefined) {
          throw new InitConfigError(
            `${at}: routes to child "${target.name}", which is not in this config ` +
              `(known: ${[...byName.keys()].join(', ') || 'none'})`,
          );
        }
        if (rule.service !== null && !provides(provider, rule.service)) {
          // a typo of a service the child does provide is fixed in the route, not by a <provides> for the typo
          const meant = suggest(rule.service, provider.provides);
          const fix =
            meant === undefined
              ? `add <provides><service name="${rule.service}"/></provides> to its start entry`
              : `did you mean "${meant}", which it provides?`;
          throw new InitConfigError(
            `${at}: routes to child "${target.name}", which does not provide "${rule.service}" (${fix})`,
          );
        }
      }
    }
  };
  checkRules(config.defaultRoute, '<default-route>');
  for (const child of config.children)
    if (child.routes !== null) checkRules(child.routes, `<start name="${child.name}">`);
  for (const service of config.services) {
    for (const policy of service.policies) {
      const provider = byName.get(policy.child);
      const at = where(origin, policy.line, `<service name="${service.name}">`);
      if (provider === undefined)
        throw new InitConfigError(`${at}: its policy names child "${policy.child}", which is not in this config`);
      if (!provides(provider, service.name))
        throw new InitConfigError(`${at}: child "${policy.child}" does not provide "${service.name}"`);
    }
  }
}

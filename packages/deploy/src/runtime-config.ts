import type { DeployConfig } from './deploy-config.js';

/** Sessions every component opens from its environment, whatever its `runtime` requires: routed to the parent. */
export const ENVIRONMENT_SERVICES: readonly string[] = ['LOG', 'PD', 'CPU'];

/**
 * The runtime init's config: its `<parent-provides>`, a `<default-route>` for the environment's sessions, a
 * `<report>` of its state (with ids, so that a restart shows), the heartbeat if configured, and `starts` in the given
 * order. `version` goes into `<config version>` and comes back in the state report, so deploy can tell which of its
 * configs the runtime applied.
 */
export function runtimeConfig(config: DeployConfig, starts: readonly string[], version: string): string {
  const provided = new Set(config.parentProvides);
  const lines = [
    version === '' ? '<config>' : `<config version="${version}">`,
    '\t<parent-provides>',
    ...config.parentProvides.map((service) => `\t\t<service name="${service}"/>`),
    '\t</parent-provides>',
    '\t<default-route>',
    ...ENVIRONMENT_SERVICES.filter((service) => provided.has(service)).map(
      (service) => `\t\t<service name="${service}"> <parent/> </service>`,
    ),
    '\t</default-route>',
    '\t<report ids="yes" child_ram="yes" child_caps="yes" delay_ms="20"/>',
  ];
  if (config.heartbeat !== undefined) lines.push(`\t<heartbeat rate_ms="${config.heartbeat.rateMs}"/>`);
  lines.push(...starts, '</config>', '');
  return lines.join('\n');
}

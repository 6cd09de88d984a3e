import { XmlError, XmlNode, numberOfBytes } from '@os/runtime';
import type { DepotPkg } from './depot-pkg.js';
import type { DeployConfig } from './deploy-config.js';
import type { DeployEntry } from './desired-document.js';
import { ENVIRONMENT_SERVICES, runtimeConfig } from './runtime-config.js';
import { xmlAttribute } from './xml-text.js';

/** A start node deploy wrote for an entry, with what it costs the runtime. */
export interface StartNode {
  /** The component's name. */
  readonly name: string;
  /** The node's text: the same entry and pkg give the same bytes, so the runtime init keeps the child. */
  readonly text: string;
  /** Its binary, the depot path of the pkg's bin archive: how its child shows in the runtime's state report. */
  readonly binary: string;
  /** Its RAM quota in bytes. */
  readonly ram: number;
  /** Its capability quota. */
  readonly caps: number;
}

/** The route rules of a pkg's `<requires>`, then the environment's sessions: each to the parent. */
function routes(pkg: Extract<DepotPkg, { kind: 'present' }>, config: DeployConfig): string[] {
  const rules: string[] = [];
  const routed = new Set<string>();
  const provided = new Set(config.parentProvides);
  for (const required of pkg.runtime.requires) {
    if (!provided.has(required.service))
      throw new Error(
        `${pkg.runtime.origin}:${required.line}: requires a ${required.service} session, which the runtime does ` +
          `not offer (its parent provides ${config.parentProvides.join(', ')}); the component cannot run here`,
      );
    const label = required.label === undefined ? '' : ` label="${xmlAttribute(required.label)}"`;
    const key = `${required.service}${label}`;
    if (routed.has(key)) continue;
    routed.add(key);
    rules.push(`<service name="${required.service}"${label}> <parent/> </service>`);
  }
  for (const service of ENVIRONMENT_SERVICES)
    if (provided.has(service) && !routed.has(service)) rules.push(`<service name="${service}"> <parent/> </service>`);
  return rules;
}

/**
 * Checks that `config`, a runtime config holding one start node made for `name`, reads back as exactly that:
 * well-formed XML with one `<start name>` (so that nothing an entry or a pkg wrote can end the node early or add one).
 */
function checkStartNode(name: string, config: string): void {
  let root: XmlNode;
  try {
    root = XmlNode.parse(config, `${name}'s start node`);
  } catch (error) {
    if (error instanceof XmlError) throw new Error(`its start node would not be well-formed: ${error.message}`);
    throw error;
  }
  const starts = root.subNodes('start');
  if (starts.length !== 1 || starts[0]?.attribute('name') !== name || starts[0].subNodes('config').length !== 1)
    throw new Error(`its start node would not read back as one <start name="${name}"> with one <config>`);
}

/**
 * The runtime init's `<start>` for `entry` running `pkg`, after Genode's `depot_deploy`: quota and binary from the
 * pkg, the entry's own `<config>` (else the runtime's, else an empty one), the services it provides, a route to the
 * parent for each session it requires and for the environment's. Throws an `Error` saying why the pkg cannot run in
 * this runtime (a session the runtime does not offer, a node that would not read back as itself).
 */
export function startNode(
  entry: DeployEntry,
  pkg: Extract<DepotPkg, { kind: 'present' }>,
  config: DeployConfig,
): StartNode {
  const { runtime, binary } = pkg;
  const lines = [
    `\t<start name="${entry.name}" ram="${numberOfBytes(runtime.ram)}" caps="${runtime.caps}">`,
    `\t\t<binary name="${binary.path}"/>`,
    `\t\t${entry.config ?? runtime.config ?? '<config/>'}`,
  ];
  if (runtime.provides.length > 0) {
    const services = runtime.provides.map((service) => `<service name="${service.service}"/>`);
    lines.push(`\t\t<provides> ${services.join(' ')} </provides>`);
  }
  lines.push('\t\t<route>', ...routes(pkg, config).map((rule) => `\t\t\t${rule}`), '\t\t</route>');
  if (config.heartbeat !== undefined && config.heartbeat.restartAfterSkipped > 0)
    lines.push(`\t\t<heartbeat restart_after_skipped="${config.heartbeat.restartAfterSkipped}"/>`);
  lines.push('\t</start>');
  const text = lines.join('\n');
  checkStartNode(entry.name, runtimeConfig(config, [text], ''));
  return { name: entry.name, text, binary: binary.path, ram: runtime.ram, caps: runtime.caps };
}

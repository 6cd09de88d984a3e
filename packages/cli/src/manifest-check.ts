import { type InitConfig, InitConfigError, type StartEntry, resolveRoute } from '@os/init';
import type { ComponentManifest } from '@os/loader';
import { numberOfBytes } from '@os/runtime';

/**
 * Checks a start entry against the manifest of the package it starts, before boot: the quota the
 * package needs, the services the entry says it provides, and a route for every session the package
 * requires (resolved as init will, against the children's declared `<provides>`).
 */
export function checkAgainstManifest(
  config: InitConfig,
  child: StartEntry,
  manifest: ComponentManifest,
  origin: string,
): void {
  const at = `${origin}:${child.line}: <start name="${child.name}">`;
  const what = `package "${child.binary}"`;
  if (manifest.ram !== undefined && child.ram < manifest.ram) {
    throw new InitConfigError(
      `${at}: ${what} needs at least ram="${numberOfBytes(manifest.ram)}", but the start entry ` +
        `gives ${numberOfBytes(child.ram)}`,
    );
  }
  if (manifest.caps !== undefined && child.caps < manifest.caps) {
    throw new InitConfigError(
      `${at}: ${what} needs at least caps="${manifest.caps}", but the start entry gives ${child.caps}`,
    );
  }
  for (const service of child.provides) {
    if (!manifest.provides.includes(service)) {
      throw new InitConfigError(
        `${at}: <provides> lists "${service}", which ${what} does not provide (its package.json ` +
          `says: ${manifest.provides.join(', ') || 'none'})`,
      );
    }
  }
  const providers = {
    providers: (service: string) =>
      config.children.filter((entry) => entry.provides.includes(service)).map((entry) => entry.name),
  };
  for (const session of manifest.requires) {
    const label = session.label === undefined ? child.name : `${child.name} -> ${session.label}`;
    const decision = resolveRoute(config, child, session.service, label, providers);
    if (decision.kind === 'denied') {
      throw new InitConfigError(
        `${at}: ${what} requires a "${session.service}" ` +
          (`session${session.label === undefined ? '' : ` labelled "${session.label}"`}, but it has no ` +
            `route: ${decision.reason}`),
      );
    }
  }
}

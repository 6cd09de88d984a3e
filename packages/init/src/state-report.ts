import { type ChildSession, numberOfBytes } from '@os/runtime';
import type { ReportOptions } from './model.js';

/** A PD's figures as Genode's state report gives them (`quota`, `used`, `avail`). */
export interface ResourceFigures {
  /** The PD's quota. */
  readonly quota: number;
  /** What it uses of it. */
  readonly used: number;
  /** What is left. */
  readonly avail: number;
}

/** A child's RAM or capabilities: what init assigned, what the PD shows, and what the child asked for. */
export interface ChildResources extends ResourceFigures {
  /** What init lent the child. */
  readonly assigned: number;
  /** What the child asked for in a pending `resource_request`; 0 if nothing. */
  readonly requested: number;
}

/** A session a child serves, as the state report's `<provided>` lists it. */
export interface ProvidedSession {
  /** The service. */
  readonly service: string;
  /** The label the server sees. */
  readonly label: string;
  /** Pending or handed out. */
  readonly state: ChildSession['state'];
  /** RAM donated. */
  readonly ram: number;
  /** Capabilities donated. */
  readonly caps: number;
  /** The session arguments. */
  readonly args: string;
}

/** What init knows about one child for its state report. */
export interface ChildState {
  /** The child's name. */
  readonly name: string;
  /** Its binary. */
  readonly binary: string;
  /** Its start entry's version ('' if none). */
  readonly version: string;
  /** init's id for it (counts up with every start). */
  readonly id: number;
  /** A session request of it waits for a server. */
  readonly incomplete: boolean;
  /** Its exit value, once it exited. */
  readonly exited: number | null;
  /** Heartbeats it left unanswered; 0 when it answers or is not monitored. */
  readonly skippedHeartbeats: number;
  /** Its RAM. */
  readonly ram: ChildResources;
  /** Its capabilities. */
  readonly caps: ChildResources;
  /** The sessions it requested. */
  readonly requested: readonly ChildSession[];
  /** The sessions it serves. */
  readonly provided: readonly ProvidedSession[];
}

/** Everything a state report is made of. */
export interface StateSnapshot {
  /** The config's version ('' if none). */
  readonly version: string;
  /** init's own RAM. */
  readonly ram: ResourceFigures;
  /** init's own capabilities. */
  readonly caps: ResourceFigures;
  /** The children, in start order. */
  readonly children: readonly ChildState[];
}

/** What {@link escapeXml} replaces: most values hold none of it and are returned as they are. */
const SPECIAL = /[&<"]/;

function escapeXml(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function element(
  name: string,
  attributes: readonly (readonly [string, string | number])[],
  body: readonly string[] = [],
  indent = '',
): string[] {
  const attrs = attributes.map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`).join('');
  if (body.length === 0) return [`${indent}<${name}${attrs}/>`];
  return [`${indent}<${name}${attrs}>`, ...body, `${indent}</${name}>`];
}

function figures(figures: ResourceFigures, format: (value: number) => string): [string, string][] {
  return [
    ['quota', format(figures.quota)],
    ['used', format(figures.used)],
    ['avail', format(figures.avail)],
  ];
}

function childResources(
  name: string,
  resources: ChildResources,
  format: (value: number) => string,
  indent: string,
): string[] {
  const attributes: [string, string][] = [['assigned', format(resources.assigned)], ...figures(resources, format)];
  if (resources.requested > 0) attributes.push(['requested', format(resources.requested)]);
  return element(name, attributes, [], indent);
}

function session(session: ChildSession | ProvidedSession, options: ReportOptions, indent: string): string[] {
  const attributes: [string, string][] = [
    ['name', session.service],
    ['state', session.state],
    ['label', session.label],
    ['ram', numberOfBytes(session.ram)],
    ['caps', String(session.caps)],
  ];
  const body = options.sessionArgs && session.args !== '' ? [`${indent}  <args>${escapeXml(session.args)}</args>`] : [];
  return element('session', attributes, body, indent);
}

function child(state: ChildState, options: ReportOptions): string[] {
  const attributes: [string, string | number][] = [
    ['name', state.name],
    ['binary', state.binary],
  ];
  if (state.version !== '') attributes.push(['version', state.version]);
  if (options.ids) attributes.push(['id', state.id]);
  if (state.incomplete) attributes.push(['state', 'incomplete']);
  if (state.exited !== null) attributes.push(['exited', state.exited]);
  if (state.skippedHeartbeats > 0) attributes.push(['skipped_heartbeats', state.skippedHeartbeats]);
  const body: string[] = [];
  if (options.childRam) body.push(...childResources('ram', state.ram, numberOfBytes, '    '));
  if (options.childCaps) body.push(...childResources('caps', state.caps, String, '    '));
  if (options.requested)
    body.push(
      ...element(
        'requested',
        [],
        state.requested.flatMap((entry) => session(entry, options, '      ')),
        '    ',
      ),
    );
  if (options.provided)
    body.push(
      ...element(
        'provided',
        [],
        state.provided.flatMap((entry) => session(entry, options, '      ')),
        '    ',
      ),
    );
  return element('child', attributes, body, '  ');
}

/**
 * init's state report in Genode's shape: `<state version>` with init's own `<ram>`/`<caps>` (if
 * `init_ram`/`init_caps`) and one `<child name binary version id state exited skipped_heartbeats>`
 * per child holding `<ram>`/`<caps>` (`assigned quota used avail requested`) and its `<requested>`
 * and `<provided>` sessions (`name state label ram caps`), each part as `<report>` selects. RAM is
 * written as Genode's `Number_of_bytes` (`1M`, `36K`, `4100`).
 */
export function renderStateReport(snapshot: StateSnapshot, options: ReportOptions): string {
  const body: string[] = [];
  if (options.initRam) body.push(...element('ram', figures(snapshot.ram, numberOfBytes), [], '  '));
  if (options.initCaps) body.push(...element('caps', figures(snapshot.caps, String), [], '  '));
  for (const state of snapshot.children) body.push(...child(state, options));
  const version: [string, string][] = snapshot.version === '' ? [] : [['version', snapshot.version]];
  return `${element('state', version, body).join('\n')}\n`;
}

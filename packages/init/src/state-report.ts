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

/** A session as its element shows it. */
type ShownSession = Pick<ProvidedSession, 'service' | 'label' | 'state' | 'ram' | 'caps' | 'args'>;

function shownSession(session: ShownSession): ShownSession {
  const { service, label, state, ram, caps, args } = session;
  return { service, label, state, ram, caps, args };
}

function sameSessions(a: readonly ShownSession[], b: readonly ShownSession[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as ShownSession;
    const y = b[index] as ShownSession;
    if (
      x.service !== y.service ||
      x.label !== y.label ||
      x.state !== y.state ||
      x.ram !== y.ram ||
      x.caps !== y.caps ||
      x.args !== y.args
    )
      return false;
  }
  return true;
}

function sameResources(a: ChildResources, b: ChildResources): boolean {
  return (
    a.assigned === b.assigned &&
    a.quota === b.quota &&
    a.used === b.used &&
    a.avail === b.avail &&
    a.requested === b.requested
  );
}

/** What a child's element is made of, whatever the options: a {@link ChildState} with its sessions as shown. */
interface ShownChild extends Omit<ChildState, 'requested' | 'provided'> {
  readonly requested: readonly ShownSession[];
  readonly provided: readonly ShownSession[];
}

/** Whether `state` shows the same as `shown`. */
function sameChild(a: ShownChild, b: ChildState): boolean {
  return (
    a.name === b.name &&
    a.binary === b.binary &&
    a.version === b.version &&
    a.id === b.id &&
    a.incomplete === b.incomplete &&
    a.exited === b.exited &&
    a.skippedHeartbeats === b.skippedHeartbeats &&
    sameResources(a.ram, b.ram) &&
    sameResources(a.caps, b.caps) &&
    sameSessions(a.requested, b.requested) &&
    sameSessions(a.provided, b.provided)
  );
}

/** A copy of what `state` shows, which stays as it is whatever happens to the objects `state` holds. */
function shownChild(state: ChildState): ShownChild {
  return {
    ...state,
    ram: { ...state.ram },
    caps: { ...state.caps },
    requested: state.requested.map(shownSession),
    provided: state.provided.map(shownSession),
  };
}

function sameOptions(a: ReportOptions, b: ReportOptions): boolean {
  return (
    a.ids === b.ids &&
    a.requested === b.requested &&
    a.provided === b.provided &&
    a.sessionArgs === b.sessionArgs &&
    a.childRam === b.childRam &&
    a.childCaps === b.childCaps &&
    a.initRam === b.initRam &&
    a.initCaps === b.initCaps
  );
}

/**
 * Renders init's state reports ({@link renderStateReport}), each child's element once per change of what it shows:
 * between two reports most children of a large init stay as they were, and so does their text.
 */
export class StateReportRenderer {
  #options: ReportOptions | null = null;
  /** Each child's element as rendered last (its lines joined), with a copy of what it was rendered from. */
  #children = new Map<string, { readonly shown: ShownChild; readonly text: string }>();

  /** {@link renderStateReport} of `snapshot` with `options`. */
  render(snapshot: StateSnapshot, options: ReportOptions): string {
    if (this.#options === null || !sameOptions(this.#options, options)) this.#children.clear();
    this.#options = options;
    const body: string[] = [];
    if (options.initRam) body.push(...element('ram', figures(snapshot.ram, numberOfBytes), [], '  '));
    if (options.initCaps) body.push(...element('caps', figures(snapshot.caps, String), [], '  '));
    const children = new Map<string, { readonly shown: ShownChild; readonly text: string }>();
    for (const state of snapshot.children) {
      let rendered = children.get(state.name) ?? this.#children.get(state.name);
      if (rendered === undefined || !sameChild(rendered.shown, state))
        rendered = { shown: shownChild(state), text: child(state, options).join('\n') };
      children.set(state.name, rendered);
      // an element of several lines joined: the report's lines are the same
      body.push(rendered.text);
    }
    this.#children = children;
    const version: [string, string][] = snapshot.version === '' ? [] : [['version', snapshot.version]];
    return `${element('state', version, body).join('\n')}\n`;
  }
}

/**
 * init's state report in Genode's shape: `<state version>` with init's own `<ram>`/`<caps>` (if
 * `init_ram`/`init_caps`) and one `<child name binary version id state exited skipped_heartbeats>`
 * per child holding `<ram>`/`<caps>` (`assigned quota used avail requested`) and its `<requested>`
 * and `<provided>` sessions (`name state label ram caps`), each part as `<report>` selects. RAM is
 * written as Genode's `Number_of_bytes` (`1M`, `36K`, `4100`).
 */
export function renderStateReport(snapshot: StateSnapshot, options: ReportOptions): string {
  return new StateReportRenderer().render(snapshot, options);
}

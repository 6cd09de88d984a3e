import { FileSystem, type FileSystemConnection } from '@os/fs';
import {
  AttachedRomDataspace,
  type ComponentModule,
  type Env,
  Reporter,
  SignalHandler,
  numberOfBytes,
} from '@os/runtime';
import { type DepotPkg, lookUpPkg } from './depot-pkg.js';
import { type DeployConfig, readDeployConfig } from './deploy-config.js';
import {
  type ComponentState,
  type RenderedComponent,
  inObjectOrder,
  mayBeIndex,
  renderedComponent,
  renderedDeployStateText,
  renderedStatus,
} from './deploy-state.js';
import { type DeployEntry, type DesiredDocument, readDesiredDocument } from './desired-document.js';
import { type ArchiveDownload, readDownloadState } from './download-state.js';
import { installation } from './installation.js';
import { type RuntimeState, readRuntimeState } from './runtime-state.js';
import { runtimeConfig } from './runtime-config.js';
import { type StartNode, startNode } from './start-node.js';
import { bounded } from './xml-text.js';

/** The buffer of the `runtime_config` report at first; the reporter grows it when a config outgrows it. */
const RUNTIME_CONFIG_BUFFER = 64 * 1024;

/** What deploy made of one valid entry this round. */
type Outcome =
  | { readonly kind: 'start'; readonly node: StartNode }
  | { readonly kind: 'waiting'; readonly state: 'downloading' | 'verifying'; readonly reason?: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** Where the runtime's child of a start node is, after its state report. */
interface Running {
  readonly step: 'starting' | 'running' | 'exited';
  /** Its exit value, once it exited. */
  readonly exited: number | null;
  readonly restarts: number;
}

/** A component's reported state, with what it was made of: made again only when one of those changed. */
interface Shown extends RenderedComponent {
  readonly pkg: string | undefined;
  readonly outcome: Outcome;
  readonly node: StartNode | undefined;
  readonly running: Running | undefined;
  /** The runtime's config (its start nodes) and state report `running` was last found from. */
  starts: ReadonlyMap<string, StartNode>;
  runtime: RuntimeState;
  /** The last `deploy_state` round that reported it. */
  round: number;
}

/** The made outcome of an entry, with the pkg and the download's line it was made of. */
interface Made {
  readonly entry: DeployEntry;
  readonly pkg: DepotPkg;
  readonly download: ArchiveDownload | undefined;
  readonly outcome: Outcome;
}

/** How often a component was started again under the same name and binary. */
interface RestartCount {
  readonly binary: string;
  lastId: number | null;
  count: number;
}

type DeployDocument = Extract<DesiredDocument, { kind: 'deploy' }>;

/** Whether two lines of the download report say the same (what their JSON text would say). */
function sameDownload(a: ArchiveDownload | undefined, b: ArchiveDownload | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.state === b.state && a.reason === b.reason && a.error === b.error && a.retry === b.retry;
}

/** Whether two outcomes give an entry the same reported state (a start node matters by its text). */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'start':
      return b.kind === 'start' && a.node.text === b.node.text;
    case 'waiting':
      return b.kind === 'waiting' && a.state === b.state && a.reason === b.reason;
    case 'failed':
      return b.kind === 'failed' && a.reason === b.reason;
  }
}

function sameRunning(a: Running | undefined, b: Running | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.step === b.step && a.exited === b.exited && a.restarts === b.restarts;
}

/** Whether two lists hold the same items (the very same objects), in the same order. */
function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Whether two maps of start nodes hold the same texts in the same order. */
function sameTexts(a: ReadonlyMap<string, StartNode>, b: ReadonlyMap<string, StartNode>): boolean {
  if (a.size !== b.size) return false;
  const others = b.values();
  for (const node of a.values()) {
    const other = others.next().value as StartNode;
    if (node !== other && node.text !== other.text) return false;
  }
  return true;
}

/** The state of a component whose entry came out as `outcome`, with `node` in the runtime's config as `running`. */
function componentState(
  pkg: string | undefined,
  outcome: Outcome,
  node: StartNode | undefined,
  running: Running | undefined,
): ComponentState {
  const base = pkg === undefined ? {} : { pkg };
  const restarts = running === undefined ? 0 : running.restarts;
  if (outcome.kind === 'start' && node !== undefined && running !== undefined && node.text === outcome.node.text) {
    if (running.step === 'exited')
      return { ...base, state: 'exited', reason: `exit value ${running.exited}`, restarts };
    return { ...base, state: running.step, restarts };
  }
  if (outcome.kind === 'waiting')
    return {
      ...base,
      state: outcome.state,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      restarts,
    };
  const reason = outcome.kind === 'failed' ? outcome.reason : 'not started';
  const kept = node === undefined ? '' : `; the component keeps running as before (${node.binary})`;
  return { ...base, state: 'failed', reason: `${reason}${kept}`, restarts };
}

/** What the download said about an archive: `Class: message`, after the retry count while it retries. */
function downloadReason(download: ArchiveDownload): string | undefined {
  if (download.reason === undefined && download.error === undefined) return undefined;
  const error = download.error === undefined ? '' : `${download.error}: `;
  const retry = download.retry === undefined ? '' : `retry ${download.retry}: `;
  return bounded(`${retry}${error}${download.reason ?? ''}`, 512);
}

/** Where a missing pkg is, after the download's report. */
function downloadOutcome(pkg: string, lacking: string, download: ArchiveDownload | undefined): Outcome {
  const reason = download === undefined ? undefined : downloadReason(download);
  const because = reason === undefined ? {} : { reason };
  switch (download?.state) {
    case undefined:
    case 'download':
      return { kind: 'waiting', state: 'downloading', ...because };
    case 'verify':
    case 'extract':
      return { kind: 'waiting', state: 'verifying', ...because };
    case 'done':
      return { kind: 'failed', reason: `the download reported ${pkg} done, but the depot lacks ${lacking}` };
    case 'failed':
      return {
        kind: 'failed',
        reason: bounded(`download of ${pkg} failed: ${reason ?? 'the download gave no reason'}`, 512),
      };
  }
}

/**
 * The deploy component: turns the desired ROM into the runtime init's config, asks the download component for what
 * the local depot lacks, and reports where each desired component is. One instance per component; all it holds comes
 * from its sessions.
 */
class Deploy {
  readonly #env: Env;
  readonly #config: DeployConfig;
  readonly #fs: FileSystemConnection;
  readonly #desired: AttachedRomDataspace;
  readonly #download: AttachedRomDataspace;
  readonly #runtime: AttachedRomDataspace;
  readonly #installation: Reporter;
  readonly #runtimeConfig: Reporter;
  readonly #state: Reporter;
  /** The last valid deploy list: what the runtime runs follows it. */
  #document: DeployDocument | null = null;
  /** The latest desired document, when it was invalid as a whole (then `#document` stays in force). */
  #invalid: { readonly version: number | null; readonly reason: string } | null = null;
  /** Pkgs found complete in the depot: published versions never change, so they are read once. */
  readonly #present = new Map<string, Extract<DepotPkg, { kind: 'present' }>>();
  /**
   * Pkgs found missing, with the download's line for each at that look-up: looked up again only when that line
   * changes (the download reports `done` after it installed) or a desired document comes in.
   */
  readonly #missing = new Map<string, { readonly pkg: DepotPkg; readonly download: ArchiveDownload | undefined }>();
  /** The outcome made for each entry name, from the entry, the pkg and the download's line it was made of. */
  readonly #made = new Map<string, Made>();
  /** The document whose entries the caches above were last cut down to. */
  #prunedFor: DeployDocument | null = null;
  /** The pkgs the installation report listed last. */
  #lastMissing: readonly string[] | null = null;
  /** The last plan that left the runtime's config as it was, with what it was made of. */
  #planned: {
    readonly document: DeployDocument;
    readonly starts: ReadonlyMap<string, StartNode>;
    /** The outcome of each entry of the document, in its order. */
    readonly made: readonly Outcome[];
  } | null = null;
  /** What the last `deploy_state` was made of: the same again makes the same report. */
  #reportedFrom: readonly unknown[] = [];
  /** The reported state of each component by key, with what it was made of. */
  #shown = new Map<string, Shown>();
  /** Counts the rounds of `deploy_state` made. */
  #round = 0;
  #downloadText = '';
  #outcomes = new Map<string, Outcome>();
  /** The start nodes of the runtime config written last, by name. */
  #starts = new Map<string, StartNode>();
  #configVersion = 0;
  /** Whether this deploy has written the runtime's config yet. */
  #written = false;
  #downloads: ReadonlyMap<string, ArchiveDownload> = new Map();
  #runtimeState: RuntimeState = { version: '', children: new Map() };
  readonly #restarts = new Map<string, RestartCount>();
  #lastInstallation = '';
  #lastState = '';
  readonly #logged = new Set<string>();

  constructor(
    env: Env,
    config: DeployConfig,
    sessions: {
      readonly fs: FileSystemConnection;
      readonly desired: AttachedRomDataspace;
      readonly download: AttachedRomDataspace;
      readonly runtime: AttachedRomDataspace;
      readonly installation: Reporter;
      readonly runtimeConfig: Reporter;
      readonly state: Reporter;
    },
  ) {
    this.#env = env;
    this.#config = config;
    this.#fs = sessions.fs;
    this.#desired = sessions.desired;
    this.#download = sessions.download;
    this.#runtime = sessions.runtime;
    this.#installation = sessions.installation;
    this.#runtimeConfig = sessions.runtimeConfig;
    this.#state = sessions.state;
  }

  /**
   * Takes in what the ROMs hold and follows them. The runtime's config is first written once a desired document is
   * read: a deploy that restarts leaves the runtime as it is until then, and rewrites the same start nodes for the
   * same list, so the runtime's children keep running through it.
   */
  async start(): Promise<void> {
    await this.#desired.sigh(new SignalHandler(this.#env.ep, () => this.#guarded(() => this.#onDesired())));
    await this.#download.sigh(new SignalHandler(this.#env.ep, () => this.#guarded(() => this.#onDownload())));
    await this.#runtime.sigh(new SignalHandler(this.#env.ep, () => this.#guarded(() => this.#onRuntime())));
    await this.#guarded(async () => {
      this.#takeDesired();
      this.#downloadText = this.#download.text();
      this.#downloads = readDownloadState(this.#downloadText);
      this.#runtimeState = readRuntimeState(this.#runtime.text());
      await this.#plan();
      await this.#reportState();
    });
  }

  /** Runs `step`; a failure (lx_fs gone, a report refused) is logged and the next signal tries again. */
  async #guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      await this.#env.log(`Error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }

  async #onDesired(): Promise<void> {
    await this.#desired.update();
    this.#takeDesired();
    this.#missing.clear();
    // an invalid document changes nothing that runs
    if (this.#invalid === null) await this.#plan();
    await this.#reportState();
  }

  async #onDownload(): Promise<void> {
    await this.#download.update();
    const text = this.#download.text();
    // a signal for a report that changed nothing (or that an earlier signal's handler read already)
    if (text === this.#downloadText) return;
    this.#downloadText = text;
    this.#downloads = readDownloadState(text);
    await this.#plan();
    await this.#reportState();
  }

  async #onRuntime(): Promise<void> {
    await this.#runtime.update();
    this.#runtimeState = readRuntimeState(this.#runtime.text());
    await this.#reportState();
  }

  /** Reads the desired ROM: a valid list replaces the one in force; an invalid document changes nothing that runs. */
  #takeDesired(): void {
    if (!this.#desired.valid()) return;
    const document = readDesiredDocument(this.#desired.text(), this.#config.trustedUsers);
    if (document.kind === 'invalid') this.#invalid = { version: document.version, reason: document.reason };
    else {
      this.#invalid = null;
      this.#document = document;
    }
  }

  /**
   * The pkg of `entry` as deploy knows it without looking: complete pkgs come from the cache, and so do missing ones
   * while the download's line for them stays as it was.
   */
  #knownPkg(entry: DeployEntry): DepotPkg | undefined {
    const path = entry.pkg.path;
    const known = this.#present.get(path);
    if (known !== undefined) return known;
    const missing = this.#missing.get(path);
    if (missing !== undefined && sameDownload(missing.download, this.#downloads.get(path))) return missing.pkg;
    return undefined;
  }

  /** Looks the pkg of `entry` up in the local depot, and keeps what it found for {@link Deploy.#knownPkg}. */
  async #lookUp(entry: DeployEntry): Promise<DepotPkg> {
    const path = entry.pkg.path;
    const download = this.#downloads.get(path);
    const found = await lookUpPkg(this.#fs, entry.pkg);
    if (found.kind === 'present') this.#present.set(path, found);
    if (found.kind === 'missing') this.#missing.set(path, { pkg: found, download });
    else this.#missing.delete(path);
    return found;
  }

  /**
   * {@link Deploy.#outcome}, made once per entry, pkg and download line (a start node is checked by parsing it, and
   * an outcome that stays the same lets the entry's reported state stay as it was rendered).
   */
  #madeOutcome(entry: DeployEntry, pkg: DepotPkg): Outcome {
    const download = pkg.kind === 'missing' ? this.#downloads.get(entry.pkg.path) : undefined;
    const made = this.#made.get(entry.name);
    if (
      made !== undefined &&
      made.pkg === pkg &&
      made.entry.pkg.path === entry.pkg.path &&
      made.entry.config === entry.config &&
      sameDownload(made.download, download)
    )
      return made.outcome;
    const outcome = this.#outcome(entry, pkg);
    this.#made.set(entry.name, { entry, pkg, download, outcome });
    return outcome;
  }

  /** What to make of `entry` whose pkg the depot holds as `pkg`: a start node, a wait for the download, a refusal. */
  #outcome(entry: DeployEntry, pkg: DepotPkg): Outcome {
    if (pkg.kind === 'missing')
      return downloadOutcome(entry.pkg.path, pkg.archive, this.#downloads.get(entry.pkg.path));
    if (pkg.kind === 'broken') return { kind: 'failed', reason: bounded(pkg.reason, 512) };
    try {
      return { kind: 'start', node: startNode(entry, pkg, this.#config) };
    } catch (error) {
      return { kind: 'failed', reason: bounded((error as Error).message, 512) };
    }
  }

  /**
   * Looks every wanted pkg up, reports what the depot lacks, and writes the runtime's config: what runs and did not
   * change keeps its start node first (so it keeps its share of the budget), then new and changed nodes in the list's
   * order while the budget lasts. An entry that cannot start now (downloading, refused) keeps the node it had.
   */
  async #plan(): Promise<void> {
    const document = this.#document;
    if (document === null) return;
    const made: Outcome[] = [];
    const missing: string[] = [];
    for (const entry of document.entries) {
      const pkg = this.#knownPkg(entry) ?? (await this.#lookUp(entry));
      if (pkg.kind === 'missing') missing.push(entry.pkg.path);
      made.push(this.#madeOutcome(entry, pkg));
    }
    // what is no longer wanted is forgotten: what deploy holds is bounded by the list (only its entries added since)
    if (this.#prunedFor !== document) {
      const wanted = new Set(document.entries.map((entry) => entry.pkg.path));
      const names = new Set(document.entries.map((entry) => entry.name));
      for (const path of this.#present.keys()) if (!wanted.has(path)) this.#present.delete(path);
      for (const path of this.#missing.keys()) if (!wanted.has(path)) this.#missing.delete(path);
      for (const name of this.#made.keys()) if (!names.has(name)) this.#made.delete(name);
      this.#prunedFor = document;
    }
    await this.#reportInstallation(missing);
    // the outcomes of the last plan, whose config stands: it would be made the same again
    const last = this.#planned;
    if (last !== null && last.document === document && last.starts === this.#starts && sameItems(last.made, made))
      return;
    const outcomes = new Map<string, Outcome>();
    for (const [index, entry] of document.entries.entries()) outcomes.set(entry.name, made[index] as Outcome);
    const startsBefore = this.#starts;
    const budget = { ram: this.#config.ram, caps: this.#config.caps };
    const admitted = new Map<string, StartNode>();
    const admit = (node: StartNode): boolean => {
      if (node.ram > budget.ram || node.caps > budget.caps) return false;
      budget.ram -= node.ram;
      budget.caps -= node.caps;
      admitted.set(node.name, node);
      return true;
    };
    // what runs unchanged first, then what keeps its old node while its new one cannot start
    for (const [name, outcome] of outcomes)
      if (outcome.kind === 'start' && outcome.node.text === this.#starts.get(name)?.text) admit(outcome.node);
    const keepPrevious = (name: string): void => {
      const previous = this.#starts.get(name);
      if (previous !== undefined && !admitted.has(name)) admit(previous);
    };
    for (const [name, outcome] of outcomes) if (outcome.kind !== 'start') keepPrevious(name);
    for (const failure of document.failures) if (failure.named) keepPrevious(failure.key);
    const refused: StartNode[] = [];
    for (const [name, outcome] of outcomes) {
      if (outcome.kind !== 'start' || admitted.has(name)) continue;
      if (admit(outcome.node)) continue;
      refused.push(outcome.node);
      keepPrevious(name);
    }
    // the reason names what is left once all is admitted, so it reads the same whatever ran before
    const reported = refused.length === 0 ? outcomes : new Map(outcomes);
    for (const node of refused)
      reported.set(node.name, {
        kind: 'failed',
        reason:
          `needs ${numberOfBytes(node.ram)} RAM and ${node.caps} caps, but the runtime has ` +
          `${numberOfBytes(budget.ram)} RAM and ${budget.caps} caps left of ${numberOfBytes(this.#config.ram)} and ` +
          `${this.#config.caps}; lower the pkg's quota, raise deploy's ram and caps, or remove another component`,
      });
    this.#outcomes = reported;
    const ordered = new Map<string, StartNode>();
    for (const name of [...outcomes.keys(), ...document.failures.map((failure) => failure.key)]) {
      const node = admitted.get(name);
      if (node !== undefined) ordered.set(name, node);
    }
    await this.#writeRuntimeConfig(ordered);
    // a plan that changed the config may come out otherwise next time, from the config it wrote
    this.#planned = this.#starts === startsBefore ? { document, starts: startsBefore, made } : null;
  }

  async #reportInstallation(missing: readonly string[]): Promise<void> {
    if (this.#lastMissing !== null && sameItems(missing, this.#lastMissing)) return;
    this.#lastMissing = missing;
    const text = installation(missing);
    if (text === this.#lastInstallation) return;
    this.#lastInstallation = text;
    await this.#installation.report(text);
  }

  /** Reports the runtime's config when its start nodes changed (each kept node as it was, byte for byte). */
  async #writeRuntimeConfig(starts: ReadonlyMap<string, StartNode>): Promise<void> {
    const texts = (map: ReadonlyMap<string, StartNode>): string => [...map.values()].map((n) => n.text).join('\n');
    const first = !this.#written;
    if (!first && (sameTexts(starts, this.#starts) || texts(starts) === texts(this.#starts))) return;
    this.#written = true;
    const started = [...starts.keys()].filter((name) => this.#starts.get(name)?.text !== starts.get(name)?.text);
    const stopped = [...this.#starts.keys()].filter((name) => !starts.has(name));
    this.#starts = new Map(starts);
    this.#configVersion += 1;
    const text = runtimeConfig(
      this.#config,
      [...starts.values()].map((node) => node.text),
      String(this.#configVersion),
    );
    await this.#runtimeConfig.report(text);
    // the first config of a deploy that restarted may hold what the runtime runs already: it names them all
    if (first)
      await this.#env.log(
        `runtime config ${this.#configVersion}, the first: ${[...starts.keys()].join(', ') || 'none'}`,
      );
    else if (started.length > 0 || stopped.length > 0)
      await this.#env.log(
        `runtime config ${this.#configVersion}:` +
          `${started.length > 0 ? ` start ${started.join(', ')}` : ''}` +
          `${stopped.length > 0 ? ` stop ${stopped.join(', ')}` : ''}`,
      );
  }

  /** Where the child of `node`, whose start node is in the runtime's config, is after the runtime's state report. */
  #running(node: StartNode): Running {
    let count = this.#restarts.get(node.name);
    if (count === undefined || count.binary !== node.binary) {
      count = { binary: node.binary, lastId: null, count: 0 };
      this.#restarts.set(node.name, count);
    }
    const child = this.#runtimeState.children.get(node.name);
    if (child === undefined || child.binary !== node.binary)
      return { step: 'starting', exited: null, restarts: count.count };
    if (count.lastId === null) count.lastId = child.id;
    else if (child.id !== count.lastId) {
      count.count += 1;
      count.lastId = child.id;
    }
    if (child.exited !== null) return { step: 'exited', exited: child.exited, restarts: count.count };
    return { step: child.incomplete ? 'starting' : 'running', exited: null, restarts: count.count };
  }

  /**
   * The reported state of component `key` with `outcome` and `node` (its start node in the runtime's config, if any),
   * rendered again only when one of them or where its child is changed; a refused entry whose old node runs says so.
   */
  #component(key: string, pkg: string | undefined, outcome: Outcome, node: StartNode | undefined): Shown {
    const last = this.#shown.get(key);
    // found from the same config and runtime report (each a new object when it changes): it is found the same again
    const found =
      last !== undefined && last.node === node && last.starts === this.#starts && last.runtime === this.#runtimeState;
    const running =
      node === undefined ? undefined : found && last.running !== undefined ? last.running : this.#running(node);
    if (
      last !== undefined &&
      last.pkg === pkg &&
      last.node === node &&
      sameRunning(last.running, running) &&
      sameOutcome(last.outcome, outcome)
    ) {
      last.starts = this.#starts;
      last.runtime = this.#runtimeState;
      return last;
    }
    const rendered = renderedComponent(key, componentState(pkg, outcome, node, running));
    const shown = {
      pkg,
      outcome,
      node,
      running,
      starts: this.#starts,
      runtime: this.#runtimeState,
      round: 0,
      ...rendered,
    };
    this.#shown.set(key, shown);
    return shown;
  }

  /** Reports `deploy_state` when it changed, and logs each refusal once. */
  async #reportState(): Promise<void> {
    const document = this.#document;
    if (document === null && this.#invalid === null) return;
    // nothing it is made of changed: the same report (finding the same restarts) is made already
    const from = [document, this.#invalid, this.#outcomes, this.#starts, this.#runtimeState];
    if (sameItems(from, this.#reportedFrom)) return;
    const round = ++this.#round;
    const shown: Shown[] = [];
    // the order `components` lists them in, unless a name an object lists first (or one given twice) changes it
    let inOrder = true;
    const add = (key: string, pkg: string | undefined, outcome: Outcome, node: StartNode | undefined): void => {
      if (mayBeIndex(key) || this.#shown.get(key)?.round === round) inOrder = false;
      const component = this.#component(key, pkg, outcome, node);
      component.round = round;
      shown.push(component);
    };
    for (const entry of document?.entries ?? []) {
      const outcome = this.#outcomes.get(entry.name);
      if (outcome !== undefined) add(entry.name, entry.pkg.path, outcome, this.#starts.get(entry.name));
    }
    for (const failure of document?.failures ?? [])
      add(
        failure.key,
        failure.pkg,
        { kind: 'failed', reason: failure.reason },
        failure.named ? this.#starts.get(failure.key) : undefined,
      );
    for (const name of this.#restarts.keys()) if (!this.#starts.has(name)) this.#restarts.delete(name);
    const components = inOrder ? shown : inObjectOrder(shown);
    // what is no longer reported is forgotten
    if (this.#shown.size > components.length)
      this.#shown = new Map(components.map((component) => [component.name, component]));
    const text = renderedDeployStateText(
      {
        desiredVersion: this.#invalid?.version ?? document?.version ?? null,
        status: this.#invalid === null ? renderedStatus(components) : 'failed',
        ...(this.#invalid === null ? {} : { reason: this.#invalid.reason }),
      },
      components,
    );
    this.#reportedFrom = from;
    if (text === this.#lastState) return;
    this.#lastState = text;
    await this.#state.report(text);
    for (const component of components)
      if (component.state.state === 'failed') await this.#logOnce(`${component.name}: ${component.state.reason ?? ''}`);
    if (this.#invalid !== null) await this.#logOnce(this.#invalid.reason);
  }

  async #logOnce(line: string): Promise<void> {
    if (this.#logged.has(line)) return;
    if (this.#logged.size > 1024) this.#logged.clear();
    this.#logged.add(line);
    await this.#env.log(`Warning: ${line}`);
  }
}

/**
 * The deploy component (Genode's `depot_deploy`): reads its `<config>`, opens a File_system session on the local
 * depot (label `depot`), the ROMs `desired`, `download_state` and `runtime_state`, and the reports `installation`,
 * `runtime_config` and `deploy_state`, then follows the ROMs. A malformed config ends it with exit value 1.
 */
export async function construct(env: Env): Promise<void> {
  const config = readDeployConfig((await AttachedRomDataspace.open(env, 'config')).xml());
  const fs = await FileSystem.Connection.open(env, { label: 'depot', bufferSize: 16 * 1024 });
  const runtimeConfigReporter = await Reporter.open(env, 'runtime_config', RUNTIME_CONFIG_BUFFER);
  const deploy = new Deploy(env, config, {
    fs,
    runtimeConfig: runtimeConfigReporter,
    installation: await Reporter.open(env, 'installation'),
    state: await Reporter.open(env, 'deploy_state', 16 * 1024),
    desired: await AttachedRomDataspace.open(env, 'desired'),
    download: await AttachedRomDataspace.open(env, 'download_state'),
    runtime: await AttachedRomDataspace.open(env, 'runtime_state'),
  });
  await deploy.start();
}

/** The deploy component as a module, for binary tables (`binaryTable({ deploy })`). */
export const deploy: ComponentModule = { construct };

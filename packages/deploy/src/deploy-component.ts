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
import { type ComponentState, type DeployState, deployStateText, deployStatus } from './deploy-state.js';
import { type DeployEntry, type DesiredDocument, type EntryFailure, readDesiredDocument } from './desired-document.js';
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

/** How often a component was started again under the same name and binary. */
interface RestartCount {
  readonly binary: string;
  lastId: number | null;
  count: number;
}

type DeployDocument = Extract<DesiredDocument, { kind: 'deploy' }>;

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
  readonly #missing = new Map<string, { readonly pkg: DepotPkg; readonly download: string }>();
  /** The start node (or refusal) made for each entry name, from the entry and the present pkg it was made of. */
  readonly #made = new Map<
    string,
    { readonly entry: DeployEntry; readonly pkg: DepotPkg; readonly outcome: Outcome }
  >();
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
   * The pkg of `entry` in the local depot; complete pkgs come from the cache, and so do missing ones while the
   * download's line for them stays as it was.
   */
  async #pkg(entry: DeployEntry): Promise<DepotPkg> {
    const path = entry.pkg.path;
    const known = this.#present.get(path);
    if (known !== undefined) return known;
    const download = JSON.stringify(this.#downloads.get(path) ?? null);
    const missing = this.#missing.get(path);
    if (missing !== undefined && missing.download === download) return missing.pkg;
    const found = await lookUpPkg(this.#fs, entry.pkg);
    if (found.kind === 'present') this.#present.set(path, found);
    if (found.kind === 'missing') this.#missing.set(path, { pkg: found, download });
    else this.#missing.delete(path);
    return found;
  }

  /** {@link Deploy.#outcome}, made once per entry and present pkg (a start node is checked by parsing it). */
  #madeOutcome(entry: DeployEntry, pkg: DepotPkg): Outcome {
    if (pkg.kind !== 'present') return this.#outcome(entry, pkg);
    const made = this.#made.get(entry.name);
    if (
      made !== undefined &&
      made.pkg === pkg &&
      made.entry.pkg.path === entry.pkg.path &&
      made.entry.config === entry.config
    )
      return made.outcome;
    const outcome = this.#outcome(entry, pkg);
    this.#made.set(entry.name, { entry, pkg, outcome });
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
    const outcomes = new Map<string, Outcome>();
    const missing: string[] = [];
    for (const entry of document.entries) {
      const pkg = await this.#pkg(entry);
      if (pkg.kind === 'missing') missing.push(entry.pkg.path);
      outcomes.set(entry.name, this.#madeOutcome(entry, pkg));
    }
    // what is no longer wanted is forgotten: what deploy holds is bounded by the list
    const wanted = new Set(document.entries.map((entry) => entry.pkg.path));
    for (const path of this.#present.keys()) if (!wanted.has(path)) this.#present.delete(path);
    for (const path of this.#missing.keys()) if (!wanted.has(path)) this.#missing.delete(path);
    for (const name of this.#made.keys()) if (!outcomes.has(name)) this.#made.delete(name);
    await this.#reportInstallation(missing);
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
    for (const node of refused)
      outcomes.set(node.name, {
        kind: 'failed',
        reason:
          `needs ${numberOfBytes(node.ram)} RAM and ${node.caps} caps, but the runtime has ` +
          `${numberOfBytes(budget.ram)} RAM and ${budget.caps} caps left of ${numberOfBytes(this.#config.ram)} and ` +
          `${this.#config.caps}; lower the pkg's quota, raise deploy's ram and caps, or remove another component`,
      });
    this.#outcomes = outcomes;
    const ordered = new Map<string, StartNode>();
    for (const name of [...outcomes.keys(), ...document.failures.map((failure) => failure.key)]) {
      const node = admitted.get(name);
      if (node !== undefined) ordered.set(name, node);
    }
    await this.#writeRuntimeConfig(ordered);
  }

  async #reportInstallation(missing: readonly string[]): Promise<void> {
    const text = installation(missing);
    if (text === this.#lastInstallation) return;
    this.#lastInstallation = text;
    await this.#installation.report(text);
  }

  /** Reports the runtime's config when its start nodes changed (each kept node as it was, byte for byte). */
  async #writeRuntimeConfig(starts: ReadonlyMap<string, StartNode>): Promise<void> {
    const texts = (map: ReadonlyMap<string, StartNode>): string => [...map.values()].map((n) => n.text).join('\n');
    const first = !this.#written;
    if (!first && texts(starts) === texts(this.#starts)) return;
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

  /** The state of a component whose start node is in the runtime's config, after the runtime's state report. */
  #running(node: StartNode): Pick<ComponentState, 'state' | 'reason' | 'restarts'> {
    let count = this.#restarts.get(node.name);
    if (count === undefined || count.binary !== node.binary) {
      count = { binary: node.binary, lastId: null, count: 0 };
      this.#restarts.set(node.name, count);
    }
    const child = this.#runtimeState.children.get(node.name);
    if (child === undefined || child.binary !== node.binary) return { state: 'starting', restarts: count.count };
    if (count.lastId === null) count.lastId = child.id;
    else if (child.id !== count.lastId) {
      count.count += 1;
      count.lastId = child.id;
    }
    if (child.exited !== null) return { state: 'exited', reason: `exit value ${child.exited}`, restarts: count.count };
    return { state: child.incomplete ? 'starting' : 'running', restarts: count.count };
  }

  /** The reported state of entry `name` with `outcome`; a refused entry whose old node runs says so. */
  #component(name: string, pkg: string | undefined, outcome: Outcome): ComponentState {
    const node = this.#starts.get(name);
    const base = pkg === undefined ? {} : { pkg };
    if (outcome.kind === 'start' && node?.text === outcome.node.text) return { ...base, ...this.#running(node) };
    const restarts = node === undefined ? 0 : this.#running(node).restarts;
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

  /** Reports `deploy_state` when it changed, and logs each refusal once. */
  async #reportState(): Promise<void> {
    const document = this.#document;
    if (document === null && this.#invalid === null) return;
    const components: Record<string, ComponentState> = {};
    for (const entry of document?.entries ?? []) {
      const outcome = this.#outcomes.get(entry.name);
      if (outcome !== undefined) components[entry.name] = this.#component(entry.name, entry.pkg.path, outcome);
    }
    for (const failure of document?.failures ?? []) components[failure.key] = this.#refused(failure);
    for (const name of this.#restarts.keys()) if (!this.#starts.has(name)) this.#restarts.delete(name);
    const state: DeployState = {
      desiredVersion: this.#invalid?.version ?? document?.version ?? null,
      status: this.#invalid === null ? deployStatus(Object.values(components)) : 'failed',
      ...(this.#invalid === null ? {} : { reason: this.#invalid.reason }),
      components,
    };
    const text = deployStateText(state);
    if (text === this.#lastState) return;
    this.#lastState = text;
    await this.#state.report(text);
    for (const [key, component] of Object.entries(components))
      if (component.state === 'failed') await this.#logOnce(`${key}: ${component.reason ?? ''}`);
    if (this.#invalid !== null) await this.#logOnce(this.#invalid.reason);
  }

  #refused(failure: EntryFailure): ComponentState {
    const node = failure.named ? this.#starts.get(failure.key) : undefined;
    const kept = node === undefined ? '' : `; the component keeps running as before (${node.binary})`;
    return {
      ...(failure.pkg === undefined ? {} : { pkg: failure.pkg }),
      state: 'failed',
      reason: `${failure.reason}${kept}`,
      restarts: node === undefined ? 0 : this.#running(node).restarts,
    };
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

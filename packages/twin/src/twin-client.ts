import {
  applyMergePatch,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  mergePatchBetween,
  parseJson,
  patchProblem,
  reportedPatchTopic,
  sectionProblem,
  twinGetTopic,
} from '@os/iothub';
import type { Net } from '@os/net';
import { type Env, type Reporter, SignalHandler } from '@os/runtime';
import { backoffDelayMs, type TimeoutScheduler } from '@os/timer';
import { type DesiredReport, deployReport, invalidReport } from './desired-report.js';
import type { ReportedSection } from './reported-section.js';
import type { Sleepers } from './sleepers.js';
import type { TwinConfig } from './twin-config.js';
import { type TwinAnswer, TwinLink, TwinLinkDown } from './twin-link.js';

/** What the twin client holds: its config and sessions. */
export interface TwinClientParts {
  readonly env: Env;
  readonly config: TwinConfig;
  readonly net: Net.Connection;
  /** Request timeouts and the token's renewal. */
  readonly alarms: TimeoutScheduler;
  /** Backoff waits. */
  readonly sleepers: Sleepers;
  /** The CA certificate (PEM) the hub's certificate must chain to, or undefined for the host's CAs. */
  readonly ca: string | undefined;
  /** The `desired` report. */
  readonly desired: Reporter;
  /** The members of `properties.reported.dynamic` it reports, each from its ROM (`deploy` first). */
  readonly reported: readonly ReportedSection[];
  /** Wall-clock milliseconds since the epoch (the Rtc session), for the SAS token's expiry. */
  readonly now: () => Promise<number>;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly random: () => number;
}

/** The desired section as held: its `$version`, and its members, or null when a patch could not be merged. */
interface HeldDesired {
  readonly version: number;
  readonly document: JsonObject | null;
}

/** Desired notifications held while a GET is under way; more than this and the client GETs once more. */
const MAX_QUEUED_PATCHES = 64;

const RENEWAL = 'the SAS token is due for renewal';

function withoutVersion(document: JsonObject): JsonObject {
  const { $version: _version, $metadata: _metadata, ...members } = document;
  return members;
}

function errorMessage(body: string): string {
  const parsed = parseJson(body);
  const message = isJsonObject(parsed) ? (parsed['message'] ?? parsed['Message']) : undefined;
  const text = typeof message === 'string' ? message : body;
  return text.length <= 512 ? text : `${text.slice(0, 511)}…`;
}

/**
 * The device's side of its twin: keeps a connection to the hub (reconnecting with backoff, renewing the SAS token),
 * GETs the whole twin on every connect, follows desired notifications (dropping those not newer than what it holds),
 * reports `desired` for deploy, and patches each new `deploy_state` into `properties.reported.dynamic.deploy` (and
 * each further reported ROM into its member of `dynamic`).
 */
export class TwinClient {
  readonly #parts: TwinClientParts;
  readonly #where: string;
  #link: TwinLink | null = null;
  /** Whether the twin was read on the current link: until then, desired notifications wait in #queued. */
  #ready = false;
  /** The link a GET is under way on. */
  #gettingOn: TwinLink | null = null;
  #queued: { version: number | undefined; payload: Uint8Array }[] = [];
  #overflow = false;
  #desired: HeldDesired | null = null;
  #desiredText: string | null = null;
  #reporting = false;
  #reportAgain = false;
  #serial: Promise<void> = Promise.resolve();

  constructor(parts: TwinClientParts) {
    this.#parts = parts;
    this.#where = `${parts.config.host}:${parts.config.port}`;
  }

  /** Follows the reported ROMs and keeps the hub connected from now on; returns at once. */
  async start(): Promise<void> {
    const { env, reported } = this.#parts;
    for (const section of reported) {
      await section.rom.sigh(new SignalHandler(env.ep, () => this.#reportedChanged(section)));
      await this.#reportedChanged(section);
    }
    void this.#run().catch((error: unknown) => this.#logError('twin stopped', error));
  }

  async #log(line: string): Promise<void> {
    await this.#parts.env.log(line);
  }

  /** Logs an error that ended a piece of work; never rejects (the LOG may be gone with the component). */
  async #logError(what: string, error: unknown): Promise<void> {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.#log(`Error: ${what}: ${text}`).catch(() => undefined);
  }

  /** Runs `task` after every task enqueued before it: the held state changes one step at a time. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#serial.then(task);
    this.#serial = next.catch((error: unknown) => this.#logError('twin state', error));
    return next;
  }

  async #run(): Promise<void> {
    const { config, alarms, random } = this.#parts;
    let failures = 0;
    for (;;) {
      let link: TwinLink;
      try {
        link = await TwinLink.open({
          net: this.#parts.net,
          config,
          alarms,
          ca: this.#parts.ca,
          nowS: (await this.#parts.now()) / 1000,
          onDesired: (version, payload) => {
            this.#enqueue(() => this.#desiredNotified(version, payload)).catch(() => undefined);
          },
        });
      } catch (error) {
        if (!(error instanceof TwinLinkDown)) throw error;
        failures++;
        const delay = backoffDelayMs(config.backoff, failures, random);
        await this.#log(
          `Warning: cannot connect to ${this.#where}: ${error.message}; retry ${failures} in ${delay} ms`,
        );
        await this.#parts.sleepers.sleep(delay);
        continue;
      }
      this.#link = link;
      this.#ready = false;
      this.#queued = [];
      await this.#log(`connected to ${this.#where} as device ${config.device.deviceId}`);
      // renewed after four fifths of the token's time, as Microsoft's SDKs do
      const renew = await alarms.schedule(link.tokenValidMs * 0.8, () => void link.end(RENEWAL));
      const synced = await this.#fetchTwin(link);
      const reason = await link.closed;
      renew();
      this.#link = null;
      this.#ready = false;
      if (reason === RENEWAL) {
        await this.#log(`renewing the SAS token: reconnecting to ${this.#where}`);
        failures = 0;
        continue;
      }
      failures = synced ? 1 : failures + 1;
      const delay = backoffDelayMs(config.backoff, failures, random);
      await this.#log(`Warning: disconnected from ${this.#where}: ${reason}; reconnect ${failures} in ${delay} ms`);
      await this.#parts.sleepers.sleep(delay);
    }
  }

  /**
   * GETs the whole twin on `link` until the hub answers 200 (429 and 5xx are retried with backoff) and takes it in;
   * false when the link went down first.
   */
  async #fetchTwin(link: TwinLink): Promise<boolean> {
    if (this.#gettingOn === link) return false;
    this.#gettingOn = link;
    try {
      for (let failures = 1; !link.down; failures++) {
        const answer = await link.request(twinGetTopic, '');
        if (answer.status === 200) {
          await this.#enqueue(() => this.#twinRead(link, answer));
          return true;
        }
        const delay = backoffDelayMs(this.#parts.config.backoff, failures, this.#parts.random);
        await this.#log(
          `Warning: GET of the twin answered ${answer.status}: ${errorMessage(answer.body)}; retry in ${delay} ms`,
        );
        await this.#parts.sleepers.sleep(delay);
      }
      return false;
    } catch (error) {
      if (error instanceof TwinLinkDown) return false;
      throw error;
    } finally {
      if (this.#gettingOn === link) this.#gettingOn = null;
    }
  }

  /** Takes in the twin a GET answered: desired as a whole, what reported holds; then the waiting notifications. */
  async #twinRead(link: TwinLink, answer: TwinAnswer): Promise<void> {
    if (link !== this.#link) return;
    const twin = parseJson(answer.body);
    const desired = isJsonObject(twin) ? twin['desired'] : undefined;
    const version = isJsonObject(desired) ? desired['$version'] : undefined;
    if (!isJsonObject(twin) || !isJsonObject(desired) || !Number.isSafeInteger(version) || (version as number) < 0) {
      await link.end('the hub answered GET with no twin ({"desired": {"$version": N, ...}, "reported": ...})');
      return;
    }
    const held: HeldDesired = { version: version as number, document: withoutVersion(desired) };
    this.#desired = held;
    const problem = sectionProblem(desired, 'properties.desired');
    await this.#reportDesired(
      problem === undefined
        ? deployReport(held.version, held.document as JsonObject)
        : invalidReport(held.version, problem),
    );
    const reported = twin['reported'];
    const dynamic = isJsonObject(reported) ? reported['dynamic'] : undefined;
    for (const section of this.#parts.reported)
      section.baseline = isJsonObject(dynamic) ? dynamic[section.property] : undefined;
    this.#ready = true;
    const queued = this.#queued;
    const overflow = this.#overflow;
    this.#queued = [];
    this.#overflow = false;
    if (overflow) {
      this.#getAgain(link, 'more desired notifications came than are held while reading the twin');
      return;
    }
    for (const patch of queued) await this.#desiredNotified(patch.version, patch.payload);
    this.#kickReported();
  }

  #getAgain(link: TwinLink, why: string): void {
    this.#ready = false;
    void this.#log(`GET of the whole twin again: ${why}`)
      .then(() => this.#fetchTwin(link))
      .catch((error: unknown) => this.#logError('GET of the twin', error));
  }

  /** A desired notification: merged when it is the next `$version`, dropped when not newer, else a new GET. */
  async #desiredNotified(version: number | undefined, payload: Uint8Array): Promise<void> {
    const link = this.#link;
    if (link === null) return;
    if (!this.#ready) {
      if (this.#queued.length < MAX_QUEUED_PATCHES) this.#queued.push({ version, payload });
      else this.#overflow = true;
      return;
    }
    const held = this.#desired as HeldDesired;
    if (version === undefined) {
      await this.#log('Warning: ignored a desired notification whose topic has no $version');
      return;
    }
    if (version <= held.version) {
      await this.#log(`ignored desired patch $version ${version}: not newer than $version ${held.version}`);
      return;
    }
    if (held.document === null || version > held.version + 1) {
      const gap = held.document === null ? 'the desired document held is broken' : `$version ${held.version + 1}`;
      this.#getAgain(link, `desired $version ${version} arrived, missing ${gap}`);
      return;
    }
    const patch = parseJson(new TextDecoder().decode(payload));
    if (!isJsonObject(patch)) {
      this.#desired = { version, document: null };
      await this.#reportDesired(invalidReport(version, `the desired patch at $version ${version} is no JSON object`));
      return;
    }
    const members = withoutVersion(patch);
    const problem = patchProblem(members, 'properties.desired');
    if (problem !== undefined) {
      this.#desired = { version, document: null };
      await this.#reportDesired(invalidReport(version, problem));
      return;
    }
    const document = applyMergePatch(held.document, members);
    this.#desired = { version, document };
    const broken = sectionProblem(document, 'properties.desired');
    await this.#reportDesired(broken === undefined ? deployReport(version, document) : invalidReport(version, broken));
  }

  async #reportDesired(report: DesiredReport): Promise<void> {
    const text = JSON.stringify(report);
    if (text === this.#desiredText) return;
    this.#desiredText = text;
    await this.#parts.desired.report(text);
    if ('invalid' in report)
      await this.#log(`Warning: desired $version ${report.$version} is invalid: ${report.invalid}`);
    else if (this.#parts.config.verbose) await this.#log(`desired $version ${report.$version}`);
  }

  async #reportedChanged(section: ReportedSection): Promise<void> {
    const changed = await section.update();
    if (typeof changed === 'string') await this.#log(`Error: ${changed}`);
    else if (changed) this.#kickReported();
  }

  #kickReported(): void {
    void this.#pushReported().catch((error: unknown) => this.#logError('reporting', error));
  }

  /**
   * Patches the latest state of each reported ROM into its member of `properties.reported.dynamic` where it differs
   * from what the hub holds (members it no longer has are deleted with `null`), all in one patch; a 400 is logged and
   * those states not sent again, a 429 or 5xx is retried with backoff. One patch at a time; a state that came meanwhile
   * follows.
   */
  async #pushReported(): Promise<void> {
    if (this.#reporting) {
      this.#reportAgain = true;
      return;
    }
    this.#reporting = true;
    try {
      for (let failures = 0; ; ) {
        this.#reportAgain = false;
        const link = this.#link;
        if (link === null || link.down || !this.#ready) return;
        const dynamic: Record<string, JsonValue> = {};
        const sent: { section: ReportedSection; before: JsonObject; patch: JsonObject; text: string }[] = [];
        for (const section of this.#parts.reported) {
          const state = section.state;
          if (state === undefined) continue;
          const text = JSON.stringify(state);
          if (text === section.refused) continue;
          const before = isJsonObject(section.baseline) ? section.baseline : {};
          const patch = mergePatchBetween(before, state);
          if (Object.keys(patch).length === 0 && section.baseline !== undefined) continue;
          dynamic[section.property] = patch;
          sent.push({ section, before, patch, text });
        }
        if (sent.length === 0) return;
        const answer = await link.request(reportedPatchTopic, JSON.stringify({ dynamic }));
        const roms = sent.map(({ section }) => section.romName).join(', ');
        if (answer.status === 429 || answer.status >= 500) {
          failures++;
          const delay = backoffDelayMs(this.#parts.config.backoff, failures, this.#parts.random);
          await this.#log(
            `Warning: reported patch answered ${answer.status}: ${errorMessage(answer.body)}; retry in ${delay} ms`,
          );
          await this.#parts.sleepers.sleep(delay);
          continue;
        }
        failures = 0;
        if (answer.status === 204) {
          for (const { section, before, patch } of sent) {
            section.baseline = applyMergePatch(before, patch);
            section.refused = undefined;
          }
          if (this.#parts.config.verbose)
            await this.#log(`reported ${roms} (reported $version ${answer.version ?? '?'})`);
        } else {
          for (const { section, text } of sent) section.refused = text;
          await this.#log(
            `Error: the hub refused the reported patch (${answer.status}): ${errorMessage(answer.body)}; ` +
              `not sent again until ${roms} changes`,
          );
        }
        if (!this.#reportAgain) return;
      }
    } catch (error) {
      if (!(error instanceof TwinLinkDown)) throw error;
    } finally {
      this.#reporting = false;
    }
  }
}

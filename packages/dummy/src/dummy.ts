import { hasErrorCode } from '@os/kernel';
import {
  AttachedRomDataspace,
  type ComponentModule,
  type Env,
  SignalHandler,
  XmlError,
  type XmlNode,
} from '@os/runtime';
import { Timer } from '@os/timer';
import { CapConsumer } from './cap-consumer.js';
import { boundedString } from './genode-text.js';
import { LogConnections } from './log-connections.js';
import { LogService } from './log-service.js';
import { RamConsumer } from './ram-consumer.js';
import { YieldHandler } from './yield-handler.js';

/** Capacity of the config's `version` and of a `<log string>`, as Genode's dummy (`String<50>`). */
export const CONFIG_STRING_CAPACITY = 50;

/** Milliseconds `<sleep/>` sleeps without an `ms` attribute, as Genode's dummy. */
export const DEFAULT_SLEEP_MS = 100;

/** The config nodes dummy understands, in the order Genode's dummy checks them. */
export const DUMMY_CONFIG_NODES = [
  'create_log_connections',
  'destroy_log_connections',
  'log_service',
  'consume_ram',
  'consume_caps',
  'handle_yield_requests',
  'sleep',
  'sleep_forever',
  'log',
  'exit',
] as const;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Genode's `Dummy::Main`: runs the config's nodes in order, each time a new config version arrives. */
class Main {
  readonly #env: Env;
  readonly #config: AttachedRomDataspace;
  readonly #ramConsumer: RamConsumer;
  readonly #capConsumer: CapConsumer;
  #configCount = 0;
  #configVersion = '';
  #timer: Timer.Connection | null = null;
  #logConnections: LogConnections | null = null;
  #logService: LogService | null = null;
  #yieldHandler: YieldHandler | null = null;

  constructor(env: Env, config: AttachedRomDataspace) {
    this.#env = env;
    this.#config = config;
    this.#ramConsumer = new RamConsumer(env);
    this.#capConsumer = new CapConsumer(env);
  }

  /** Fetches the config; unless its version equals the last one handled, runs its nodes in order. */
  async handleConfig(): Promise<void> {
    await this.#config.update();
    let config: XmlNode | null = null;
    try {
      config = this.#config.xml();
    } catch (error) {
      // Genode reads a malformed config as an empty node: it counts as a version without one
      if (!hasErrorCode<XmlError>(error, XmlError.code)) throw error;
      await this.#env.log(`Error: ${error.message}`);
    }
    const version = boundedString(config?.stringAttribute('version', '') ?? '', CONFIG_STRING_CAPACITY);
    if (this.#configCount > 0 && version === this.#configVersion) return;
    this.#configCount++;
    this.#configVersion = version;
    if (version !== '') await this.#env.log(`config ${this.#configCount}: ${version}`);
    for (const node of config?.subNodes() ?? []) {
      try {
        await this.#execute(node);
      } catch (error) {
        const message = hasErrorCode<XmlError>(error, XmlError.code)
          ? error.message
          : node.error(`<${node.type}> failed: ${describe(error)}`).message;
        await this.#env.log(`Error: ${message}`);
      }
    }
  }

  async #execute(node: XmlNode): Promise<void> {
    const env = this.#env;
    switch (node.type) {
      case 'create_log_connections': {
        const count = node.numberAttribute('count', 0);
        const ramUpgrade = node.numberAttribute('ram_upgrade', 0);
        await this.#destroyLogConnections();
        this.#logConnections = new LogConnections(env);
        await this.#logConnections.open(count, ramUpgrade);
        return;
      }
      case 'destroy_log_connections':
        return this.#destroyLogConnections();
      case 'log_service': {
        const options = {
          verbose: node.booleanAttribute('verbose', false),
          delayCloseMs: node.numberAttribute('delay_close_ms', 0),
        };
        const previous = this.#logService;
        this.#logService = null;
        await previous?.stop();
        this.#logService = await LogService.start(env, options);
        return;
      }
      case 'consume_ram':
        return this.#ramConsumer.consume(node.numberAttribute('amount', 0));
      case 'consume_caps':
        return this.#capConsumer.consume(node.numberAttribute('amount', 0));
      case 'handle_yield_requests':
        this.#yieldHandler?.dispose();
        this.#yieldHandler = await YieldHandler.register(env, this.#ramConsumer, this.#capConsumer);
        return;
      case 'sleep': {
        const ms = node.numberAttribute('ms', DEFAULT_SLEEP_MS);
        this.#timer ??= await Timer.Connection.open(env);
        return this.#timer.msleep(ms);
      }
      case 'sleep_forever':
        return this.#sleepForever(`<sleep_forever/> (${node.origin}:${node.line})`);
      case 'log':
        return env.log(boundedString(node.stringAttribute('string', ''), CONFIG_STRING_CAPACITY));
      case 'exit':
        await env.parent.exit(0);
        return this.#sleepForever(`its parent to end it after <exit/> (${node.origin}:${node.line})`);
      default:
        await env.log(
          `Warning: ${
            node.error(
              `unknown config node <${node.type}> ignored ` +
                `(dummy understands ${DUMMY_CONFIG_NODES.map((type) => `<${type}>`).join(', ')})`,
            ).message
          }`,
        );
    }
  }

  async #destroyLogConnections(): Promise<void> {
    const connections = this.#logConnections;
    this.#logConnections = null;
    await connections?.destroy();
  }

  /** Blocks the entrypoint for good, as Genode's `sleep_forever()`; noted so a stalled system names it. */
  async #sleepForever(reason: string): Promise<never> {
    return this.#env.waitFor(reason, new Promise<never>(() => undefined));
  }
}

/**
 * dummy's `construct`: opens the "config" ROM, registers for its updates and runs the config's
 * nodes; it returns once they are done (never, for a config ending in `<sleep_forever/>` or `<exit/>`).
 */
export async function construct(env: Env): Promise<void> {
  const config = await AttachedRomDataspace.open(env, 'config');
  const main = new Main(env, config);
  const handler = new SignalHandler(env.ep, async () => {
    try {
      await main.handleConfig();
    } catch (error) {
      await env.log(`Error: handling a new config failed: ${describe(error)}`);
    }
  });
  await config.sigh(handler);
  await main.handleConfig();
}

/**
 * Genode's configurable test component `dummy` (binary `dummy`), as a component module for binary
 * tables. Its "config" ROM says what it does; see the package README for every node.
 */
export const dummy: ComponentModule = { construct };

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deviceConnectionString, isJsonObject, type JsonObject, parseJson } from '@os/iothub';
import { HubNotRunningError, HubRequestError, HubStartError } from './hub-errors.js';
import { HubServiceClient } from './hub-service-client.js';
import { readHubState } from './hub-state-file.js';
import { startHub } from './start-hub.js';

/** The flags of `os hub`. */
export interface HubCommandFlags {
  /** `start`: MQTT port for devices (8883). */
  readonly port?: number | undefined;
  /** `start`: HTTPS port of the service API (8443). */
  readonly httpsPort?: number | undefined;
  /** The data directory (`.os-hub` in the working directory). */
  readonly data?: string | undefined;
}

/** Where `os hub` writes, reads standard input from, and what ends `start`. */
export interface HubCommandIo {
  /** Takes each line of output. */
  readonly stdout: (line: string) => void;
  /** Takes each line of an error. */
  readonly stderr: (line: string) => void;
  /** Standard input, for `twin patch ID -`; `process.stdin` by default. */
  readonly stdin?: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
  /** Resolves when `start` should stop; SIGINT or SIGTERM by default. */
  readonly stopped?: Promise<unknown>;
}

/** The subcommands, for help and errors. */
export const HUB_USAGE: readonly string[] = [
  'os hub start [--port P] [--https-port P] [--data DIR]   run a hub until SIGINT/SIGTERM',
  'os hub device add ID [--data DIR]                       register a device, print its connection string',
  'os hub twin get ID [--data DIR]                         print the twin as JSON',
  'os hub twin patch ID FILE|- [--data DIR]                merge a desired patch (null deletes) into the twin',
  'os hub invoke ID METHOD [JSON] [--data DIR]             invoke a direct method, print its status and payload',
];

function signalled(): Promise<unknown> {
  return new Promise((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function readAll(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The desired patch in `text`: a desired document (`{"dynamic": ...}`), or a twin patch whose only member is
 * `properties` holding only `desired` (`{"properties": {"desired": ...}}`).
 */
function desiredPatch(text: string, source: string): JsonObject {
  const parsed = parseJson(text);
  if (!isJsonObject(parsed)) throw new TypeError(`${source} is not a JSON object`);
  const properties = parsed['properties'];
  const keys = Object.keys(parsed);
  if (keys.length === 1 && isJsonObject(properties) && isJsonObject(properties['desired'])) {
    if (Object.keys(properties).length === 1) return properties['desired'];
  }
  return parsed;
}

async function client(dataDir: string): Promise<{ service: HubServiceClient; port: number }> {
  const state = readHubState(dataDir);
  return {
    service: new HubServiceClient(state.serviceConnectionString, readFileSync(state.caPath, 'utf8')),
    port: state.port,
  };
}

async function start(flags: HubCommandFlags, dataDir: string, io: HubCommandIo): Promise<number> {
  const hub = await startHub({ port: flags.port ?? 8883, httpsPort: flags.httpsPort ?? 8443, dataDir });
  for (const line of hub.banner) io.stdout(line);
  await (io.stopped ?? signalled());
  await hub.close();
  return 0;
}

/**
 * `os hub <args>`: `start` runs a hub; `device add`, `twin get` and `twin patch` are clients of the hub running
 * with the same data directory, over its HTTPS service API. Returns the exit code: 0 done, 1 refused or failed
 * (the reason on stderr).
 */
export async function hubCommand(args: readonly string[], flags: HubCommandFlags, io: HubCommandIo): Promise<number> {
  const dataDir = resolve(flags.data ?? '.os-hub');
  const [command, verb, id, file] = args;
  const words = `${command ?? ''} ${verb ?? ''}`.trim();
  try {
    if (command === 'start' && args.length === 1) return await start(flags, dataDir, io);
    if (words === 'device add' && id !== undefined && args.length === 3) {
      const { service, port } = await client(dataDir);
      const device = await service.addDevice(id).catch(async (error: unknown) => {
        if (!(error instanceof HubRequestError && error.status === 409)) throw error;
        io.stderr(`os hub: device ${id} exists already; its connection string:`);
        return service.getDevice(id);
      });
      const keys = (device['authentication'] as { symmetricKey?: { primaryKey?: string } } | undefined)?.symmetricKey;
      io.stdout(deviceConnectionString(`localhost:${port}`, id, keys?.primaryKey ?? ''));
      return 0;
    }
    if (words === 'twin get' && id !== undefined && args.length === 3) {
      const { service } = await client(dataDir);
      io.stdout(JSON.stringify(await service.getTwin(id), null, 2));
      return 0;
    }
    if (words === 'twin patch' && id !== undefined && file !== undefined && args.length === 4) {
      const text = file === '-' ? await readAll(io.stdin ?? process.stdin) : readFileSync(file, 'utf8');
      const patch = desiredPatch(text, file === '-' ? 'standard input' : file);
      const { service } = await client(dataDir);
      io.stdout(JSON.stringify(await service.patchDesired(id, patch), null, 2));
      return 0;
    }
    const [, deviceId, method, json] = args;
    if (command === 'invoke' && deviceId !== undefined && method !== undefined && args.length <= 4) {
      const payload = json === undefined ? null : parseJson(json);
      if (payload === undefined) throw new TypeError(`the payload ${json} is not JSON`);
      const { service } = await client(dataDir);
      const answer = await service.invokeMethod(deviceId, method, payload);
      io.stdout(`status: ${answer['status']}`);
      io.stdout(`payload: ${JSON.stringify(answer['payload'])}`);
      return 0;
    }
    io.stderr(`os hub: unknown or incomplete subcommand "${args.join(' ')}"; one of:`);
    for (const line of HUB_USAGE) io.stderr(`  ${line}`);
    return 1;
  } catch (error) {
    io.stderr(`os hub: ${explain(error, dataDir)}`);
    return 1;
  }
}

function explain(error: unknown, dataDir: string): string {
  if (error instanceof HubNotRunningError || error instanceof HubRequestError || error instanceof HubStartError) {
    return error.message;
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') {
    return `the hub of ${dataDir} does not answer (it has stopped?): start it with os hub start --data ${dataDir}`;
  }
  if (code === 'ENOENT') return `${(error as Error).message}: give an existing file, or - for standard input`;
  return error instanceof Error ? error.message : String(error);
}

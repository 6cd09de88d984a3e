import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deviceConnectionString, isJsonObject, type JsonObject, parseJson } from '@os/iothub';
import { HubNotRunningError, HubRequestError, HubStartError } from './hub-errors.js';
import { HubServiceClient } from './hub-service-client.js';
import { readHubState } from './hub-state-file.js';
import { monitorLine } from './monitor-line.js';
import { startHub } from './start-hub.js';

/** The flags of `os hub`. */
export interface HubCommandFlags {
  /** `start`: MQTT port for devices (8883). */
  readonly port?: number | undefined;
  /** `start`: HTTPS port of the service API (8443). */
  readonly httpsPort?: number | undefined;
  /** The data directory (`.os-hub` in the working directory). */
  readonly data?: string | undefined;
  /** `device add`: the new device's parent, an IoT Edge device. */
  readonly parent?: string | undefined;
  /** `device add`: make the device an IoT Edge device (`capabilities.iotEdge`), which may be a parent. */
  readonly edge?: boolean | undefined;
  /** `monitor`: only this device's telemetry. */
  readonly device?: string | undefined;
  /** `invoke`: seconds to wait for the device to connect (0 to 300; 0 by default, as IoT Hub's). */
  readonly connectTimeout?: number | undefined;
  /** `invoke`: seconds to wait for the device's answer (5 to 300; 30 by default, as IoT Hub's). */
  readonly responseTimeout?: number | undefined;
}

/** Where `os hub` writes, reads standard input from, and what ends `start`. */
export interface HubCommandIo {
  /** Takes each line of output. */
  readonly stdout: (line: string) => void;
  /** Takes each line of an error. */
  readonly stderr: (line: string) => void;
  /** Standard input, for `twin patch ID -`; `process.stdin` by default. */
  readonly stdin?: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
  /** Resolves when `start` or `monitor` should stop; SIGINT or SIGTERM by default. */
  readonly stopped?: Promise<unknown>;
}

/** The subcommands, for help and errors. */
export const HUB_USAGE: readonly string[] = [
  'os hub start [--port P] [--https-port P] [--data DIR]   run a hub until SIGINT/SIGTERM',
  'os hub device add ID [--edge] [--parent GW] [--data DIR] register a device, print its connection string',
  'os hub twin get ID [--data DIR]                         print the twin as JSON',
  'os hub twin patch ID FILE|- [--data DIR]                merge a desired patch (null deletes) into the twin',
  'os hub invoke ID METHOD [JSON] [--connect-timeout S] [--response-timeout S] [--data DIR]',
  '                                                        invoke a direct method, print its status and payload',
  'os hub monitor [--device ID] [--data DIR]               print each telemetry message as a JSON line',
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

/** `os hub monitor`: each telemetry message as one JSON line until stopped; 1 when the hub refuses or stops. */
async function monitor(flags: HubCommandFlags, dataDir: string, io: HubCommandIo): Promise<number> {
  const { service } = await client(dataDir);
  const abort = new AbortController();
  const stopped = io.stopped ?? signalled();
  void stopped.then(() => abort.abort());
  const what = flags.device === undefined ? 'every device' : `device ${flags.device}`;
  const opened = (): void => io.stderr(`os hub: monitoring the telemetry of ${what}; SIGINT (Ctrl-C) ends`);
  const options = { signal: abort.signal, opened, ...(flags.device === undefined ? {} : { deviceId: flags.device }) };
  for await (const event of service.monitor(options)) io.stdout(monitorLine(event));
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
      const relation = {
        ...(flags.edge === true ? { edge: true } : {}),
        ...(flags.parent === undefined ? {} : { parent: flags.parent }),
      };
      const device = await service.addDevice(id, relation).catch(async (error: unknown) => {
        if (!(error instanceof HubRequestError && error.status === 409)) throw error;
        if (flags.edge === true || flags.parent !== undefined) {
          io.stderr(`os hub: device ${id} exists already; set its parent and capabilities; its connection string:`);
          return service.setRelation(id, relation);
        }
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
      const timeouts = {
        ...(flags.connectTimeout === undefined ? {} : { connectTimeoutInSeconds: flags.connectTimeout }),
        ...(flags.responseTimeout === undefined ? {} : { responseTimeoutInSeconds: flags.responseTimeout }),
      };
      const answer = await service.invokeMethod(deviceId, method, payload, timeouts);
      io.stdout(`status: ${answer['status']}`);
      io.stdout(`payload: ${JSON.stringify(answer['payload'])}`);
      return 0;
    }
    if (command === 'monitor' && args.length === 1) return await monitor(flags, dataDir, io);
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

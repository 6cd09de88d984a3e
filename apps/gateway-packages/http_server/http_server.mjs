// http_server, the first component of the seed's Figure 7: it listens on the port its config names, through the
// routed Net session, and answers every request with a page naming itself. It reaches the network only through that
// session, so the net server's policy for its label decides what it may do (listen on its port, nothing else).

import { Net } from '@os/net';
import { AttachedRomDataspace, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';
import { BadRequest, MAX_HEAD_BYTES, headEnd, parseRequestHead } from './http-request.mjs';
import { componentPage, errorPage, response } from './http-response.mjs';

/** The version the page names; the package's version (a test keeps the two equal). */
export const VERSION = '1.0.0';

const DEFAULTS = { connections: 8, request_timeout_ms: 10_000 };

/** A config attribute that is missing or not what it must be; the component logs it and exits with 1. */
class HttpServerConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'HttpServerConfigError';
  }
}

/** A whole number in [min, max] from attribute `name` of `config`, or `fallback` when absent. */
function wholeNumber(config, name, min, max, fallback) {
  const text = config.attribute(name);
  if (text === undefined && fallback !== undefined) return fallback;
  const value = text === undefined ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    const got = text === undefined ? 'none' : JSON.stringify(text);
    throw new HttpServerConfigError(
      `<config ${name}>: expected a whole number from ${min} to ${max}, got ${got}; ` +
        `write e.g. <config ${name}="${fallback ?? 8080}"/>`,
    );
  }
  return value;
}

/** Reads `<config port connections? request_timeout_ms?>`. */
async function readConfig(env) {
  const rom = await AttachedRomDataspace.open(env, 'config');
  try {
    const config = rom.xml();
    return {
      port: wholeNumber(config, 'port', 1, 65535, undefined),
      connections: wholeNumber(config, 'connections', 1, 64, DEFAULTS.connections),
      timeoutMs: wholeNumber(config, 'request_timeout_ms', 100, 600_000, DEFAULTS.request_timeout_ms),
    };
  } finally {
    await rom.close();
  }
}

/** The connections being served, each with the time by which its request must have come. */
class Deadlines {
  #sockets = new Map();
  #now = 0;

  /** Adds `socket`, due `ms` from now. */
  add(socket, ms) {
    this.#sockets.set(socket, this.#now + ms);
  }

  /** Forgets `socket` (it was answered). */
  remove(socket) {
    this.#sockets.delete(socket);
  }

  /** Advances the clock by `ms` and returns the sockets whose request did not come in time. */
  tick(ms) {
    this.#now += ms;
    const late = [];
    for (const [socket, due] of this.#sockets) if (due <= this.#now) late.push(socket);
    for (const socket of late) this.#sockets.delete(socket);
    return late;
  }
}

const TICK_MS = 250;

/** Reads the request head from `socket`; resolves with the bytes up to the empty line, or null if the peer left. */
async function readHead(socket) {
  let buffered = new Uint8Array(0);
  for (;;) {
    const chunk = await socket.read();
    if (chunk === null) return null;
    const joined = new Uint8Array(buffered.length + chunk.length);
    joined.set(buffered);
    joined.set(chunk, buffered.length);
    buffered = joined;
    const end = headEnd(buffered);
    if (end >= 0) {
      if (end > MAX_HEAD_BYTES) break;
      return buffered.subarray(0, end);
    }
    if (buffered.length > MAX_HEAD_BYTES) break;
  }
  throw new BadRequest(431, `a request head of more than ${MAX_HEAD_BYTES} bytes`);
}

/** Answers one connection: the page for a good request, an error page for a bad one; then closes it. */
async function serve(env, socket, page, deadlines, timeoutMs) {
  deadlines.add(socket, timeoutMs);
  try {
    let answer;
    try {
      const head = await readHead(socket);
      if (head === null) return;
      const request = parseRequestHead(head);
      if (request.method === 'GET' || request.method === 'HEAD')
        answer = response(200, page(), { head: request.method === 'HEAD' });
      else
        answer = response(405, errorPage(405, `${request.method} is not served here; use GET`), { allow: 'GET, HEAD' });
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      await env.log(`refused ${socket.name}: ${error.status} ${error.message}`);
      answer = response(error.status, errorPage(error.status, error.message));
    }
    deadlines.remove(socket);
    await socket.write(answer);
    await socket.end();
    // let the peer read the answer before the socket goes: wait for its end (a bounded drain of what it still sends)
    deadlines.add(socket, timeoutMs);
    for (let drained = 0; drained < 64 * 1024; ) {
      const rest = await socket.read();
      if (rest === null) break;
      drained += rest.length;
    }
  } catch (error) {
    // a peer that hangs up, resets or times out costs nothing but its socket
    if (!socket.closed) await env.log(`connection ${socket.name} ended early: ${error.name}: ${error.message}`);
  } finally {
    deadlines.remove(socket);
    await socket.close().catch(() => undefined);
  }
}

/** Starts the server: listens on the configured port and serves every connection until the component is killed. */
export async function construct(env) {
  let config;
  try {
    config = await readConfig(env);
  } catch (error) {
    await env.log(`Error: ${error.name}: ${error.message}`);
    await env.parent.exit(1);
    return;
  }
  const net = await Net.Connection.open(env, { sockets: config.connections, listeners: 1, bufferSize: 4096 });
  let listener;
  try {
    listener = await net.listen({ port: config.port, backlog: config.connections });
  } catch (error) {
    await env.log(`Error: cannot listen on port ${config.port}: ${error.name}: ${error.message}`);
    await net.close();
    await env.parent.exit(1);
    return;
  }
  const bound = await listener.addresses();
  await env.log(`listening on ${bound.localAddress}:${bound.localPort}`);
  // the page counts the requests this instance served: a count that goes on shows it was never restarted
  let served = 0;
  const page = () => componentPage({ name: env.name, version: VERSION, port: config.port, request: ++served });
  const deadlines = new Deadlines();
  const timer = await Timer.Connection.open(env);
  await timer.sigh(
    new SignalHandler(env.ep, async () => {
      for (const socket of deadlines.tick(TICK_MS)) await socket.close().catch(() => undefined);
    }),
  );
  await timer.triggerPeriodic(TICK_MS * 1000);
  void acceptLoop(env, listener, page, deadlines, config.timeoutMs);
}

async function acceptLoop(env, listener, page, deadlines, timeoutMs) {
  for (;;) {
    let socket;
    try {
      socket = await listener.accept();
    } catch (error) {
      await env.log(`Error: accept on port ${listener.port} failed: ${error.name}: ${error.message}`);
      await env.parent.exit(1);
      return;
    }
    void serve(env, socket, page, deadlines, timeoutMs);
  }
}

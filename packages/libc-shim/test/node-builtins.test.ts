import { isIP as hostIsIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { XmlNode } from '@os/runtime';
import { LibcConfigError } from '../src/index.js';
import { readNetConfig } from '../src/node/net-config.js';
import { isIP, tlsClientOptions } from '../src/node/node-net.js';
import { evaluateNodePolyfills } from '../src/node/node-polyfills.js';
import { nodeUrl } from '../src/node/node-url.js';
import { programRequire } from '../src/node/program-require.js';
import { programMath } from '../src/program-math.js';
import './node-program-fixture.js';

const config = (text: string): XmlNode => XmlNode.parse(text, 'test config');

describe("the shim's Node built-ins, piece by piece", () => {
  it('gives each program its own events, buffer and stream classes, none of them the host’s or another’s', async () => {
    const { EventEmitter } = await import('node:events');
    const globals = { process: { nextTick: queueMicrotask, env: {} }, queueMicrotask, console };
    const one = evaluateNodePolyfills(globals);
    const two = evaluateNodePolyfills(globals);
    expect(one.events).not.toBe(two.events);
    expect(one.events).not.toBe(EventEmitter);
    expect(one.stream.Duplex).not.toBe(two.stream.Duplex);
    expect(one.buffer.Buffer).not.toBe(two.buffer.Buffer);
    // what one program changes on its classes, the other does not see
    (one.events as unknown as { prototype: Record<string, unknown> }).prototype['planted'] = 'by one';
    expect((two.events as unknown as { prototype: Record<string, unknown> }).prototype['planted']).toBeUndefined();
    expect(Object.hasOwn(EventEmitter.prototype, 'planted')).toBe(false);
    const emitter = new (
      one.events as unknown as new () => {
        on(e: string, f: (v: number) => void): void;
        emit(e: string, v: number): void;
      }
    )();
    let got = 0;
    emitter.on('x', (value) => (got = value));
    emitter.emit('x', 42);
    expect(got).toBe(42);
  });

  it('reads <net sockets listeners buffer_size/>, and refuses what is out of range or unknown', () => {
    expect(readNetConfig(config('<config/>'))).toEqual({ sockets: 4, listeners: 1, bufferSize: 16384 });
    expect(readNetConfig(config('<config><net sockets="8" listeners="0" buffer_size="4K"/></config>'))).toEqual({
      sockets: 8,
      listeners: 0,
      bufferSize: 4096,
    });
    expect(() => readNetConfig(config('<config><net sockets="0"/></config>'))).toThrow(LibcConfigError);
    expect(() => readNetConfig(config('<config><net buffer_size="2G"/></config>'))).toThrow(
      'test config:1: <net buffer_size="2G">: expected 256 to 1048576',
    );
    expect(() => readNetConfig(config('<config><net socket="/socket"/></config>'))).toThrow(
      '<net>: unknown attribute "socket" (known: sockets, listeners, buffer_size)',
    );
  });

  it('tells addresses as net.isIP does', () => {
    const inputs = ['127.0.0.1', '::1', '256.1.1.1', 'localhost', '1.2.3', '', '::ffff:1.2.3.4', '1::2::3', '01.2.3.4'];
    expect(inputs.map((input) => isIP(input))).toEqual(inputs.map((input) => hostIsIP(input)));
    expect(isIP(42)).toBe(0);
  });

  it('passes ca, servername and rejectUnauthorized to the Net session, and refuses client certificates', () => {
    expect(
      tlsClientOptions({ ca: ['A', new TextEncoder().encode('B')], servername: 'hub', rejectUnauthorized: false }),
    ).toEqual({
      ca: 'A\nB',
      servername: 'hub',
      rejectUnauthorized: false,
    });
    expect(tlsClientOptions({})).toEqual({ rejectUnauthorized: true });
    expect(() => tlsClientOptions({ pfx: 'x' })).toThrow('the pfx option is not offered');
    expect(() => tlsClientOptions({ ca: 42 })).toThrow('ca must be a string, a Buffer, or an array of them');
  });

  it('requires only the built-ins it offers, with or without node:', () => {
    const require = programRequire(new Map<string, unknown>([['events', 'EE']]));
    expect(require('events')).toBe('EE');
    expect(require('node:events')).toBe('EE');
    for (const name of ['http', './local.js', '/etc/passwd', 'mqtt', '__proto__', 'constructor'])
      expect(() => require(name)).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
  });

  it('parses URLs into plain objects of the program, not the host’s Url instances', () => {
    const parsed = nodeUrl().parse('mqtt://user:pw@broker:1883/?clientId=a&__proto__=x', true);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(parsed).toMatchObject({ protocol: 'mqtt:', hostname: 'broker', port: '1883', auth: 'user:pw' });
    const query = parsed['query'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(query, '__proto__')?.value).toBe('x');
  });

  it('gives each program a Math.random of its own, in [0, 1), seeded per program', () => {
    const one = programMath(Uint32Array.of(1, 2, 3, 4));
    const same = programMath(Uint32Array.of(1, 2, 3, 4));
    const other = programMath(Uint32Array.of(5, 6, 7, 8));
    const draws = Array.from({ length: 1000 }, () => one.random());
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(draws).size).toBe(1000);
    expect(Array.from({ length: 1000 }, () => same.random())).toEqual(draws);
    expect(other.random()).not.toBe(draws[0]);
    expect(one.max(1, 2)).toBe(2);
    expect(one.PI).toBe(Math.PI);
  });
});

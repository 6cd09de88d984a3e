import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { NetPolicy } from '../src/server/net-policy.js';

function policy(rules: string): NetPolicy {
  return NetPolicy.from(XmlNode.parse(`<policy label="x">${rules}</policy>`, 'config'));
}

describe('NetPolicy', () => {
  it('matches hosts exactly, case-insensitively, as written by the client (no resolution)', () => {
    const rules = policy('<connect host="LocalHost" port="8883"/>');
    expect(rules.allowsConnect('localhost', 8883)).toBe(true);
    expect(rules.allowsConnect('LOCALHOST', 8883)).toBe(true);
    expect(rules.allowsConnect('127.0.0.1', 8883)).toBe(false);
    expect(rules.allowsConnect('localhost', 8884)).toBe(false);
    expect(rules.allowsConnect('localhost.', 8883)).toBe(false);
  });

  it('matches *, *.domain (its hosts, not the domain) and port ranges', () => {
    const rules = policy('<connect host="*.example.org" port="443"/> <connect host="*" port="7000-7001"/>');
    expect(rules.allowsConnect('www.example.org', 443)).toBe(true);
    expect(rules.allowsConnect('a.b.example.org', 443)).toBe(true);
    expect(rules.allowsConnect('example.org', 443)).toBe(false);
    expect(rules.allowsConnect('evilexample.org', 443)).toBe(false);
    expect(rules.allowsConnect('www.example.org', 444)).toBe(false);
    expect(rules.allowsConnect('anything', 7000)).toBe(true);
    expect(rules.allowsConnect('anything', 7001)).toBe(true);
    expect(rules.allowsConnect('anything', 7002)).toBe(false);
    expect(rules.describeConnect()).toBe('connect to *.example.org:443, *:7000-7001 only');
  });

  it('binds listeners to 127.0.0.1 unless the rule names an address', () => {
    const rules = policy('<listen port="8080"/> <listen port="9000-9009" address="0.0.0.0"/>');
    expect(rules.listenAddress(8080)).toBe('127.0.0.1');
    expect(rules.listenAddress(9005)).toBe('0.0.0.0');
    expect(rules.listenAddress(8081)).toBeNull();
    expect(policy('').listenAddress(8080)).toBeNull();
    expect(policy('').describeListen()).toBe('no listen at all');
  });

  it('refuses malformed rules naming the line', () => {
    expect(() => policy('<connect port="80"/>')).toThrow('net config line 1: <connect> names no host');
    for (const port of ['0', '70000', '2000-1000', 'http', '', '80,81'])
      expect(() => policy(`<connect host="a" port="${port}"/>`)).toThrow(
        `net config line 1: <connect>: port="${port}" is not a port (1-65535)`,
      );
  });
});

import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, deployReport, invalidReport, parseTwinConfig, type TwinConfigError } from '../src/index.js';

const KEY = 'c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0wMTIzNDU2Nzg5YQ==';
const DEVICE = `HostName=localhost:8883;DeviceId=gw-1;SharedAccessKey=${KEY}`;

function read(attributes: string, content = '') {
  return parseTwinConfig(XmlNode.parse(`<config ${attributes}>${content}</config>`, 'ROM "config"'));
}

function refusal(attributes: string, content = ''): string {
  try {
    read(attributes, content);
  } catch (error) {
    expect((error as TwinConfigError).code).toBe('ERR_OS_TWIN_CONFIG');
    return (error as Error).message;
  }
  throw new Error(`accepted: ${attributes}`);
}

describe("the twin component's config", () => {
  it('reads the connection string, the CA ROM and the backoff, with defaults for the rest', () => {
    const config = read(`connection_string="${DEVICE}" ca_rom="hub_ca.pem" retry_initial_ms="200" retry_jitter="0.25"`);
    expect(config).toMatchObject({
      host: 'localhost',
      port: 8883,
      caRom: 'hub_ca.pem',
      backoff: { initialMs: 200, maxMs: 60_000, jitter: 0.25 },
      tokenLifetimeS: 3600,
      keepaliveS: 60,
      timeoutMs: 30_000,
      verbose: false,
    });
    expect(config.device.deviceId).toBe('gw-1');
  });

  it('connects to GatewayHostName when the connection string has one, on 8883 unless it names a port', () => {
    const config = read(
      `connection_string="HostName=hub.azure-devices.net;DeviceId=d;SharedAccessKey=${KEY};GatewayHostName=edge"`,
    );
    expect([config.host, config.port, config.device.hostName]).toEqual(['edge', 8883, 'hub.azure-devices.net']);
  });

  it('names what is wrong', () => {
    expect(refusal('')).toMatch(/^ROM "config":1: <config> has no connection_string; write the device's/);
    expect(refusal(`connection_string="HostName=h;SharedAccessKey=${KEY}"`)).toMatch(
      /^ROM "config":1: the connection string has no DeviceId=/,
    );
    expect(refusal(`connection_string="${DEVICE}" ca="x"`)).toMatch(/unknown attribute ca; known: connection_string/);
    expect(refusal(`connection_string="${DEVICE}" retry_jitter="2"`)).toMatch(/retry_jitter="2" must be a fraction/);
    expect(refusal(`connection_string="${DEVICE}" retry_initial_ms="0"`)).toMatch(
      /retry_initial_ms="0" must be from 1/,
    );
    expect(refusal(`connection_string="${DEVICE}" retry_initial_ms="500" retry_max_ms="100"`)).toMatch(
      /retry_max_ms="100" must be from 500/,
    );
    expect(refusal(`connection_string="${DEVICE}" token_lifetime_s="1"`)).toMatch(
      /token_lifetime_s="1" must be from 5/,
    );
    expect(refusal(`connection_string="${DEVICE}" ca_rom=""`)).toMatch(/ca_rom="" is no ROM name/);
  });

  it('reports deploy_state as deploy, and each <reported> ROM as its member of dynamic', () => {
    expect(read(`connection_string="${DEVICE}"`).reported).toEqual([{ property: 'deploy', rom: 'deploy_state' }]);
    const config = read(`connection_string="${DEVICE}"`, '<reported rom="telemetry_state" property="telemetry"/>');
    expect(config.reported).toEqual([
      { property: 'deploy', rom: 'deploy_state' },
      { property: 'telemetry', rom: 'telemetry_state' },
    ]);
    const refused = (content: string): string => refusal(`connection_string="${DEVICE}"`, content);
    expect(refused('<report rom="a" property="b"/>')).toMatch(/^ROM "config":1: <config> has an unknown node <report>/);
    expect(refused('<reported rom="" property="b"/>')).toMatch(/<reported rom=""> names no ROM/);
    expect(refused('<reported rom="desired" property="b"/>')).toMatch(/<reported rom="desired"> names no ROM/);
    expect(refused('<reported rom="t" property="a.b"/>')).toMatch(/<reported property="a.b"> is no member name/);
    expect(refused('<reported rom="t" property="deploy"/>')).toMatch(/repeats property "deploy", already reported/);
    expect(refused('<reported rom="deploy_state" property="x"/>')).toMatch(/repeats rom "deploy_state"/);
    expect(refused('<reported rom="t" property="x" every="1"/>')).toMatch(/unknown attribute every; known: rom/);
    const many = Array.from({ length: 9 }, (_, index) => `<reported rom="r${index}" property="p${index}"/>`).join('');
    expect(refused(many)).toMatch(/more than 8 <reported> nodes/);
  });
});

describe('the backoff', () => {
  it('doubles from the initial wait up to the cap, less up to the jitter share', () => {
    const policy = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 40].map((retry) => backoffDelayMs(policy, retry, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelayMs(policy, 3, () => 0.999)).toBe(200);
    expect(backoffDelayMs({ ...policy, jitter: 0 }, 3, () => 0.999)).toBe(400);
  });
});

describe('the desired report', () => {
  it('carries desired.dynamic.deploy with the $version, or why the document is invalid', () => {
    expect(deployReport(4, { dynamic: { deploy: [] }, rate: 1 })).toEqual({ $version: 4, deploy: [] });
    expect(deployReport(5, { rate: 1 })).toEqual({ $version: 5 });
    expect(deployReport(5, JSON.parse('{"dynamic": {"__proto__": {"deploy": 1}}}'))).toEqual({ $version: 5 });
    expect(invalidReport(6, 'r'.repeat(5000))).toEqual({ $version: 6, invalid: `${'r'.repeat(1023)}…` });
  });
});

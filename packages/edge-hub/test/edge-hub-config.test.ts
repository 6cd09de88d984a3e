import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { EDGE_HUB_DEFAULTS, EdgeHubConfigError, parseEdgeHubConfig } from '../src/index.js';

const GATEWAY = 'HostName=hub.example.net;DeviceId=gw-1;SharedAccessKey=a2V5a2V5a2V5a2V5a2V5a2V5';
const BASE = `cert_rom="gateway.pem" key_rom="gateway.key.pem" connection_string="${GATEWAY}"`;

function parse(attributes: string, content = ''): ReturnType<typeof parseEdgeHubConfig> {
  return parseEdgeHubConfig(XmlNode.parse(`<config ${attributes}>${content}</config>`, 'config'));
}

function problem(attributes: string, content = ''): string {
  try {
    parse(attributes, content);
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeHubConfigError);
    return (error as Error).message;
  }
  throw new Error('the config was taken');
}

describe("the edge hub's config", () => {
  it('takes the required attributes and gives the defaults', () => {
    const config = parse(BASE);
    expect(config).toMatchObject({
      port: 8883,
      certRom: 'gateway.pem',
      keyRom: 'gateway.key.pem',
      connectionStringRom: undefined,
      hubHostName: undefined,
      hubCaRom: undefined,
      apiPort: 443,
      maxLeaves: EDGE_HUB_DEFAULTS.maxLeaves,
      leafRate: EDGE_HUB_DEFAULTS.leafRate,
      leafBurst: EDGE_HUB_DEFAULTS.leafBurst,
      verbose: false,
      upstream: undefined,
    });
    expect(config.connectionString?.deviceId).toBe('gw-1');
  });

  it('reads every attribute and hands the <upstream> node on unread', () => {
    const config = parse(
      'port="9883" cert_rom="c" key_rom="k" connection_string_rom="cs" hub_host_name="hub.example.net" ' +
        'hub_ca_rom="ca" api_port="8443" max_leaves="4" leaf_rate="5" leaf_burst="6" max_in_flight="7" ' +
        'max_pending_bytes="64K" connect_timeout_ms="500" scope_refresh_s="60" scope_retry_ms="0" timeout_ms="900" ' +
        'verbose="yes"',
      '<upstream max_queue="1M"/>',
    );
    expect(config).toMatchObject({
      port: 9883,
      connectionString: undefined,
      connectionStringRom: 'cs',
      hubHostName: 'hub.example.net',
      hubCaRom: 'ca',
      apiPort: 8443,
      maxLeaves: 4,
      leafRate: 5,
      leafBurst: 6,
      maxInFlight: 7,
      maxPendingBytes: 65536,
      connectTimeoutMs: 500,
      scopeRefreshS: 60,
      scopeRetryMs: 0,
      timeoutMs: 900,
      verbose: true,
    });
    expect(config.upstream?.attribute('max_queue')).toBe('1M');
  });

  it('names what is wrong', () => {
    expect(problem('key_rom="k" connection_string_rom="cs"')).toMatch(/has no cert_rom; name the ROM/);
    expect(problem('cert_rom="c" key_rom="k"')).toMatch(/has no connection_string/);
    expect(problem(`${BASE} connection_string_rom="cs"`)).toMatch(/not both/);
    expect(problem(`${BASE} prot="1"`)).toMatch(/unknown attribute prot; known: port,/);
    expect(problem(`${BASE} port="70000"`)).toMatch(/port="70000" must be from 1 to 65535/);
    expect(problem(`${BASE} leaf_rate="fast"`)).toMatch(/leaf_rate="fast" is not a number/);
    expect(problem(`${BASE} max_leaves="0"`)).toMatch(/max_leaves="0" must be from 1/);
    expect(problem(`${BASE} verbose="maybe"`)).toMatch(/verbose="maybe" is not a boolean/);
    expect(problem(`${BASE} hub_host_name="a b"`)).toMatch(/hub_host_name="a b" is not a host name/);
    expect(problem(`${BASE} hub_ca_rom=""`)).toMatch(/hub_ca_rom="" is no ROM name/);
    expect(problem('cert_rom="c" key_rom="k" connection_string="HostName=h;DeviceId=gw"')).toMatch(
      /no SharedAccessKey/,
    );
    expect(problem(BASE, '<downstream/>')).toMatch(/unknown sub-node <downstream>/);
    expect(problem(BASE, '<upstream/><upstream/>')).toMatch(/more than one <upstream>/);
  });
});

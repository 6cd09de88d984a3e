import { Net } from '@os/net';
import { parseGenodeNumber } from '@os/runtime';
import type { GatewaySettings } from './settings.js';

/** Text for an XML attribute value. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The ROM the twin reads the hub's CA certificate from. */
export const HUB_CA_ROM = 'hub_ca.pem';

/** The ROM the edge hub reads its certificate chain from (issued by the gateway at each start). */
export const EDGE_HUB_CERT_ROM = 'edge_hub_cert.pem';

/** The ROM the edge hub reads its certificate's private key from (made with the certificate). */
export const EDGE_HUB_KEY_ROM = 'edge_hub_key.pem';

/** Folders of the gateway's storage: packages (the local depot and the quarantine), the edge hub's, the host's. */
export const STORAGE = { packages: 'packages', depot: 'packages/depot', edgeHub: 'edge_hub', certs: 'certs' } as const;

/** What the edge hub needs beyond its two Net sessions: its queue's buffers, the File_system session, reports. */
const EDGE_HUB_OWN_RAM = 8 * 1024 * 1024;

/** What the runtime init needs for itself beyond deploy's budget for the deployed components. */
const RUNTIME_OWN = { ram: 4 * 1024 * 1024, caps: 300 };

/** net's policies: twin to the hub, download to the depot, each deployed component what the settings allow. */
function netPolicies(settings: GatewaySettings): string {
  const depotPort = settings.depot.port === '' ? '80' : settings.depot.port;
  const lines = [
    `<policy label="twin"> <connect host="${attribute(settings.hub.host)}" port="${settings.hub.port}"/> </policy>`,
    `<policy label="download"> <connect host="${attribute(settings.depot.hostname)}" port="${depotPort}"/> </policy>`,
  ];
  for (const [name, rules] of settings.network) {
    const connect = rules.connect.map((rule) => `<connect host="${attribute(rule.host)}" port="${rule.port}"/>`);
    const listen = rules.listen.map((port) => `<listen port="${port}"/>`);
    lines.push(`<policy label="runtime -> ${attribute(name)}"> ${[...connect, ...listen].join(' ')} </policy>`);
  }
  const edge = settings.edgeHub;
  if (edge !== undefined) {
    const hub = attribute(settings.hub.host);
    lines.push(
      `<policy label="edge_hub"> <listen port="${edge.port}" address="${attribute(edge.address)}"/> ` +
        `<connect host="${hub}" port="${edge.apiPort}"/> </policy>`,
      `<policy label="edge_hub -> upstream"> <connect host="${hub}" port="${settings.hub.port}"/> </policy>`,
    );
  }
  return lines.map((line) => `        ${line}`).join('\n');
}

/** deploy's and download's `<trust>` nodes. */
function trust(settings: GatewaySettings, withKeys: boolean): string {
  return [...settings.trust]
    .map(([user, key]) => (withKeys ? `<trust user="${user}" pubkey="${key}"/>` : `<trust user="${user}"/>`))
    .join(' ');
}

/**
 * The gateway's init config (Genode's XML): timer, net, lx_fs, report_rom, twin, deploy, download and the runtime init
 * that deploy configures, each routed to only what its job needs (docs/gateway.md).
 */
export function gatewayConfig(settings: GatewaySettings): string {
  const runtimeRam = (parseGenodeNumber(settings.runtime.ram) ?? 0) + RUNTIME_OWN.ram;
  const runtimeCaps = settings.runtime.caps + RUNTIME_OWN.caps;
  const reports = `<service name="Report"> <child name="report_rom"/> </service>`;
  const ca = settings.hubCa === undefined ? '' : ` ca_rom="${HUB_CA_ROM}"`;
  return `<config>
  <parent-provides>
    <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="Rtc"/>
  </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="200" ram="4M"/>

  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>

  <start name="net" ram="16M" caps="300">
    <provides> <service name="Net"/> </provides>
    <config>
${netPolicies(settings)}
    </config>
    <route> <service name="Timer"> <child name="timer"/> </service> <any-service> <parent/> </any-service> </route>
  </start>

  <start name="lx_fs" ram="4M">
    <provides> <service name="File_system"/> </provides>
    <config directory="${attribute(settings.storage)}">
      <policy label="download" root="/${STORAGE.packages}" writeable="yes"/>
      <policy label="deploy -> depot" root="/${STORAGE.depot}" writeable="no"/>${
        settings.edgeHub === undefined
          ? ''
          : `
      <policy label="edge_hub -> storage" root="/${STORAGE.edgeHub}" writeable="yes"/>`
      }
    </config>
  </start>

  <start name="report_rom" ram="4M">
    <provides> <service name="Report"/> <service name="ROM"/> </provides>
    <config>
      <policy label="deploy -> desired"        report="twin -> desired"/>
      <policy label="deploy -> download_state" report="download -> download_state"/>
      <policy label="deploy -> runtime_state"  report="runtime -> state"/>
      <policy label="download -> installation" report="deploy -> installation"/>
      <policy label="runtime -> config"        report="deploy -> runtime_config"/>
      <policy label="twin -> deploy_state"     report="deploy -> deploy_state"/>${
        settings.edgeHub === undefined
          ? ''
          : '\n      <policy label="twin -> telemetry_state"  report="edge_hub -> telemetry_state"/>'
      }
    </config>
  </start>

  <start name="twin" ram="8M" caps="300">
    <config connection_string="${attribute(settings.connectionString)}"${ca}>${
      settings.edgeHub === undefined ? '' : ' <reported rom="telemetry_state" property="telemetry"/> '
    }</config>
    <route>
      <service name="ROM" label="deploy_state"> <child name="report_rom"/> </service> ${reports}
      <service name="ROM" label="telemetry_state"> <child name="report_rom"/> </service>
      <service name="Net"> <child name="net"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>

  <start name="deploy" ram="8M" caps="300">
    <config ram="${settings.runtime.ram}" caps="${settings.runtime.caps}">
      ${trust(settings, false)}
      <parent-provides>
        <service name="LOG"/> <service name="PD"/> <service name="CPU"/> <service name="ROM"/> <service name="Rtc"/>
        <service name="Timer"/> <service name="Net"/>
      </parent-provides>
    </config>
    <route>
      <service name="File_system"> <child name="lx_fs"/> </service>
      <service name="ROM" label="desired"> <child name="report_rom"/> </service>
      <service name="ROM" label="download_state"> <child name="report_rom"/> </service>
      <service name="ROM" label="runtime_state"> <child name="report_rom"/> </service> ${reports}
      <any-service> <parent/> </any-service>
    </route>
  </start>

  <start name="download" ram="24M" caps="300">
    <binary name="depot_download"/>
    <config url="${attribute(settings.depot.href)}"> ${trust(settings, true)} </config>
    <route>
      <service name="ROM" label="installation"> <child name="report_rom"/> </service> ${reports}
      <service name="Net"> <child name="net"/> </service>
      <service name="File_system"> <child name="lx_fs"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>

${edgeHubStart(settings, ca)}
  <start name="runtime" ram="${runtimeRam}" caps="${runtimeCaps}">
    <binary name="init"/>
    <route>
      <service name="ROM" label="config"> <child name="report_rom"/> </service> ${reports}
      <service name="Net"> <child name="net"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>
</config>
`;
}

/** The edge hub's start node (none without `edgeHub` settings): its RAM pays for a socket per leaf, down and up. */
function edgeHubStart(settings: GatewaySettings, ca: string): string {
  const edge = settings.edgeHub;
  if (edge === undefined) return '';
  const down = Net.Connection.donation({ sockets: edge.maxLeaves + 9, listeners: 1 });
  const up = Net.Connection.donation({ sockets: edge.maxLeaves + 8 });
  const ram = Math.ceil((down.ram + up.ram + EDGE_HUB_OWN_RAM) / (1024 * 1024));
  const caps = 300 + down.caps + up.caps;
  return `
  <start name="edge_hub" ram="${ram}M" caps="${caps}">
    <config port="${edge.port}" cert_rom="${EDGE_HUB_CERT_ROM}" key_rom="${EDGE_HUB_KEY_ROM}"
            connection_string="${attribute(settings.connectionString)}"${ca.replace('ca_rom', 'hub_ca_rom')}
            api_port="${edge.apiPort}" max_leaves="${edge.maxLeaves}" leaf_rate="${edge.leafRate}"
            scope_retry_ms="1000">
      <upstream max_bytes="${edge.maxBytes}" max_age_s="${edge.maxAgeS}"/>
    </config>
    <route>
      <service name="Net"> <child name="net"/> </service>
      <service name="File_system"> <child name="lx_fs"/> </service>
      <service name="Timer"> <child name="timer"/> </service>
      <service name="Report"> <child name="report_rom"/> </service>
      <any-service> <parent/> </any-service>
    </route>
  </start>
`;
}

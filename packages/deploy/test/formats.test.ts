import { parseArchivePath, parseRuntimeFile } from '@os/depot';
import { readInitConfig } from '@os/init';
import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import {
  type ComponentState,
  DEPLOY_STATE_LIMIT,
  type DeployConfig,
  deployStateText,
  deployStatus,
  installation,
  readDeployConfig,
  readDownloadState,
  readRuntimeState,
  runtimeConfig,
  startNode,
} from '../src/index.js';
import {
  type RenderedComponent,
  inObjectOrder,
  mayBeIndex,
  renderedComponent,
  renderedDeployStateText,
  renderedStatus,
} from '../src/deploy-state.js';

const config: DeployConfig = readDeployConfig(
  XmlNode.parse('<config ram="24M" caps="600"> <trust user="gapstage"/> </config>', 'deploy config'),
);
const pkg = parseArchivePath('gapstage/pkg/mqtt_bridge/2023-02-01');
const binary = parseArchivePath('gapstage/bin/js/mqtt_bridge/2023-02-01');
const present = (runtime: string) =>
  ({ kind: 'present', runtime: parseRuntimeFile(runtime, `${pkg.path}/runtime`), binary }) as const;
const BRIDGE = `<runtime ram="8M" caps="120" binary="mqtt_bridge">
	<requires> <timer/> <nic/> <rom label="broker"/> <log/> </requires>
	<provides> <report/> </provides>
	<config> <bridge from="sensors" to="cloud"/> </config>
</runtime>`;

describe('the start node', () => {
  it("takes quota, binary, config, provides and a parent route per required session from the pkg's runtime", () => {
    expect(startNode({ name: 'bridge', pkg }, present(BRIDGE), config).text).toBe(
      [
        '\t<start name="bridge" ram="8M" caps="120">',
        '\t\t<binary name="gapstage/bin/js/mqtt_bridge/2023-02-01"/>',
        '\t\t<config> <bridge from="sensors" to="cloud"/> </config>',
        '\t\t<provides> <service name="Report"/> </provides>',
        '\t\t<route>',
        '\t\t\t<service name="Timer"> <parent/> </service>',
        '\t\t\t<service name="Net"> <parent/> </service>',
        '\t\t\t<service name="ROM" label="broker"> <parent/> </service>',
        '\t\t\t<service name="LOG"> <parent/> </service>',
        '\t\t\t<service name="PD"> <parent/> </service>',
        '\t\t\t<service name="CPU"> <parent/> </service>',
        '\t\t</route>',
        '\t</start>',
      ].join('\n'),
    );
  });

  it("puts the entry's own config in place of the pkg's, and an empty one when neither has one", () => {
    const own = startNode({ name: 'bridge', pkg, config: '<config verbose="yes"/>' }, present(BRIDGE), config);
    expect(own.text).toContain('\t\t<config verbose="yes"/>\n');
    expect(own.text).not.toContain('bridge from');
    const bare = startNode({ name: 'bridge', pkg }, present('<runtime ram="1M" caps="50"/>'), config);
    expect(bare.text).toContain('\t\t<config/>\n');
  });

  it('gives the same bytes for the same entry and pkg: what keeps the child running', () => {
    const entry = { name: 'bridge', pkg };
    expect(startNode(entry, present(BRIDGE), config).text).toBe(startNode(entry, present(BRIDGE), config).text);
  });

  it('refuses a pkg that requires a session the runtime does not offer, naming the line', () => {
    const fs = `<runtime ram="1M" caps="50">\n<requires> <fs/> </requires>\n</runtime>`;
    expect(() => startNode({ name: 'store', pkg }, present(fs), config)).toThrow(
      'gapstage/pkg/mqtt_bridge/2023-02-01/runtime:2: requires a File_system session, which the runtime does not ' +
        'offer (its parent provides LOG, PD, CPU, ROM, Timer, Net, Rtc, Report); the component cannot run here',
    );
  });

  it('refuses a node that would not read back as itself (a second guard behind the checks)', () => {
    for (const hostile of ['<config/></start><start name="evil" ram="1M" caps="1">', '<config/><config/>', '<config>'])
      expect(() => startNode({ name: 'bridge', pkg, config: hostile }, present(BRIDGE), config)).toThrow(
        /^its start node would (not be well-formed|not read back as one <start name="bridge"> with one <config>)/,
      );
  });

  it('adds the heartbeat when the config asks for one', () => {
    const beating = readDeployConfig(
      XmlNode.parse('<config ram="1M" caps="60"><heartbeat rate_ms="500" restart_after_skipped="4"/></config>'),
    );
    expect(startNode({ name: 'bridge', pkg }, present(BRIDGE), beating).text).toContain(
      '\t\t<heartbeat restart_after_skipped="4"/>\n\t</start>',
    );
    expect(runtimeConfig(beating, [], '1')).toContain('\t<heartbeat rate_ms="500"/>\n');
  });
});

describe('the runtime config', () => {
  it('is an init config init reads, with its state report and the start nodes as given', () => {
    const node = startNode({ name: 'bridge', pkg }, present(BRIDGE), config);
    const text = runtimeConfig(config, [node.text], '3');
    expect(text.startsWith('<config version="3">\n\t<parent-provides>\n\t\t<service name="LOG"/>')).toBe(true);
    expect(text).toContain('\t<report ids="yes" child_ram="yes" child_caps="yes" delay_ms="20"/>\n');
    expect(text).toContain(`${node.text}\n</config>\n`);
    const read = readInitConfig(text);
    expect(read.children.map((child) => [child.name, child.binary, child.ram, child.caps])).toEqual([
      ['bridge', 'gapstage/bin/js/mqtt_bridge/2023-02-01', 8 * 1024 * 1024, 120],
    ]);
  });
});

describe('the installation', () => {
  it("is Genode's, one archive node per pkg, each once", () => {
    expect(installation(['gapstage/pkg/a/1', 'gapstage/pkg/b/2', 'gapstage/pkg/a/1'])).toBe(
      '<installation arch="js">\n\t<archive path="gapstage/pkg/a/1"/>\n\t<archive path="gapstage/pkg/b/2"/>\n' +
        '</installation>\n',
    );
  });
});

describe('the ROMs deploy reads', () => {
  it('reads download_state as the download writes it, skipping what it does not know', () => {
    const state = readDownloadState(`<download>
	<archive path="gapstage/pkg/a/1" state="download" retry="2" error="DepotUnreachable" reason="connection refused"/>
	<archive path="gapstage/pkg/b/1" state="failed" error="BadSignature" reason="x &amp; y"/>
	<archive path="gapstage/pkg/c/1" state="unpack"/>
	<archive state="done"/>
</download>\0\0`);
    expect([...state]).toEqual([
      ['gapstage/pkg/a/1', { state: 'download', retry: 2, error: 'DepotUnreachable', reason: 'connection refused' }],
      ['gapstage/pkg/b/1', { state: 'failed', error: 'BadSignature', reason: 'x & y' }],
    ]);
    expect(readDownloadState('').size).toBe(0);
    expect(readDownloadState('<download><archive').size).toBe(0);
    expect(readDownloadState('<state/>').size).toBe(0);
  });

  it("reads the runtime init's state report: binary, id, incomplete, exit value", () => {
    const state = readRuntimeState(`<state version="4">
  <ram quota="32M" used="0" avail="32M"/>
  <child name="a" binary="gapstage/bin/js/a/1" id="3" state="incomplete"> <ram assigned="2M"/> </child>
  <child name="b" binary="gapstage/bin/js/b/1" id="5" exited="3"/>
</state>`);
    expect(state.version).toBe('4');
    expect([...state.children]).toEqual([
      ['a', { binary: 'gapstage/bin/js/a/1', id: 3, incomplete: true, exited: null }],
      ['b', { binary: 'gapstage/bin/js/b/1', id: 5, incomplete: false, exited: 3 }],
    ]);
    expect(readRuntimeState('not xml').children.size).toBe(0);
  });
});

describe('the deploy_state report', () => {
  it('cuts the reasons short when many refusals would make it too long for the twin', () => {
    const reason = 'x'.repeat(500);
    const few = {
      desiredVersion: 1,
      status: 'failed' as const,
      components: { a: { state: 'failed' as const, reason, restarts: 0 } },
    };
    expect(deployStateText(few)).toBe(JSON.stringify(few));
    const components = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`c${i}`, { state: 'failed' as const, reason, restarts: 0 }]),
    );
    const text = deployStateText({ desiredVersion: 1, status: 'failed', components });
    expect(text.length).toBeLessThan(DEPLOY_STATE_LIMIT);
    expect(JSON.parse(text).components.c99.reason).toBe(`${'x'.repeat(99)}…`);
  });

  it('is the same text when joined from components rendered one by one, whatever their names and reasons', () => {
    const components: Record<string, ComponentState> = {};
    const rendered: RenderedComponent[] = [];
    const add = (name: string, state: ComponentState): void => {
      components[name] = state;
      rendered.push(renderedComponent(name, state));
    };
    // names that read as array indices come first in an object, and so in its JSON; a name given again keeps its place
    for (const name of ['c1', '10', 'b"\\', '2', 'deploy[3]', '007', 'ü\u2028', '4294967295', '0', 'c1', '2'])
      add(name, { pkg: `gapstage/pkg/${name}/1`, state: 'downloading', reason: `retry 2: "${name}"`, restarts: 0 });
    add('x', { state: 'running', restarts: 3 });
    add('2', { state: 'exited', reason: 'exit value 1', restarts: 1 });
    const ordered = inObjectOrder(rendered);
    expect(ordered.map((component) => component.name)).toEqual(Object.keys(components));
    for (const head of [
      { desiredVersion: 7, status: 'deploying' as const },
      { desiredVersion: null, status: 'failed' as const, reason: 'the desired document is no JSON: "x" </>' },
    ]) {
      expect(renderedDeployStateText(head, ordered)).toBe(deployStateText({ ...head, components }));
      expect(renderedDeployStateText(head, [])).toBe(deployStateText({ ...head, components: {} }));
    }
    expect(['c1', 'x', 'deploy[3]', 'ü'].map(mayBeIndex)).toEqual([false, false, false, false]);
    expect(['0', '10', '007', '4294967295'].map(mayBeIndex)).toEqual([true, true, true, true]);
  });

  it('cuts the reasons short the same way when joined from rendered components', () => {
    const components: Record<string, ComponentState> = {};
    const rendered: RenderedComponent[] = [];
    for (let i = 0; i < 100; i++) {
      const state: ComponentState = { state: 'failed', reason: `${i} ${'x'.repeat(500)}`, restarts: i };
      components[`c${i}`] = state;
      rendered.push(renderedComponent(`c${i}`, state));
    }
    const head = { desiredVersion: 3, status: 'failed' as const };
    const text = renderedDeployStateText(head, rendered);
    expect(text.length).toBeLessThan(DEPLOY_STATE_LIMIT);
    expect(text).toBe(deployStateText({ ...head, components }));
  });

  it('has the status of its components, whatever their order', () => {
    const states: ComponentState[] = [
      { state: 'downloading', restarts: 0 },
      { state: 'verifying', restarts: 0 },
      { state: 'starting', restarts: 0 },
      { state: 'running', restarts: 0 },
      { state: 'exited', reason: 'exit value 0', restarts: 0 },
      { state: 'exited', reason: 'exit value 3', restarts: 0 },
      { state: 'failed', reason: 'refused', restarts: 0 },
    ];
    for (let mask = 0; mask < 1 << states.length; mask++) {
      const some = states.filter((_, i) => (mask >> i) & 1);
      const rendered = some.map((state, i) => renderedComponent(`c${i}`, state));
      expect(renderedStatus(rendered)).toBe(deployStatus(some));
      expect(renderedStatus([...rendered].reverse())).toBe(deployStatus(some));
    }
  });
});

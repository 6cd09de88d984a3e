import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARENT_PROVIDES, DeployConfigError, readDeployConfig } from '../src/index.js';

const read = (text: string) => readDeployConfig(XmlNode.parse(text, 'deploy config'));

describe("deploy's config", () => {
  it('reads the trusted users, the budget, the parent-provides and the heartbeat', () => {
    expect(
      read(`<config ram="24M" caps="600">
  <trust user="gapstage"/> <trust user="genodelabs"/>
  <parent-provides> <service name="LOG"/> <service name="Timer"/> </parent-provides>
  <heartbeat rate_ms="500" restart_after_skipped="3"/>
</config>`),
    ).toEqual({
      trustedUsers: new Set(['gapstage', 'genodelabs']),
      ram: 24 * 1024 * 1024,
      caps: 600,
      parentProvides: ['LOG', 'Timer'],
      heartbeat: { rateMs: 500, restartAfterSkipped: 3 },
    });
    expect(read('<config ram="1M" caps="10"/>').parentProvides).toEqual(DEFAULT_PARENT_PROVIDES);
  });

  it('refuses a config without a budget, with a bad user or an unknown node, naming the line', () => {
    const refusals = [
      '<config caps="10"/>',
      '<config ram="1M" caps="0"/>',
      '<config ram="1M" caps="10">\n<trust user="../x"/></config>',
      '<config ram="1M" caps="10">\n<trusted user="x"/></config>',
      '<config ram="1M" caps="10" rams="1"/>',
      '<config ram="1M" caps="10"><parent-provides><service/></parent-provides></config>',
    ].map((text) => {
      try {
        read(text);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(DeployConfigError);
        return (error as Error).message;
      }
    });
    expect(refusals).toEqual([
      'deploy config:1: <config> needs ram="..." (e.g. ram="64M"): what the runtime init may lend its children',
      `deploy config:1: <config> has caps="0"; give the runtime's children some`,
      'deploy config:2: <trust> needs user="..." naming a depot user (e.g. user="gapstage")',
      "deploy config:2: unknown node <trusted> in deploy's <config> (did you mean <trust>?); " +
        'known: <trust>, <parent-provides>, <heartbeat>',
      'deploy config:1: <config> has unknown attribute "rams" (did you mean "ram"?); known: ram, caps',
      'deploy config:1: <service> needs name="..." with a service name such as "Timer"',
    ]);
  });
});

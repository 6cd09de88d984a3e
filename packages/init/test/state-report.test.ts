import {
  type ChildResources,
  type ChildState,
  type ReportOptions,
  type StateSnapshot,
  renderStateReport,
} from '@os/init';
import { type ChildSession, XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { StateReportRenderer } from '../src/state-report.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

const NOTHING: ReportOptions = {
  ids: false,
  requested: false,
  provided: false,
  sessionArgs: false,
  childRam: false,
  childCaps: false,
  initRam: false,
  initCaps: false,
  delayMs: 0,
};

const EVERYTHING: ReportOptions = {
  ids: true,
  requested: true,
  provided: true,
  sessionArgs: true,
  childRam: true,
  childCaps: true,
  initRam: true,
  initCaps: true,
  delayMs: 1000,
};

/** `<report>` with only the options in `on` set. */
function only(...on: (keyof Omit<ReportOptions, 'delayMs'>)[]): ReportOptions {
  return { ...NOTHING, ...Object.fromEntries(on.map((option) => [option, true])) };
}

function resources(assigned: number, used: number, requested = 0): ChildResources {
  return { assigned, quota: assigned, used, avail: assigned - used, requested };
}

/** A child that runs, asks for nothing and has no sessions; `overrides` change what a test is about. */
function child(overrides: Partial<ChildState> = {}): ChildState {
  return {
    name: 'timer',
    binary: 'timer',
    version: '',
    id: 1,
    incomplete: false,
    exited: null,
    skippedHeartbeats: 0,
    ram: resources(MIB, 36 * KIB),
    caps: resources(100, 12),
    requested: [],
    provided: [],
    ...overrides,
  };
}

/** init with 64M and 1000 caps holding `children`. */
function snapshot(children: readonly ChildState[], version = '3'): StateSnapshot {
  return {
    version,
    ram: { quota: 64 * MIB, used: 36 * KIB, avail: 64 * MIB - 36 * KIB },
    caps: { quota: 1000, used: 100, avail: 900 },
    children,
  };
}

/** Three children showing every part: sessions both ways, a waiting one with a resource request, an exited one. */
const FULL = snapshot([
  child({
    requested: [
      { id: 1, service: 'LOG', label: 'timer', serverLabel: 'timer', state: 'OK', ram: 0, caps: 0, args: '' },
    ],
    provided: [
      {
        service: 'Timer',
        label: 'client -> timer',
        state: 'OK',
        ram: 4100,
        caps: 2,
        args: 'ram_quota=4100, cap_quota=2, label="client -> timer"',
      },
    ],
  }),
  child({
    name: 'client',
    binary: 'dummy',
    version: '2',
    id: 2,
    incomplete: true,
    ram: resources(2 * MIB, 1536 * KIB, GIB),
    caps: resources(50, 50, 5),
    requested: [
      {
        id: 2,
        service: 'Timer',
        label: 'client -> timer',
        serverLabel: 'client -> timer',
        state: 'CREATING',
        ram: 4100,
        caps: 2,
        args: 'ram_quota=4100, cap_quota=2, label="client -> timer"',
      },
    ],
  }),
  child({
    name: 'worker',
    binary: 'dummy',
    id: 3,
    exited: 0,
    skippedHeartbeats: 4,
    ram: resources(MIB, 0),
    caps: resources(1024, 24),
  }),
]);

describe('renderStateReport', () => {
  it('writes every part when every <report> option is on', () => {
    expect(renderStateReport(FULL, EVERYTHING)).toBe(
      [
        '<state version="3">',
        '  <ram quota="64M" used="36K" avail="65500K"/>',
        '  <caps quota="1000" used="100" avail="900"/>',
        '  <child name="timer" binary="timer" id="1">',
        '    <ram assigned="1M" quota="1M" used="36K" avail="988K"/>',
        '    <caps assigned="100" quota="100" used="12" avail="88"/>',
        '    <requested>',
        '      <session name="LOG" state="OK" label="timer" ram="0" caps="0"/>',
        '    </requested>',
        '    <provided>',
        '      <session name="Timer" state="OK" label="client -> timer" ram="4100" caps="2">',
        '        <args>ram_quota=4100, cap_quota=2, label=&quot;client -> timer&quot;</args>',
        '      </session>',
        '    </provided>',
        '  </child>',
        '  <child name="client" binary="dummy" version="2" id="2" state="incomplete">',
        '    <ram assigned="2M" quota="2M" used="1536K" avail="512K" requested="1G"/>',
        '    <caps assigned="50" quota="50" used="50" avail="0" requested="5"/>',
        '    <requested>',
        '      <session name="Timer" state="CREATING" label="client -> timer" ram="4100" caps="2">',
        '        <args>ram_quota=4100, cap_quota=2, label=&quot;client -> timer&quot;</args>',
        '      </session>',
        '    </requested>',
        '    <provided/>',
        '  </child>',
        '  <child name="worker" binary="dummy" id="3" exited="0" skipped_heartbeats="4">',
        '    <ram assigned="1M" quota="1M" used="0" avail="1M"/>',
        '    <caps assigned="1024" quota="1024" used="24" avail="1000"/>',
        '    <requested/>',
        '    <provided/>',
        '  </child>',
        '</state>',
        '',
      ].join('\n'),
    );
  });

  it('writes only the children, their names, versions and conditions when every option is off', () => {
    expect(renderStateReport(FULL, NOTHING)).toBe(
      [
        '<state version="3">',
        '  <child name="timer" binary="timer"/>',
        '  <child name="client" binary="dummy" version="2" state="incomplete"/>',
        '  <child name="worker" binary="dummy" exited="0" skipped_heartbeats="4"/>',
        '</state>',
        '',
      ].join('\n'),
    );
  });

  it('writes an empty <state/> without a version when the config has none and there are no children', () => {
    expect(renderStateReport(snapshot([], ''), NOTHING)).toBe('<state/>\n');
    expect(renderStateReport(snapshot([], ''), only('initCaps'))).toBe(
      '<state>\n  <caps quota="1000" used="100" avail="900"/>\n</state>\n',
    );
  });

  describe('writes each part only when its option is on', () => {
    const one = snapshot([
      child({
        name: 'c',
        binary: 'dummy',
        id: 7,
        requested: [
          {
            id: 1,
            service: 'LOG',
            label: 'c',
            serverLabel: 'c',
            state: 'OK',
            ram: 8 * KIB,
            caps: 1,
            args: 'label="c"',
          },
        ],
        provided: [{ service: 'LOG', label: 'd', state: 'OK', ram: 0, caps: 0, args: 'label="d"' }],
      }),
    ]);
    const cases: [string, ReportOptions, string[]][] = [
      ['nothing', NOTHING, ['  <child name="c" binary="dummy"/>']],
      ['ids', only('ids'), ['  <child name="c" binary="dummy" id="7"/>']],
      [
        'child_ram',
        only('childRam'),
        [
          '  <child name="c" binary="dummy">',
          '    <ram assigned="1M" quota="1M" used="36K" avail="988K"/>',
          '  </child>',
        ],
      ],
      [
        'child_caps',
        only('childCaps'),
        [
          '  <child name="c" binary="dummy">',
          '    <caps assigned="100" quota="100" used="12" avail="88"/>',
          '  </child>',
        ],
      ],
      [
        'init_ram',
        only('initRam'),
        ['  <ram quota="64M" used="36K" avail="65500K"/>', '  <child name="c" binary="dummy"/>'],
      ],
      [
        'init_caps',
        only('initCaps'),
        ['  <caps quota="1000" used="100" avail="900"/>', '  <child name="c" binary="dummy"/>'],
      ],
      [
        'requested',
        only('requested'),
        [
          '  <child name="c" binary="dummy">',
          '    <requested>',
          '      <session name="LOG" state="OK" label="c" ram="8K" caps="1"/>',
          '    </requested>',
          '  </child>',
        ],
      ],
      [
        'provided',
        only('provided'),
        [
          '  <child name="c" binary="dummy">',
          '    <provided>',
          '      <session name="LOG" state="OK" label="d" ram="0" caps="0"/>',
          '    </provided>',
          '  </child>',
        ],
      ],
      ['session_args without requested or provided', only('sessionArgs'), ['  <child name="c" binary="dummy"/>']],
      [
        'session_args with requested',
        only('requested', 'sessionArgs'),
        [
          '  <child name="c" binary="dummy">',
          '    <requested>',
          '      <session name="LOG" state="OK" label="c" ram="8K" caps="1">',
          '        <args>label=&quot;c&quot;</args>',
          '      </session>',
          '    </requested>',
          '  </child>',
        ],
      ],
      [
        'session_args with provided',
        only('provided', 'sessionArgs'),
        [
          '  <child name="c" binary="dummy">',
          '    <provided>',
          '      <session name="LOG" state="OK" label="d" ram="0" caps="0">',
          '        <args>label=&quot;d&quot;</args>',
          '      </session>',
          '    </provided>',
          '  </child>',
        ],
      ],
      ['delay_ms', { ...NOTHING, delayMs: 500 }, ['  <child name="c" binary="dummy"/>']],
    ];
    it.each(cases)('%s', (_option, options, body) => {
      expect(renderStateReport(one, options)).toBe(['<state version="3">', ...body, '</state>', ''].join('\n'));
    });
  });

  it('marks a child incomplete, exited or behind on heartbeats only when it is', () => {
    const render = (overrides: Partial<ChildState>): string =>
      renderStateReport(snapshot([child(overrides)]), NOTHING).split('\n')[1] as string;
    expect(render({})).toBe('  <child name="timer" binary="timer"/>');
    expect(render({ incomplete: true })).toBe('  <child name="timer" binary="timer" state="incomplete"/>');
    expect(render({ exited: 0 })).toBe('  <child name="timer" binary="timer" exited="0"/>');
    expect(render({ exited: 255 })).toBe('  <child name="timer" binary="timer" exited="255"/>');
    expect(render({ skippedHeartbeats: 1 })).toBe('  <child name="timer" binary="timer" skipped_heartbeats="1"/>');
    expect(render({ version: 'v1', incomplete: true, exited: 1, skippedHeartbeats: 3 })).toBe(
      '  <child name="timer" binary="timer" version="v1" state="incomplete" exited="1" skipped_heartbeats="3"/>',
    );
  });

  it("writes RAM as Genode's Number_of_bytes and capabilities as plain numbers", () => {
    const ramLine = (bytes: number): string =>
      renderStateReport(
        snapshot([child({ ram: { assigned: bytes, quota: bytes, used: 0, avail: 0, requested: 0 } })]),
        only('childRam'),
      ).split('\n')[2] as string;
    expect(ramLine(0)).toBe('    <ram assigned="0" quota="0" used="0" avail="0"/>');
    expect(ramLine(4100)).toBe('    <ram assigned="4100" quota="4100" used="0" avail="0"/>');
    expect(ramLine(36 * KIB)).toBe('    <ram assigned="36K" quota="36K" used="0" avail="0"/>');
    expect(ramLine(1536 * KIB)).toBe('    <ram assigned="1536K" quota="1536K" used="0" avail="0"/>');
    expect(ramLine(MIB)).toBe('    <ram assigned="1M" quota="1M" used="0" avail="0"/>');
    expect(ramLine(3 * GIB)).toBe('    <ram assigned="3G" quota="3G" used="0" avail="0"/>');
    const capsLine = renderStateReport(
      snapshot([child({ caps: { assigned: 1024, quota: MIB, used: 0, avail: 2048, requested: 1024 } })]),
      only('childCaps'),
    ).split('\n')[2];
    expect(capsLine).toBe('    <caps assigned="1024" quota="1048576" used="0" avail="2048" requested="1024"/>');
    const init = renderStateReport(
      { ...snapshot([]), ram: { quota: MIB, used: 1000, avail: KIB }, caps: { quota: 1024, used: 0, avail: 1024 } },
      only('initRam', 'initCaps'),
    );
    expect(init).toBe(
      '<state version="3">\n  <ram quota="1M" used="1000" avail="1K"/>\n  <caps quota="1024" used="0" ' +
        'avail="1024"/>\n</state>\n',
    );
  });

  it('writes a requested attribute only for a pending resource request', () => {
    const lines = (ram: number, caps: number): string[] =>
      renderStateReport(
        snapshot([child({ ram: resources(MIB, 0, ram), caps: resources(10, 0, caps) })]),
        only('childRam', 'childCaps'),
      )
        .split('\n')
        .slice(2, 4);
    expect(lines(0, 0)).toEqual([
      '    <ram assigned="1M" quota="1M" used="0" avail="1M"/>',
      '    <caps assigned="10" quota="10" used="0" avail="10"/>',
    ]);
    expect(lines(1, 1)).toEqual([
      '    <ram assigned="1M" quota="1M" used="0" avail="1M" requested="1"/>',
      '    <caps assigned="10" quota="10" used="0" avail="10" requested="1"/>',
    ]);
    expect(lines(2 * MIB, 0)).toEqual([
      '    <ram assigned="1M" quota="1M" used="0" avail="1M" requested="2M"/>',
      '    <caps assigned="10" quota="10" used="0" avail="10"/>',
    ]);
  });

  it('escapes &, < and " in names, labels, versions and arguments', () => {
    const awkward = 'a&b<c"d>e';
    const report = renderStateReport(
      snapshot(
        [
          child({
            name: awkward,
            binary: 'bin&',
            version: '<1>',
            requested: [
              {
                id: 1,
                service: 'LOG',
                label: awkward,
                serverLabel: awkward,
                state: 'OK',
                ram: 0,
                caps: 0,
                args: 'label="<&>"',
              },
            ],
          }),
        ],
        'v"1',
      ),
      only('requested', 'sessionArgs'),
    );
    expect(report).toBe(
      [
        '<state version="v&quot;1">',
        '  <child name="a&amp;b&lt;c&quot;d>e" binary="bin&amp;" version="&lt;1>">',
        '    <requested>',
        '      <session name="LOG" state="OK" label="a&amp;b&lt;c&quot;d>e" ram="0" caps="0">',
        '        <args>label=&quot;&lt;&amp;>&quot;</args>',
        '      </session>',
        '    </requested>',
        '  </child>',
        '</state>',
        '',
      ].join('\n'),
    );
    const parsed = XmlNode.parse(report, 'state report');
    const node = parsed.subNode('child');
    expect([
      parsed.attribute('version'),
      node.attribute('name'),
      node.attribute('binary'),
      node.attribute('version'),
    ]).toEqual(['v"1', awkward, 'bin&', '<1>']);
    const session = node.subNode('requested').subNode('session');
    expect([session.attribute('label'), session.subNode('args').text]).toEqual([awkward, 'label="<&>"']);
  });

  it('writes a report that XmlNode reads back to the same figures', () => {
    const state = XmlNode.parse(renderStateReport(FULL, EVERYTHING), 'state report');
    expect([state.type, state.attribute('version')]).toEqual(['state', '3']);
    expect(state.subNode('ram').numberAttribute('avail', -1)).toBe(64 * MIB - 36 * KIB);
    const children = state.subNodes('child');
    expect(children.map((node) => node.attributeNames())).toEqual([
      ['name', 'binary', 'id'],
      ['name', 'binary', 'version', 'id', 'state'],
      ['name', 'binary', 'id', 'exited', 'skipped_heartbeats'],
    ]);
    const client = children[1] as XmlNode;
    expect(
      ['assigned', 'quota', 'used', 'avail', 'requested'].map((name) =>
        client.subNode('ram').numberAttribute(name, -1),
      ),
    ).toEqual([2 * MIB, 2 * MIB, 1536 * KIB, 512 * KIB, GIB]);
    expect(client.subNode('requested').subNode('session').subNode('args').text).toBe(
      'ram_quota=4100, cap_quota=2, label="client -> timer"',
    );
    expect((children[0] as XmlNode).subNode('provided').subNode('session').attribute('label')).toBe('client -> timer');
  });

  it('renders each report of a run as a fresh render would, keeping the elements of the children that stayed', () => {
    const renderer = new StateReportRenderer();
    const log: ChildSession = {
      id: 1,
      service: 'LOG',
      label: 'a',
      serverLabel: 'a',
      state: 'OK',
      ram: 0,
      caps: 0,
      args: 'label="a"',
    };
    const many = (count: number, changed: Partial<ChildState> = {}): ChildState[] =>
      Array.from({ length: count }, (_, i) =>
        child({ name: `c${i}`, id: i + 1, requested: [log], ...(i === 1 ? changed : {}) }),
      );
    const steps: [StateSnapshot, ReportOptions][] = [
      [snapshot(many(3)), only('ids', 'childRam', 'childCaps')],
      [snapshot(many(3)), only('ids', 'childRam', 'childCaps')],
      [snapshot(many(4)), only('ids', 'childRam', 'childCaps')],
      [snapshot(many(4, { id: 9 })), only('ids', 'childRam', 'childCaps')],
      [snapshot(many(4, { ram: resources(MIB, 40 * KIB) })), only('ids', 'childRam', 'childCaps')],
      [snapshot(many(4, { caps: resources(100, 12, 5) })), only('ids', 'childRam', 'childCaps')],
      [snapshot(many(4, { incomplete: true, exited: 2, skippedHeartbeats: 1 })), only('ids')],
      [snapshot(many(4, { version: '2', binary: 'other' })), EVERYTHING],
      [snapshot(many(4, { provided: [{ ...log, label: 'b' }] })), EVERYTHING],
      [snapshot(many(2).reverse(), '4'), EVERYTHING],
      [snapshot([]), EVERYTHING],
    ];
    for (const [state, options] of steps)
      expect(renderer.render(state, options)).toBe(renderStateReport(state, options));
    // a session that changes in place after a report shows in the next one
    const session = { ...log };
    const next = snapshot([child({ requested: [session] })]);
    expect(renderer.render(next, EVERYTHING)).toBe(renderStateReport(next, EVERYTHING));
    Object.assign(session, { args: 'label="c"' });
    expect(renderer.render(next, EVERYTHING)).toContain('<args>label=&quot;c&quot;</args>');
  });
});

import { describe, expect, it } from 'vitest';
import { RuntimeFileError, formatRuntimeFile, parseRuntimeFile } from '../src/index.js';

const RUNTIME = `<runtime ram="32M" caps="150" binary="mqtt_bridge" config="bridge.config">
	<requires>
		<timer/>
		<nic label="uplink"/>
		<rom label="broker"/>
		<service name="Report"/>
	</requires>
	<provides> <log/> </provides>
	<config verbose="yes">
		<broker host="127.0.0.1" port="1883"/>
	</config>
	<content>
		<rom label="mqtt_bridge"/>
		<rom label="bridge.config"/>
	</content>
</runtime>
`;

function refusal(text: string): string {
  try {
    parseRuntimeFile(text, 'gapstage/pkg/x/1/runtime');
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeFileError);
    return (error as Error).message;
  }
  throw new Error('parsed');
}

describe('a runtime file', () => {
  it("reads Genode's XML form into quota, binary, sessions, config and content", () => {
    const runtime = parseRuntimeFile(RUNTIME, 'gapstage/pkg/mqtt_bridge/1/runtime');
    expect(runtime).toMatchObject({
      ram: 32 * 1024 * 1024,
      caps: 150,
      binary: 'mqtt_bridge',
      configRom: 'bridge.config',
      requires: [
        { service: 'Timer', node: 'timer', line: 3 },
        { service: 'Net', node: 'nic', label: 'uplink', line: 4 },
        { service: 'ROM', node: 'rom', label: 'broker', line: 5 },
        { service: 'Report', node: 'service', line: 6 },
      ],
      provides: [{ service: 'LOG', node: 'log', line: 8 }],
      content: [
        { label: 'mqtt_bridge', line: 13 },
        { label: 'bridge.config', line: 14 },
      ],
    });
    expect(runtime.config).toBe('<config verbose="yes">\n\t\t<broker host="127.0.0.1" port="1883"/>\n\t</config>');
  });

  it.each([
    ['<runtime ram="1M" caps="1"><requires><timer></requires></runtime>', 'gapstage/pkg/x/1/runtime:1: '],
    ['<start ram="1M" caps="1"/>', ':1: the top-level node is <start>; a runtime file has <runtime>'],
    ['<runtime caps="10"/>', ':1: <runtime> has no ram="..." quota; a deploy needs it (write e.g. ram="32M")'],
    ['<runtime ram="1M"/>', ':1: <runtime> has no caps="..." quota; a deploy needs it (write e.g. caps="100")'],
    ['<runtime ram="lots" caps="1"/>', ':1: attribute ram="lots" is not a number'],
    ['<runtime ram="0" caps="1"/>', ':1: <runtime> has ram="0": a component needs some ram quota'],
    ['<runtime ram="1M" caps="1" rams="2M"/>', ':1: <runtime> has unknown attribute "rams" (did you mean "ram"?)'],
    ['<runtime ram="1M" caps="1" binary="../x"/>', ':1: binary="../x" is not an archive name'],
    ['<runtime ram="1M" caps="1">\n<requirse/></runtime>', ':1: <runtime> has unknown node "requirse" (did you mean'],
    [
      '<runtime ram="1M" caps="1">\n<requires>\n<tmier/></requires></runtime>',
      ':3: <requires> has unknown service node <tmier> (did you mean <timer/>?)',
    ],
    [
      '<runtime ram="1M" caps="1">\n<requires><timer/></requires>\n<requires/></runtime>',
      ':3: <runtime> has more than one <requires>',
    ],
    ['<runtime ram="1M" caps="1">\n<content>\n<rom/></content></runtime>', ':3: <rom> in <content> needs label="..."'],
    ['<runtime ram="1M" caps="1" config="c"/>', ':1: config="c" names no <rom label="c"/> in <content>'],
    ['<runtime ram="1M" caps="1"><requires><service/></requires></runtime>', ':1: <service> needs name="..."'],
    [
      '<runtime ram="1M" caps="1"><provides><log label="x"/></provides></runtime>',
      ':1: <log> has unknown attribute "label"',
    ],
  ])('%s is refused with file and line', (text, message) => {
    expect(refusal(text)).toContain(message);
    expect(refusal(text).startsWith('gapstage/pkg/x/1/runtime:')).toBe(true);
  });

  it('is written from a manifest in the form it is read', () => {
    const text = formatRuntimeFile({
      ram: 4 * 1024 * 1024,
      caps: 60,
      binary: 'http_server',
      requires: [{ service: 'Timer' }, { service: 'ROM', label: 'config' }, { service: 'Tcp' }],
      provides: ['LOG'],
    });
    expect(text).toBe(
      '<runtime ram="4M" caps="60" binary="http_server">\n\n\t<requires>\n\t\t<timer/>\n\t\t<rom label="config"/>\n' +
        '\t\t<service name="Tcp"/>\n\t</requires>\n\n\t<provides>\n\t\t<log/>\n\t</provides>\n\n</runtime>\n',
    );
    const read = parseRuntimeFile(text, 'runtime');
    expect(read.requires.map((required) => [required.service, required.label])).toEqual([
      ['Timer', undefined],
      ['ROM', 'config'],
      ['Tcp', undefined],
    ]);
  });
});

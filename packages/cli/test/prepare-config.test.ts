import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InitConfigError, readInitConfig } from '@os/init';
import { beforeAll, describe, expect, it } from 'vitest';
import { initConfigLoader, prepareInitConfig } from '../src/index.js';

let directory: string;

beforeAll(() => {
  directory = realpathSync(mkdtempSync(join(tmpdir(), 'os-prepare-')));
  const quota = join(directory, 'node_modules/@acme/quota');
  mkdirSync(quota, { recursive: true });
  writeFileSync(
    join(quota, 'package.json'),
    JSON.stringify({
      name: '@acme/quota',
      version: '1.0.0',
      type: 'module',
      osComponent: { wire: 1, requires: ['LOG'], ram: '2M', caps: 70 },
    }),
  );
  writeFileSync(join(quota, 'index.js'), 'export function construct(env) { return env.log("hi"); }\n');
});

const system = (starts: string) => `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> </any-service> </default-route>
  <default caps="10" ram="64K"/>
${starts}
</config>`;

const prepare = (text: string) =>
  prepareInitConfig(text, 'system.xml', initConfigLoader(text, { directory, origin: 'system.xml' }));

describe('prepareInitConfig', () => {
  it("gives a start entry without quota its package's declared ram and caps, keeping every line where it was", () => {
    const text = system(`  <start name="a"> <binary name="@acme/quota"/> </start>
  <start name="b" caps="80"> <binary name="@acme/quota"/> </start>
  <start name="c"> <binary name="@acme/quota"/> <resource name="RAM" quantum="4M"/> </start>
  <start name="d"> <binary name="dummy"/> </start>`);
    const prepared = readInitConfig(prepare(text), 'system.xml');
    const quota = prepared.children.map((child) => [child.name, child.ram, child.caps, child.line]);
    expect(quota).toEqual([
      ['a', 2 * 1024 * 1024, 70, 5],
      ['b', 2 * 1024 * 1024, 80, 6],
      ['c', 4 * 1024 * 1024, 70, 7],
      ['d', 64 * 1024, 10, 8],
    ]);
  });

  it('refuses start entries asking more than init can lend, naming file, line, entry and sizes in units', () => {
    const ram = system(`  <start name="a" ram="100M"> <binary name="dummy"/> </start>
  <start name="b" ram="29184K"> <binary name="dummy"/> </start>`);
    expect(() => prepare(ram)).toThrow(
      'system.xml:6: <start name="b">: the start entries up to this one ask 128.5M of RAM, more than the 128M init ' +
        "can lend at most (half of the machine's 256M): lower its ram (now 28.5M)",
    );
    const preserved = ram
      .replace('ram="29184K"', 'ram="27M"')
      .replace('<default ', '<resource name="RAM" preserve="2M"/> <default ');
    expect(() => prepare(preserved)).toThrow(
      'system.xml:6: <start name="b">: the start entries up to this one ask 127M of RAM, more than the 128M init ' +
        "can lend at most (half of the machine's 256M, after the 2M init preserves): lower its ram (now 27M)",
    );
    const caps = system('  <start name="a" caps="50001"> <binary name="dummy"/> </start>');
    expect(() => prepare(caps)).toThrow(
      'system.xml:5: <start name="a">: the start entries up to this one ask 50001 capabilities, more than the 50000 ' +
        "init can lend at most (half of the machine's 100000): lower its caps (now 50001)",
    );
    expect(() => prepare(ram.replace('ram="29184K"', 'ram="28M"'))).not.toThrow();
  });

  it('leaves a config without package binaries as written', () => {
    const text = system('  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>');
    expect(prepare(text)).toBe(text);
  });

  it('refuses a start entry that gives less than the package declares, naming file, line and both figures', () => {
    const text = system('  <start name="a" caps="20"> <binary name="@acme/quota"/> </start>');
    expect(() => prepare(text)).toThrow(InitConfigError);
    expect(() => prepare(text)).toThrow(
      'system.xml:5: <start name="a">: package "@acme/quota" needs at least caps="70", but the start entry gives 20',
    );
  });

  it('refuses a binary that cannot be found before anything boots, naming the entry', () => {
    const text = system('  <start name="a"> <binary name="@acme/missing"/> </start>');
    expect(() => prepare(text)).toThrow(/system.xml:5: <start name="a">: .*@acme\/missing/);
  });
});

import { XmlNode } from '@os/runtime';
import { describe, expect, it } from 'vitest';
import { LibcConfigError, readLibcConfig } from '../src/libc-config.js';

const read = (xml: string) => readLibcConfig(XmlNode.parse(xml, 'config'));

describe('readLibcConfig', () => {
  it(
    'keeps every <env> key as an own variable, __proto__ and constructor included, without touching ' + 'prototypes',
    () => {
      const config = read(
        `<config><env key="HOME" value="/"/><env key="__proto__" value="p"/><env key="constructor" ` +
          `value="c"/></config>`,
      );
      expect(Object.keys(config.env)).toEqual(['HOME', '__proto__', 'constructor']);
      expect(Object.getOwnPropertyDescriptor(config.env, '__proto__')?.value).toBe('p');
      expect(Object.getPrototypeOf(config.env)).toBe(Object.prototype);
      expect({ ...config.env }).toEqual(config.env);
    },
  );

  it('an <env> without key or value names the line and the fix', () => {
    expect(() => read(`<config>\n<env key="HOME"/></config>`)).toThrow(LibcConfigError);
    expect(() => read(`<config>\n<env key="HOME"/></config>`)).toThrow(
      /config:2: <env> needs key and value attributes: <env key="HOME" value="\/"\/>/,
    );
  });
});

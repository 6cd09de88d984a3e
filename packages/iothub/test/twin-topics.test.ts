import { describe, expect, it } from 'vitest';
import {
  deviceRequest,
  desiredPatchTopic,
  parseDesiredPatchTopic,
  parseTwinResponseTopic,
  reportedPatchTopic,
  twinGetTopic,
  twinResponseTopic,
} from '../src/index.js';

describe('twin topics', () => {
  it('builds what a device publishes and the hub reads back with the same $rid', () => {
    expect(twinGetTopic('7')).toBe('$iothub/twin/GET/?$rid=7');
    expect(reportedPatchTopic('8')).toBe('$iothub/twin/PATCH/properties/reported/?$rid=8');
    expect(deviceRequest('d', twinGetTopic('a&b=c'))).toEqual({ kind: 'twin-get', rid: 'a&b=c' });
    expect(deviceRequest('d', reportedPatchTopic('9'))).toEqual({ kind: 'twin-reported', rid: '9' });
  });

  it("reads the hub's answers: status, $rid and $version", () => {
    expect(parseTwinResponseTopic(twinResponseTopic(204, '12', 5))).toEqual({ status: 204, rid: '12', version: 5 });
    expect(parseTwinResponseTopic('$iothub/twin/res/200/?$rid=3')).toEqual({
      status: 200,
      rid: '3',
      version: undefined,
    });
    expect(parseTwinResponseTopic('$iothub/twin/res/429/?$rid=3&$version=x')?.version).toBeUndefined();
    expect(parseTwinResponseTopic('$iothub/twin/res/200/?other=1')).toBeUndefined();
    expect(parseTwinResponseTopic(`$iothub/twin/res/200/?$rid=${'r'.repeat(129)}`)).toBeUndefined();
    expect(parseTwinResponseTopic('$iothub/twin/res/20/?$rid=1')).toBeUndefined();
    expect(parseTwinResponseTopic('$iothub/methods/POST/x/?$rid=1')).toBeUndefined();
  });

  it("reads a desired notification's $version", () => {
    expect(parseDesiredPatchTopic(desiredPatchTopic(42))).toBe(42);
    expect(parseDesiredPatchTopic('$iothub/twin/PATCH/properties/desired/?$version=-1')).toBeUndefined();
    expect(parseDesiredPatchTopic('$iothub/twin/PATCH/properties/desired/?$version=1e3')).toBeUndefined();
    expect(parseDesiredPatchTopic('$iothub/twin/PATCH/properties/reported/?$version=1')).toBeUndefined();
  });
});

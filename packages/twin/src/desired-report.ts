import { isJsonObject, type JsonObject, type JsonValue } from '@os/iothub';

/**
 * The `desired` report: `{"$version": N, "deploy": <desired.dynamic.deploy>}` (`deploy` left out when the twin has
 * none), or `{"$version": N, "invalid": "<reason>"}` when the desired document breaks IoT Hub's rules or is malformed.
 */
export type DesiredReport =
  | { readonly $version: number; readonly deploy?: JsonValue }
  | { readonly $version: number; readonly invalid: string };

/** The report of a valid desired section (its members, without `$version`) at `version`. */
export function deployReport(version: number, desired: JsonObject): DesiredReport {
  const dynamic = Object.hasOwn(desired, 'dynamic') ? desired['dynamic'] : undefined;
  const deploy = isJsonObject(dynamic) && Object.hasOwn(dynamic, 'deploy') ? dynamic['deploy'] : undefined;
  return deploy === undefined ? { $version: version } : { $version: version, deploy };
}

/** The report of a desired document at `version` that cannot be used, and why. */
export function invalidReport(version: number, reason: string): DesiredReport {
  return { $version: version, invalid: reason.length <= 1024 ? reason : `${reason.slice(0, 1023)}…` };
}

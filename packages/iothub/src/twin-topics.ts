/** The filter a device subscribes to for the hub's answers to its twin requests. */
export const TWIN_RESPONSE_FILTER = '$iothub/twin/res/#';

/** The filter a device subscribes to for desired property changes. */
export const DESIRED_PATCH_FILTER = '$iothub/twin/PATCH/properties/desired/#';

/** The most characters of a `$rid` the hub takes (a request id is the device's; it only needs to be unique). */
export const MAX_RID_LENGTH = 128;

/** The topic a device publishes an empty message on to GET its whole twin; the answer carries `rid`. */
export function twinGetTopic(rid: string): string {
  return `$iothub/twin/GET/?$rid=${encodeURIComponent(rid)}`;
}

/** The topic a device publishes a reported-properties patch on; the answer carries `rid`. */
export function reportedPatchTopic(rid: string): string {
  return `$iothub/twin/PATCH/properties/reported/?$rid=${encodeURIComponent(rid)}`;
}

/** The topic of the hub's answer to a twin request: `$iothub/twin/res/{status}/?$rid={rid}[&$version={version}]`. */
export function twinResponseTopic(status: number, rid: string, version?: number): string {
  const suffix = version === undefined ? '' : `&$version=${version}`;
  return `$iothub/twin/res/${status}/?$rid=${encodeURIComponent(rid)}${suffix}`;
}

/** The topic of a desired-properties notification at `version`. */
export function desiredPatchTopic(version: number): string {
  return `$iothub/twin/PATCH/properties/desired/?$version=${version}`;
}

/** The hub's answer to a twin request, read from its topic. */
export interface TwinResponse {
  /** The HTTP-like status: 200 (GET), 204 (reported patch taken), 400, 429, 5xx. */
  readonly status: number;
  /** The request id the device sent. */
  readonly rid: string;
  /** The reported section's new `$version` (after a 204), when the topic carries one. */
  readonly version: number | undefined;
}

function version(text: string | null): number | undefined {
  if (text === null || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** The answer `topic` carries, or undefined when it is no twin response (or its `$rid` is missing or too long). */
export function parseTwinResponseTopic(topic: string): TwinResponse | undefined {
  const match = /^\$iothub\/twin\/res\/(\d{3})\/\?(.*)$/.exec(topic);
  if (match === null) return undefined;
  const params = new URLSearchParams(match[2]);
  const rid = params.get('$rid');
  if (rid === null || rid.length === 0 || rid.length > MAX_RID_LENGTH) return undefined;
  return { status: Number(match[1]), rid, version: version(params.get('$version')) };
}

/** The desired `$version` a notification's `topic` announces, or undefined when it is no desired notification. */
export function parseDesiredPatchTopic(topic: string): number | undefined {
  const prefix = '$iothub/twin/PATCH/properties/desired/?';
  if (!topic.startsWith(prefix)) return undefined;
  return version(new URLSearchParams(topic.slice(prefix.length)).get('$version'));
}

import { randomUUID } from 'node:crypto';

/** The longest workflow name a robot accepts. */
export const MAX_WORKFLOW_NAME = 128;

/**
 * A robot's answer to the `runWorkflow` direct method: `200 { workflow, id, robot }` with a fresh id for a payload
 * `{ "workflow": "<name>" }`, else `400 { error }` saying what the payload must be. The payload comes from whoever
 * may invoke methods at the hub, so nothing about it is assumed.
 *
 * @param {string} robot the device id
 * @param {unknown} payload the method's payload as the SDK parsed it
 * @returns {{ status: number, payload: Record<string, string> }}
 */
export function runWorkflow(robot, payload) {
  const workflow =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? /** @type {Record<string, unknown>} */ (payload)['workflow']
      : undefined;
  if (typeof workflow !== 'string' || workflow.length === 0 || workflow.length > MAX_WORKFLOW_NAME) {
    const got = payload === undefined ? 'no payload' : `${JSON.stringify(payload)?.slice(0, 200)}`;
    return {
      status: 400,
      payload: {
        error:
          `runWorkflow on ${robot} needs the payload {"workflow": "<name>"} with a name of 1 to ` +
          `${MAX_WORKFLOW_NAME} characters; got ${got}`,
      },
    };
  }
  return { status: 200, payload: { workflow, id: randomUUID(), robot } };
}

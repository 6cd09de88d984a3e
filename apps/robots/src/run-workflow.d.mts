/** The longest workflow name a robot accepts. */
export declare const MAX_WORKFLOW_NAME: number;

/** The answer to `runWorkflow`: `200 { workflow, id, robot }`, or `400 { error }` for a payload without a name. */
export declare function runWorkflow(
  robot: string,
  payload: unknown,
): { status: number; payload: Record<string, string> };

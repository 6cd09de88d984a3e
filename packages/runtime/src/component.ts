import { Env, type EnvParts } from './env.js';

/** A component: a module that exports `construct(env)`. */
export interface ComponentModule {
  /** Builds the component; runs on its entrypoint, which serves nothing else until it returns. */
  construct(env: Env): void | Promise<void>;
}

/** Whether `value` looks like a component module. */
export function isComponentModule(value: unknown): value is ComponentModule {
  return (
    typeof value === 'object' && value !== null && typeof (value as { construct?: unknown }).construct === 'function'
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Runs a component in the PD its threads belong to: builds its `Env` from the threads and the parent
 * selector alone, then runs `construct` as an activity of its entrypoint (calls and signals to the
 * component queue until it returns). A `construct` that throws is logged and reported to the parent
 * as `exit(1)`; the rest of the system keeps running.
 */
export async function startComponent(parts: EnvParts, module: ComponentModule): Promise<Env> {
  const env = new Env(parts);
  await env.registerWithParent();
  await env.openLog().catch(() => undefined);
  let starter: ReturnType<Env['ep']['rpc']['createSignalHandler']> | null = null;
  starter = env.ep.rpc.createSignalHandler(async () => {
    if (starter !== null) env.ep.rpc.dissolveSignalHandler(starter);
    starter = null;
    try {
      await module.construct(env);
    } catch (error) {
      await env.log(`Error: ${parts.name}: construct failed: ${describe(error)}`).catch(() => undefined);
      await env.parent.exit(1).catch(() => undefined);
    }
  });
  parts.thread.submitSignal(starter.selector);
  return env;
}

import type { ClientOf } from '@os/rpc';
import { type Root, sessionAtParent } from '@os/session';
import type { Env } from './env.js';

/**
 * A root that forwards sessions to the component's own parent: how a parent component (init)
 * passes on a child's request routed to "parent". Each forwarded session gets a session id of the
 * component's; a request the grandparent leaves pending is waited for.
 */
export function parentRoot(env: Env, service: string): ClientOf<typeof Root> {
  const ids = new Map<number, number>();
  return {
    async session(args) {
      const id = env.allocSessionId();
      try {
        const capability = await sessionAtParent(env, id, service, args);
        ids.set(capability.rawSelector, id);
        return capability;
      } catch (error) {
        env.freeSessionId(id);
        throw error;
      }
    },
    async upgrade(capability, args) {
      const id = ids.get(capability.rawSelector);
      if (id !== undefined) await env.parent.upgrade(id, args);
    },
    async close(capability) {
      const id = ids.get(capability.rawSelector);
      if (id === undefined) return;
      ids.delete(capability.rawSelector);
      await env.parent.close(id);
      env.freeSessionId(id);
    },
  };
}

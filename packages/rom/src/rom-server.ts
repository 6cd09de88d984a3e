import type { ComponentModule } from '@os/runtime';
import type { RomModules } from './rom-modules.js';
import { RomService } from './rom-service.js';

/**
 * A component that serves `modules` as "ROM" from the moment it starts: what a program embedding
 * the runtime puts in its binary table to serve modules it holds host side, e.g. from
 * `romModulesFromDirectory` of `@os/rom/host`. Its code closes over `modules`, so it belongs to that program,
 * not to a system that loads components by name.
 */
export function romServer(modules: RomModules): ComponentModule {
  return {
    async construct(env) {
      await RomService.announce(env, modules);
    },
  };
}

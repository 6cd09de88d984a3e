import { AttachedRomDataspace, type Env, SignalHandler } from '@os/runtime';
import { InitConfigError } from './config-error.js';
import { parseInitConfigText } from './config-text.js';
import type { InitConfig } from './model.js';
import { Sandbox } from './sandbox.js';

/** Starts the children of `config` in order; resolves once all are started. */
export async function startChildren(env: Env, config: InitConfig): Promise<Sandbox> {
  const sandbox = await Sandbox.create(env);
  await sandbox.apply(config);
  return sandbox;
}

/**
 * init (binary `init`): reads its "config" ROM (Genode's XML, or JSON of the typed value), starts the
 * children, and applies every new version of the ROM. A new version that does not parse, or that
 * init cannot afford, is reported and the running system stays as it is. A ROM without content (not
 * written yet) counts as an empty config, as in Genode.
 */
export async function construct(env: Env): Promise<void> {
  const rom = await AttachedRomDataspace.open(env, 'config');
  // as Genode's init: a config ROM with no content yet (a report nobody has written, e.g. a nested init configured
  // by another component) is an empty config; the first version that arrives is applied like any other
  const sandbox = await startChildren(env, parseInitConfigText(rom.valid() ? rom.text() : '<config/>', 'init config'));
  await rom.sigh(
    new SignalHandler(env.ep, async () => {
      await rom.update();
      if (!rom.valid()) return;
      let config: InitConfig;
      try {
        config = parseInitConfigText(rom.text(), 'init config');
      } catch (error) {
        await env.log(
          `Error: the new config is not applied: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
      try {
        await sandbox.apply(config);
      } catch (error) {
        // a config init cannot afford is refused before anything changes; other errors come midway
        const what =
          error instanceof InitConfigError ? 'the new config is not applied' : 'applying the new config failed';
        await env.log(`Error: ${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
}

/** init as a component module, for binary tables. */
export const init = { construct };

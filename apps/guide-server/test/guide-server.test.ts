import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '@os/runtime';
import { sessionAtParent } from '@os/session';
import { kernelUnderTest } from '@os/test-kernels';
import { runSystem } from '@os/testing';
import { describe, expect, it } from 'vitest';

const directory = resolve(import.meta.dirname, '..');
const config = readFileSync(resolve(directory, 'system.xml'), 'utf8');
const kernel = kernelUnderTest().name as 'hw' | 'nova' | 'sel4';

/** Asks for a Guestbook session with too small a donation, without Connection's retries, and logs the refusal. */
const cheapskate = {
  async construct(env: Env) {
    const id = env.allocSessionId();
    try {
      await sessionAtParent(env, id, 'Guestbook', 'label="", ram_quota=1024, cap_quota=2');
    } catch (error) {
      await env.log(`${(error as Error).name}: ${(error as Error).message}`);
    }
    await env.parent.exit(0);
  },
};

describe(`the guestbook of docs/writing-a-server.md on ${kernel}`, () => {
  it('serves the visitor as its policy allows and denies a label without a policy', async () => {
    const run = await runSystem({ config, directory, kernel });
    expect(run.lines).toEqual([
      '[init -> visitor] ada signed as entry 1',
      '[init -> visitor] grace signed as entry 2',
      '[init -> visitor] edsger could not sign: your policy allows 2 entries',
      '[init -> visitor] the book: ada, grace',
      '[init -> visitor] ServiceDenied: Guestbook: no policy matches label "visitor -> intruder" in ROM "config" ' +
        'and there is no <default-policy>',
    ]);
    expect(run.exit).toBe(0);
  });

  it('refuses a donation that does not cover a session, naming the service, the label and the amounts', async () => {
    const withCheapskate = config
      .replace('<policy label="visitor" entries="2"/>', '<default-policy/>')
      .replace('<binary name="visitor.mjs"/>', '<binary name="cheapskate"/>');
    const run = await runSystem({ config: withCheapskate, directory, kernel, binaries: { cheapskate } });
    expect(run.lines).toEqual([
      '[init -> visitor] InsufficientRamQuota: Guestbook "visitor": a Guestbook session needs 4K of RAM ' +
        '(a page for the entries), the request donated 1K',
    ]);
  });
});

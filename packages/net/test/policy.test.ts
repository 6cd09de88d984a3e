import { describe, expect, it } from 'vitest';
import { Net, type NetError } from '../src/index.js';
import { connectPolicy, freePort, kernel, runWithNet } from './fixtures.js';

function describeError(error: unknown): string {
  return `${(error as Error).name} (${(error as NetError).kind}): ${(error as Error).message}`;
}

describe(`the net server's policies on ${kernel.name}`, () => {
  it('refuses a connect its policy does not allow, in the client error and the LOG', async () => {
    const run = await runWithNet(connectPolicy('8883'), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env);
          await env.log(describeError(await net.connect({ host: '127.0.0.1', port: 80 }).catch((e: unknown) => e)));
          await env.log(describeError(await net.connect({ host: 'localhost', port: 8883 }).catch((e: unknown) => e)));
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toEqual([
      '[init -> net] Warning: denied connect of "client" to 127.0.0.1:80: not in the policy at net config line 1',
      '[init -> client] PolicyDenied (denied): connect to 127.0.0.1:80 denied: the policy at net config line 1 for ' +
        '"client" allows connect to 127.0.0.1:8883 only',
      '[init -> net] Warning: denied connect of "client" to localhost:8883: not in the policy at net config line 1',
      '[init -> client] PolicyDenied (denied): connect to localhost:8883 denied: the policy at net config line 1 ' +
        'for "client" allows connect to 127.0.0.1:8883 only',
    ]);
  });

  it('refuses a listen its policy does not allow, in the client error and the LOG', async () => {
    const port = await freePort();
    const run = await runWithNet(connectPolicy('1000-2000'), {
      client: {
        async run(env) {
          const net = await Net.Connection.open(env, { listeners: 1 });
          await env.log(describeError(await net.listen({ port }).catch((e: unknown) => e)));
          await env.parent.exit(0);
        },
      },
    });
    expect(run.lines).toEqual([
      `[init -> net] Warning: denied listen of "client" on port ${port}: not in the policy at net config line 1`,
      `[init -> client] PolicyDenied (denied): listen on port ${port} denied: the policy at net config line 1 for ` +
        '"client" allows no listen at all',
    ]);
  });

  it('denies a session whose label has no policy, in the client error and the LOG', async () => {
    const run = await runWithNet(connectPolicy('*', 'somebody else'), {
      client: {
        async run(env) {
          await env.log(describeError(await Net.Connection.open(env).catch((e: unknown) => e)));
          await env.parent.exit(0);
        },
      },
    });
    const refusal = 'Net: no policy matches label "client" in ROM "config" and there is no <default-policy>';
    expect(run.lines).toEqual([
      `[init -> net] Warning: denied Net session "client": ${refusal}`,
      `[init -> client] ServiceDenied (DENIED): ${refusal}`,
    ]);
  });
});

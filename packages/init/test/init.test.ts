import { InitConfigError, init, initConfig } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import { AttachedRomDataspace, type ComponentModule, type Env, ROM_SESSION_RAM } from '@os/runtime';
import { PD_SESSION_CAPS, binaryTable, boot } from '@os/runtime/host';
import { Connection } from '@os/session';
import { TIMER_SESSION_CAPS, TIMER_SESSION_RAM, Timer, TimerSession, timerDriver } from '@os/timer';
import { describe, expect, it } from 'vitest';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

/** The routing every test system shares: LOG, ROM and PD from the parent, Timer from the sibling "timer". */
const common = `
  <parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/></parent-provides>
  <default-route>
    <service name="Timer"><child name="timer"/></service>
    <any-service><parent/></any-service>
  </default-route>
  <start name="timer" ram="1M" caps="50"><provides><service name="Timer"/></provides></start>`;

/**
 * Boots init with `<config>` holding `common` and `starts`, and the given binaries beside the timer driver, on virtual
 * time.
 */
async function system(starts: string, binaries: Record<string, ComponentModule>) {
  const config = new TextEncoder().encode(`<config>${common}
${starts}
</config>`);
  return boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, ...binaries }),
      roms: new Map([['config', config]]),
    },
    { kernel: createKernel, clock: new VirtualClock(3) },
  );
}

const quotaLine = (env: Env, when: string) => {
  const quota = env.pd.quota();
  return env.log(`${when}: ram ${quota.ramLimit} caps ${quota.capLimit}`);
};

describe('init', () => {
  it('ends only the child whose binary cannot be started (as a fault would); the children after it start', async () => {
    const hello: ComponentModule = {
      async construct(env) {
        await env.log('started');
        await env.parent.exit(0);
      },
    };
    const booted = await system(
      `<start name="broken" ram="64K" caps="20"><binary name="missing"/></start>
       <start name="hello" ram="64K" caps="20"><exit propagate="yes"/></start>`,
      { hello },
    );
    expect(await booted.exit).toBe(0);
    expect(booted.lines).toEqual([
      '[init] Error: StartFailed: cannot start "broken": no binary "missing" (known: init, timer, hello)',
      '[init] child "broken" exited with exit value 1',
      '[init -> hello] started',
    ]);
  });

  it(
    'reads a config of 600 KiB (its ROM session upgrades its donation by doubling steps) and starts what it ' + 'names',
    async () => {
      const hello: ComponentModule = {
        async construct(env) {
          await env.log('started');
          await env.parent.exit(0);
        },
      };
      const padding = `<!-- ${'x'.repeat(600 * 1024)} -->`;
      const booted = await system(`${padding}<start name="hello" ram="64K" caps="20"><exit propagate="yes"/></start>`, {
        hello,
      });
      expect(await booted.exit).toBe(0);
      expect(booted.lines).toEqual(['[init -> hello] started']);
    },
  );

  it(
    'lends each child its RAM and caps; a session donation leaves the client and comes back on close, to the ' + 'byte',
    async () => {
      const client: ComponentModule = {
        async construct(env) {
          await env.log('start');
          await quotaLine(env, 'before');
          const timer = await Timer.Connection.open(env);
          await quotaLine(env, 'during');
          await timer.close();
          await quotaLine(env, 'after');
          await env.parent.exit(0);
        },
      };
      const booted = await system('<start name="client" ram="100000" caps="20"><exit propagate="yes"/></start>', {
        client,
      });
      expect(await booted.exit).toBe(0);
      // the child's caps: its start entry's, less its PD session's own (taken by core) and its LOG session's
      const logSession = { ram: 0, caps: 1 };
      const caps = 20 - PD_SESSION_CAPS - logSession.caps;
      expect(booted.lines).toEqual([
        '[init -> client] start',
        `[init -> client] before: ram ${100_000 - logSession.ram} caps ${caps}`,
        `[init -> client] during: ram ${100_000 - TIMER_SESSION_RAM} caps ${caps - TIMER_SESSION_CAPS}`,
        `[init -> client] after: ram ${100_000} caps ${caps}`,
      ]);
    },
  );

  it('a donation below what the server needs is raised by 4096 bytes until it suffices', async () => {
    const client: ComponentModule = {
      async construct(env) {
        const session = await Connection.openSession(env, TimerSession, {
          service: 'Timer',
          ram: 0,
          caps: TIMER_SESSION_CAPS,
        });
        await env.log(`donated ${session.ram} bytes`);
        await env.parent.exit(0);
      },
    };
    const booted = await system('<start name="client" ram="100000" caps="20"><exit propagate="yes"/></start>', {
      client,
    });
    expect(await booted.exit).toBe(0);
    expect(booted.lines).toEqual([`[init -> client] donated ${TIMER_SESSION_RAM} bytes`]);
  });

  it('a child that throws in construct is reported and the others keep running', async () => {
    const broken: ComponentModule = {
      construct() {
        throw new Error('no config');
      },
    };
    const ticker: ComponentModule = {
      async construct(env) {
        const timer = await Timer.Connection.open(env);
        await timer.msleep(2000);
        await env.log(`still here after ${await timer.elapsedMs()} ms`);
        await env.parent.exit(0);
      },
    };
    const booted = await system(
      '<start name="broken" ram="100000" caps="20"/><start name="ticker" ram="100000" caps="20"><exit ' +
        'propagate="yes"/></start>',
      { broken, ticker },
    );
    expect(await booted.exit).toBe(0);
    expect(booted.lines).toEqual([
      '[init -> broken] Error: broken: construct failed: Error: no config',
      '[init] child "broken" exited with exit value 1',
      '[init -> ticker] still here after 2000 ms',
    ]);
  });

  it(
    'a route to a child that is not in the config fails init with a message naming the child and the ' + 'fix',
    async () => {
      const booted = await system(
        '<start name="hello" ram="100000" caps="20">\n<route><service name="Timer"><child ' +
          'name="nowhere"/></service></route></start>',
        {},
      );
      expect(await booted.exit).toBe(1);
      expect(booted.lines).toEqual([
        '[init] Error: init: construct failed: InitConfigError: init config:9: <start name="hello">: <service ' +
          'name="Timer">: routes to child "nowhere", which is not in this config (known: timer, hello)',
      ]);
    },
  );

  it('a request for a service nobody provides is denied with the service named', async () => {
    const client: ComponentModule = {
      async construct(env) {
        try {
          await Timer.Connection.open(env);
        } catch (error) {
          await env.log(`${(error as Error).name}: ${(error as Error).message}`);
        }
        await env.parent.exit(3);
      },
    };
    const booted = await system(
      '<start name="client" ram="100000" caps="20"><route><any-service><parent/></any-service></route><exit ' +
        'propagate="yes"/></start>',
      { client },
    );
    expect(await booted.exit).toBe(3);
    expect(booted.lines).toEqual([
      '[init] Warning: client: no route to service "Timer" (label="client")',
      '[init -> client] ServiceDenied: client: no route to service "Timer" (label="client")',
    ]);
  });
});

describe("init, a child's <config>", () => {
  it(
    'serves the start entry\'s config as the child\'s "config" ROM, paid from the donation and returned on ' + 'close',
    async () => {
      const reader: ComponentModule = {
        async construct(env) {
          await env.log('reading');
          const before = env.pd.quota();
          const rom = await AttachedRomDataspace.open(env, 'config');
          const during = env.pd.quota();
          const node = rom.xml();
          await env.log(`${node.type} greeting="${node.stringAttribute('greeting', '?')}" source=${rom.text()}`);
          await env.log(
            `donated ${before.ramLimit - during.ramLimit} bytes, ${before.capLimit - during.capLimit} caps`,
          );
          await rom.close();
          const after = env.pd.quota();
          await env.log(
            `after close: ram ${after.ramLimit === before.ramLimit} caps ${after.capLimit === before.capLimit}`,
          );
          await env.parent.exit(0);
        },
      };
      const config = '<config greeting="hi &amp; bye">\n  <sub/>\n</config>';
      const booted = await system(`<start name="reader" ram="1M" caps="20">${config}<exit propagate="yes"/></start>`, {
        reader,
      });
      expect(await booted.exit).toBe(0);
      expect(booted.lines).toEqual([
        '[init -> reader] reading',
        `[init -> reader] config greeting="hi & bye" source=${config.split('\n')[0]}`,
        `[init -> reader]   <sub/>`,
        `[init -> reader] </config>`,
        `[init -> reader] donated ${ROM_SESSION_RAM} bytes, 2 caps`,
        '[init -> reader] after close: ram true caps true',
      ]);
    },
  );

  it('rejects a config that is not a <config> element, naming the child and the line', () => {
    expect(() => initConfig({ children: [{ name: 'a', ram: 1, caps: 1, config: '<config>\n<x></config>' }] })).toThrow(
      new InitConfigError(
        'init config: children[0] ("a").config:2: Expected closing tag \'x\' (opened in line 2, col 1) instead of ' +
          "closing tag 'config'.",
      ),
    );
    expect(() => initConfig({ children: [{ name: 'a', ram: 1, caps: 1, config: '<settings/>' }] })).toThrow(
      'init config: children[0] ("a").config: must be a <config> element, not <settings>',
    );
    expect(() => initConfig({ children: [{ name: 'a', ram: 1, caps: 1, config: 5 }] })).toThrow(
      /config: must be XML text/,
    );
  });
});

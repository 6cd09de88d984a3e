import { describe, expect, it } from 'vitest';
import { readInitConfig } from '../src/index.js';

/** The message `readInitConfig` refuses `body` (inside <config>) with. */
function refusal(body: string): string {
  const text = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
${body}
</config>`;
  try {
    readInitConfig(text, 'system.xml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('suggestions in config errors are right or absent', () => {
  it('an element a letter swap away from a known one', () => {
    expect(refusal('  <strat name="x"/>')).toBe(
      'system.xml:6: <strat>: unknown element inside <config>; did you mean <start>? (known: <parent-provides>, ' +
        '<default-route>, <default>, <start>, <service>, <report>, <heartbeat>, <resource>)',
    );
  });

  it('an attribute with a letter too many', () => {
    expect(refusal('  <start name="app" ramm="1M"> <binary name="x"/> </start>')).toBe(
      'system.xml:6: <start>: unknown attribute "ramm"; did you mean "ram"? (known: name, caps, ram, version, ' +
        'priority, ld)',
    );
  });

  it('nothing when no known name is close', () => {
    expect(refusal('  <frobnicate/>')).toBe(
      'system.xml:6: <frobnicate>: unknown element inside <config> (known: <parent-provides>, <default-route>, ' +
        '<default>, <start>, <service>, <report>, <heartbeat>, <resource>)',
    );
  });

  it(
    'a route to a child by a typo of the service it provides suggests that service, not a <provides> for the ' + 'typo',
    () => {
      const message = refusal(
        '  <start name="app"> <route> <service name="Timr"> <child name="timer"/> </service> </route> </start>',
      );
      expect(message).toMatch(
        /routes to child "timer", which does not provide "Timr" \(did you mean "Timer", which it provides\?\)$/,
      );
      expect(message).not.toContain('<provides>');
    },
  );

  it('a route to a child for a service far from what it provides still says how to add it', () => {
    expect(
      refusal('  <start name="app"> <route> <service name="Nic"> <child name="timer"/> </service> </route> </start>'),
    ).toMatch(/which does not provide "Nic" \(add <provides><service name="Nic"\/><\/provides> to its start entry\)$/);
  });
});

import { NoPolicyDefined, SessionPolicy, XmlNode } from '@os/runtime';
import { ServiceDenied, SessionLabel } from '@os/session';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ORIGIN = 'ROM "config" of log_server';

/** A server's `<config>` holding `policies`; each policy names itself with `id` so a test can tell which was picked. */
function serverConfig(...policies: string[]): XmlNode {
  return XmlNode.parse(`<config>\n${policies.map((policy) => `  ${policy}`).join('\n')}\n</config>`, ORIGIN);
}

/**
 * The `id` of the policy `SessionPolicy.find` picks for `label`, the type for a `<default-policy>`, `null` for none.
 */
function picked(label: string | SessionLabel, config: XmlNode): string | null {
  const node = SessionPolicy.find(label, config);
  if (node === null) return null;
  return node.type === 'policy' ? (node.attribute('id') ?? '(policy without id)') : node.type;
}

describe('SessionPolicy.find', () => {
  it('prefers an exact label to a label_prefix, whichever comes first', () => {
    const prefixFirst = serverConfig(
      '<policy id="prefix" label_prefix="app -> log"/>',
      '<policy id="exact" label="app -> log"/>',
    );
    const exactFirst = serverConfig(
      '<policy id="exact" label="app -> log"/>',
      '<policy id="prefix" label_prefix="app -> log"/>',
    );
    expect(picked('app -> log', prefixFirst)).toBe('exact');
    expect(picked('app -> log', exactFirst)).toBe('exact');
  });

  it('prefers the longer label_prefix, whichever comes first', () => {
    const short = '<policy id="short" label_prefix="app"/>';
    const long = '<policy id="long" label_prefix="app -> "/>';
    expect(picked('app -> log', serverConfig(short, long))).toBe('long');
    expect(picked('app -> log', serverConfig(long, short))).toBe('long');
    // the longer prefix does not match this label, so the shorter one is all there is
    expect(picked('apple', serverConfig(short, long))).toBe('short');
  });

  it('prefers any label_prefix to a label_suffix alone, even a longer suffix', () => {
    const config = serverConfig(
      '<policy id="suffix" label_suffix="pp -> log"/>',
      '<policy id="prefix" label_prefix="a"/>',
    );
    expect(picked('app -> log', config)).toBe('prefix');
  });

  it('prefers the longer label_suffix, whichever comes first', () => {
    const short = '<policy id="short" label_suffix="log"/>';
    const long = '<policy id="long" label_suffix="-> log"/>';
    expect(picked('app -> log', serverConfig(short, long))).toBe('long');
    expect(picked('app -> log', serverConfig(long, short))).toBe('long');
    expect(picked('catalog', serverConfig(short, long))).toBe('short');
  });

  it('with equal prefixes prefers the one that also has a matching suffix', () => {
    const config = serverConfig(
      '<policy id="prefix" label_prefix="app"/>',
      '<policy id="both" label_prefix="app" label_suffix="log"/>',
    );
    expect(picked('app -> log', config)).toBe('both');
  });

  it('keeps the first of two equally good policies', () => {
    const config = serverConfig('<policy id="first" label_prefix="app"/>', '<policy id="second" label_prefix="app"/>');
    expect(picked('app -> log', config)).toBe('first');
  });

  it('takes a policy with several label attributes only when all of them match', () => {
    const fallback = '<policy id="fallback" label_prefix="app"/>';
    expect(
      picked('app -> log', serverConfig(fallback, '<policy id="all" label_prefix="app -> " label_suffix="log"/>')),
    ).toBe('all');
    // the longer prefix matches but the suffix conflicts: the policy is out, however long its prefix
    expect(
      picked(
        'app -> log',
        serverConfig(fallback, '<policy id="conflict" label_prefix="app -> log" label_suffix="rom"/>'),
      ),
    ).toBe('fallback');
    // an exact label that matches does not save a policy whose prefix conflicts
    expect(
      picked('app -> log', serverConfig(fallback, '<policy id="conflict" label="app -> log" label_prefix="other"/>')),
    ).toBe('fallback');
    expect(
      picked('app -> log', serverConfig('<policy id="conflict" label="app -> rom" label_suffix="log"/>')),
    ).toBeNull();
  });

  it('falls back to <default-policy> only when no <policy> matches, wherever it stands', () => {
    const config = serverConfig('<default-policy root="/"/>', '<policy id="app" label_prefix="app"/>');
    expect(picked('app -> log', config)).toBe('app');
    expect(picked('other -> log', config)).toBe('default-policy');
    expect(SessionPolicy.find('other -> log', config)?.attribute('root')).toBe('/');
  });

  it('never matches a <policy> that has no label, label_prefix or label_suffix', () => {
    const bare = '<policy id="bare" root="/"/>';
    expect(picked('app -> log', serverConfig(bare))).toBeNull();
    expect(picked('', serverConfig(bare))).toBeNull();
    expect(picked('app -> log', serverConfig(bare, '<default-policy/>'))).toBe('default-policy');
  });

  it('ignores sub nodes other than <policy> and <default-policy>', () => {
    expect(picked('app', serverConfig('<rule id="rule" label="app"/>'))).toBeNull();
  });

  it('returns null when no <policy> matches and there is no <default-policy>', () => {
    expect(
      SessionPolicy.find(
        'other -> log',
        serverConfig('<policy id="app" label_prefix="app"/>', '<policy id="exact" label="app -> log"/>'),
      ),
    ).toBeNull();
    expect(SessionPolicy.find('app -> log', serverConfig())).toBeNull();
  });

  it('takes the label as a string or as a SessionLabel', () => {
    const config = serverConfig('<policy id="log" label="app -> log"/>', '<policy id="app" label_prefix="app"/>');
    expect(picked(new SessionLabel('app -> log'), config)).toBe('log');
    expect(picked(SessionLabel.prefixed('app', 'log'), config)).toBe('log');
    expect(picked(SessionLabel.prefixed('app', 'rom'), config)).toBe('app');
    expect(picked(new SessionLabel('other'), config)).toBeNull();
  });

  it('ignores whitespace around attribute values and around the label', () => {
    expect(picked('app -> log', serverConfig('<policy id="exact" label="  app -> log "/>'))).toBe('exact');
    expect(picked('app -> log', serverConfig('<policy id="prefix" label_prefix=" app "/>'))).toBe('prefix');
    expect(picked('app -> log', serverConfig('<policy id="suffix" label_suffix="  log"/>'))).toBe('suffix');
    expect(picked('  app -> log ', serverConfig('<policy id="exact" label="app -> log"/>'))).toBe('exact');
    expect(picked(new SessionLabel(' app -> log'), serverConfig('<policy id="exact" label="app -> log"/>'))).toBe(
      'exact',
    );
  });

  it('measures a prefix by its trimmed length', () => {
    // "   a   " is one character once trimmed, so "ap" is the longer prefix
    const config = serverConfig('<policy id="padded" label_prefix="   a   "/>', '<policy id="ap" label_prefix="ap"/>');
    expect(picked('app -> log', config)).toBe('ap');
  });

  it('matches an empty label_prefix or label_suffix against any label, but weaker than a non-empty one', () => {
    expect(picked('anything', serverConfig('<policy id="empty" label_prefix=""/>'))).toBe('empty');
    expect(picked('anything', serverConfig('<policy id="empty" label_suffix=""/>'))).toBe('empty');
    expect(
      picked('anything', serverConfig('<policy id="empty" label_prefix=""/>', '<policy id="a" label_prefix="a"/>')),
    ).toBe('a');
  });

  // Genode's Node_label_score::stronger: once the best so far has a `label` attribute, no later
  // policy is stronger (`if (other.label_present) return false;`), so of two policies with the same
  // matching exact label the first wins.
  it('keeps the first of two policies that both match by exact label, as Genode does', () => {
    const config = serverConfig(
      '<policy id="first" label="app -> log"/>',
      '<policy id="second" label="app -> log" label_suffix="log"/>',
    );
    expect(picked('app -> log', config)).toBe('first');
  });
});

describe('SessionPolicy.select', () => {
  it('returns the node find picks', () => {
    const config = serverConfig('<policy id="app" label_prefix="app" writeable="yes"/>', '<default-policy/>');
    const policy = SessionPolicy.select('app -> log', config);
    expect([policy.type, policy.attribute('id'), policy.booleanAttribute('writeable', false), policy.line]).toEqual([
      'policy',
      'app',
      true,
      2,
    ]);
    expect(SessionPolicy.select('other', config).type).toBe('default-policy');
  });

  it('denies a label no policy matches with NoPolicyDefined, a ServiceDenied naming the label and the config', () => {
    const config = serverConfig('<policy id="app" label_prefix="app"/>');
    let thrown: unknown;
    try {
      SessionPolicy.select('other -> log', config);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NoPolicyDefined);
    expect(thrown).toBeInstanceOf(ServiceDenied);
    expect((thrown as ServiceDenied).kind).toBe('DENIED');
    expect((thrown as Error).message).toBe(
      'no policy matches label "other -> log" in ROM "config" of log_server and there is no <default-policy>',
    );
  });

  it('names a SessionLabel by its text', () => {
    expect(() => SessionPolicy.select(SessionLabel.prefixed('client', 'rom'), serverConfig())).toThrow(
      new NoPolicyDefined(
        'no policy matches label "client -> rom" in ROM "config" of log_server and there is no <default-policy>',
      ),
    );
  });
});

/** One `<policy>` of a generated config: each label attribute present or not. */
interface PolicySpec {
  readonly label?: string;
  readonly prefix?: string;
  readonly suffix?: string;
}

/** Genode's Node_label_score, written from session_policy.h as the reference. */
interface ReferenceScore {
  readonly labelPresent: boolean;
  readonly prefixPresent: boolean;
  readonly suffixPresent: boolean;
  readonly labelMatch: boolean;
  /** Matched characters + 1; 0 is a conflict. */
  readonly prefixMatch: number;
  readonly suffixMatch: number;
}

function referenceScore(spec: PolicySpec, rawLabel: string): ReferenceScore {
  const label = rawLabel.trim();
  const prefix = spec.prefix?.trim();
  const suffix = spec.suffix?.trim();
  return {
    labelPresent: spec.label !== undefined,
    prefixPresent: prefix !== undefined,
    suffixPresent: suffix !== undefined,
    labelMatch: spec.label !== undefined && spec.label.trim() === label,
    prefixMatch: prefix !== undefined && label.startsWith(prefix) ? prefix.length + 1 : 0,
    suffixMatch: suffix !== undefined && label.endsWith(suffix) ? suffix.length + 1 : 0,
  };
}

function conflict(score: ReferenceScore): boolean {
  return (
    (score.labelPresent && !score.labelMatch) ||
    (score.prefixPresent && score.prefixMatch === 0) ||
    (score.suffixPresent && score.suffixMatch === 0)
  );
}

function matches(score: ReferenceScore): boolean {
  return (score.labelPresent || score.prefixPresent || score.suffixPresent) && !conflict(score);
}

/** Node_label_score::stronger for two matching policies. */
function strictlyStronger(a: ReferenceScore, b: ReferenceScore): boolean {
  if (a.labelPresent !== b.labelPresent) return a.labelPresent;
  if (b.labelPresent) return false;
  if (a.prefixPresent !== b.prefixPresent) return a.prefixPresent;
  if (a.prefixMatch !== b.prefixMatch) return a.prefixMatch > b.prefixMatch;
  if (a.suffixPresent !== b.suffixPresent) return a.suffixPresent;
  return a.suffixMatch > b.suffixMatch;
}

describe('SessionPolicy.find on random policy sets', () => {
  const text = (maxLength: number) => fc.string({ unit: fc.constantFrom('a', 'b', '-'), maxLength });
  const padded = fc
    .tuple(fc.constantFrom('', ' ', '  '), text(3), fc.constantFrom('', ' '))
    .map(([before, value, after]) => `${before}${value}${after}`);
  const policySpec: fc.Arbitrary<PolicySpec> = fc.record(
    { label: padded, prefix: padded, suffix: padded },
    { requiredKeys: [] },
  );
  const attributes = (spec: PolicySpec): string =>
    [
      spec.label === undefined ? '' : ` label="${spec.label}"`,
      spec.prefix === undefined ? '' : ` label_prefix="${spec.prefix}"`,
      spec.suffix === undefined ? '' : ` label_suffix="${spec.suffix}"`,
    ].join('');

  it('picks a matching policy that no other matching policy beats, else the default, else none', () => {
    fc.assert(
      fc.property(fc.array(policySpec, { maxLength: 8 }), fc.boolean(), text(5), (specs, withDefault, label) => {
        const policies = specs.map((spec, index) => `<policy n="${index}"${attributes(spec)}/>`);
        const config = serverConfig(...policies, ...(withDefault ? ['<default-policy/>'] : []));
        const scores = specs.map((spec) => referenceScore(spec, label));
        const matching = scores.flatMap((score, index) => (matches(score) ? [index] : []));
        const chosen = SessionPolicy.find(label, config);
        if (matching.length === 0) {
          expect(chosen?.type ?? null).toBe(withDefault ? 'default-policy' : null);
          return;
        }
        expect(chosen?.type).toBe('policy');
        const index = Number(chosen?.attribute('n'));
        expect(matching).toContain(index);
        const best = scores[index] as ReferenceScore;
        const stronger = matching.filter((other) => strictlyStronger(scores[other] as ReferenceScore, best));
        expect(stronger).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});

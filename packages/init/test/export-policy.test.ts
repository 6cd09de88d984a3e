import { type LabelMatch, type ServicePolicy, selectPolicy } from '@os/init';
import { describe, expect, it } from 'vitest';

/** A `<policy>` whose serving child is named `child`, so a test can tell which one was picked. */
function policy(child: string, match: LabelMatch): ServicePolicy {
  return { match, child, line: 0 };
}

/** A `<default-policy>` served by `child`. */
function defaultPolicy(child: string): ServicePolicy {
  return { child, line: 0 };
}

/** The child of the policy `selectPolicy` picks for `label`, or `null`. */
function picked(policies: readonly ServicePolicy[], label: string): string | null {
  return selectPolicy(policies, label)?.child ?? null;
}

describe('selectPolicy', () => {
  it('prefers an exact label to a label_prefix, whichever comes first', () => {
    const exact = policy('exact', { label: 'app -> log' });
    const prefix = policy('prefix', { labelPrefix: 'app -> log' });
    expect(picked([prefix, exact], 'app -> log')).toBe('exact');
    expect(picked([exact, prefix], 'app -> log')).toBe('exact');
    expect(picked([exact, prefix], 'app -> log2')).toBe('prefix');
  });

  it('prefers the longer label_prefix, whichever comes first', () => {
    const short = policy('short', { labelPrefix: 'app' });
    const long = policy('long', { labelPrefix: 'app -> ' });
    expect(picked([short, long], 'app -> log')).toBe('long');
    expect(picked([long, short], 'app -> log')).toBe('long');
    expect(picked([long, short], 'apple')).toBe('short');
  });

  it('matches a label_suffix at the end of the label and prefers the longer one', () => {
    const short = policy('short', { labelSuffix: 'log' });
    const long = policy('long', { labelSuffix: '-> log' });
    expect(picked([short], 'app -> log')).toBe('short');
    expect(picked([short], 'app -> logger')).toBeNull();
    expect(picked([short, long], 'app -> log')).toBe('long');
    expect(picked([long, short], 'app -> log')).toBe('long');
    expect(picked([long, short], 'catalog')).toBe('short');
  });

  it('matches a label_last against the last element of the label only', () => {
    const last = policy('last', { labelLast: 'log' });
    expect(picked([last], 'app -> log')).toBe('last');
    expect(picked([last], 'init -> app -> log')).toBe('last');
    expect(picked([last], 'log')).toBe('last');
    expect(picked([last], 'app -> catalog')).toBeNull();
    expect(picked([last], 'log -> app')).toBeNull();
  });

  it('prefers a label_prefix to a label_suffix or label_last of the same length', () => {
    const prefix = policy('prefix', { labelPrefix: 'log' });
    expect(picked([policy('suffix', { labelSuffix: 'log' }), prefix], 'log -> log')).toBe('prefix');
    expect(picked([policy('last', { labelLast: 'log' }), prefix], 'log -> log')).toBe('prefix');
  });

  it('keeps the first of two equally good policies', () => {
    expect(
      picked([policy('first', { labelPrefix: 'app' }), policy('second', { labelPrefix: 'app' })], 'app -> log'),
    ).toBe('first');
    expect(picked([policy('first', { label: 'app' }), policy('second', { label: 'app' })], 'app')).toBe('first');
    expect(picked([policy('suffix', { labelSuffix: 'log' }), policy('last', { labelLast: 'log' })], 'app -> log')).toBe(
      'suffix',
    );
  });

  it('falls back to the default policy only when no policy matches, wherever it stands', () => {
    const policies = [defaultPolicy('fallback'), policy('app', { labelPrefix: 'app' })];
    expect(picked(policies, 'app -> log')).toBe('app');
    expect(picked(policies, 'other -> log')).toBe('fallback');
    expect(selectPolicy(policies, 'other -> log')).toBe(policies[0]);
  });

  it('returns null when nothing matches and there is no default policy', () => {
    expect(
      selectPolicy([policy('app', { labelPrefix: 'app' }), policy('exact', { label: 'app -> log' })], 'other -> log'),
    ).toBeNull();
    expect(selectPolicy([], 'app -> log')).toBeNull();
  });

  it('returns the policy object itself', () => {
    const chosen = policy('exact', { label: 'app' });
    expect(selectPolicy([policy('prefix', { labelPrefix: 'a' }), chosen], 'app')).toBe(chosen);
  });

  // Genode's Node_label_score ranks any matching prefix above any suffix:
  // `if (prefix_present && !other.prefix_present) return true;`.
  it('prefers any label_prefix to a longer label_suffix, as Genode does', () => {
    expect(
      picked([policy('prefix', { labelPrefix: 'a' }), policy('suffix', { labelSuffix: 'log' })], 'app -> log'),
    ).toBe('prefix');
  });

  // The same bug with label_last: a last element longer than the prefix wins over it.
  it('prefers any label_prefix to a longer label_last', () => {
    expect(picked([policy('prefix', { labelPrefix: 'a' }), policy('last', { labelLast: 'log' })], 'app -> log')).toBe(
      'prefix',
    );
  });
});

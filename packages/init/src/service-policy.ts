import { SessionLabel } from '@os/session';
import type { LabelMatch, ServicePolicy } from './model.js';

/**
 * How well a policy's label condition fits `label`, as `[exact, prefix, suffix]` (lengths + 1); `null` when it does not
 * match.
 */
function score(match: LabelMatch | undefined, label: SessionLabel): readonly [number, number, number] | null {
  if (match === undefined) return null;
  if ('label' in match) return label.text === match.label ? [1, 0, 0] : null;
  if ('labelPrefix' in match)
    return label.text.startsWith(match.labelPrefix) ? [0, match.labelPrefix.length + 1, 0] : null;
  if ('labelSuffix' in match)
    return label.text.endsWith(match.labelSuffix) ? [0, 0, match.labelSuffix.length + 1] : null;
  return label.last() === match.labelLast ? [0, 0, match.labelLast.length + 1] : null;
}

/**
 * Whether `a` beats `b` (Genode's `Node_label_score::stronger`): an exact label, then any prefix (the longer), then the
 * longer suffix; ties keep the first.
 */
function stronger(a: readonly [number, number, number], b: readonly [number, number, number]): boolean {
  if (b[0] === 1) return false;
  if (a[0] !== b[0]) return a[0] > b[0];
  if (a[1] !== b[1]) return a[1] > b[1];
  return a[2] > b[2];
}

/**
 * The policy of an exported `<service>` that serves `label`, as Genode's `with_matching_policy`
 * picks it: an exact `label` first, then any `label_prefix` (the longest), then the longest suffix
 * (`label_last` counts as one, an addition of ours); the `<default-policy>` when none matches; `null`
 * when there is none either.
 */
export function selectPolicy(policies: readonly ServicePolicy[], label: string): ServicePolicy | null {
  const session = new SessionLabel(label);
  let best: { policy: ServicePolicy; score: readonly [number, number, number] } | null = null;
  for (const policy of policies) {
    const value = score(policy.match, session);
    if (value !== null && (best === null || stronger(value, best.score))) best = { policy, score: value };
  }
  return best?.policy ?? policies.find((policy) => policy.match === undefined) ?? null;
}

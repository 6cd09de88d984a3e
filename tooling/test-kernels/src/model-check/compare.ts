import { DestroyedError, type Selector } from '@os/kernel';
import { quotaState } from '../model/index.js';
import { attemptSync, describeError, same } from './divergence.js';
import type { Domain, World } from './world.js';
import { ODD_SELECTORS } from './world.js';

/**
 * Compares the kernel with the model after a step, for every live PD: its capability space entry
 * by entry (selector, object identity paired at creation, kind), which selectors its threads call
 * valid (every selector it ever held, and every selector any other PD holds now, so a reused or
 * foreign number is caught naming something not delegated to it), and its quota as both `Kernel`
 * and `KernelThread` report it. Then checks the model's own invariants: provenance, no dissolved
 * object held, badges, quota non-negative and conserved.
 */
export function compareWithModel(world: World): void {
  const { kernel, spec } = world;
  const foreign = new Set<Selector>(ODD_SELECTORS);
  for (const domain of world.slots)
    for (const selector of spec.pd(domain.model).space.selectors()) foreign.add(selector);
  for (const domain of world.slots) {
    const pd = spec.pd(domain.model);
    const label = `${world.name} ${domain.label}`;
    const entries = kernel.capSpace(domain.pd).map((entry) => {
      const object = world.objectIds.get(entry.object);
      if (object === undefined)
        world.fail(
          `${domain.label} holds kernel object ${entry.object} at ${entry.selector}, which no PD ever created`,
        );
      return [entry.selector, object, entry.kind] as const;
    });
    entries.sort(([x], [y]) => x - y);
    same(
      `${label} capability space [selector, object, kind]`,
      entries,
      pd.space.entries().map(([selector, object]) => [selector, object, spec.object(object).kind]),
    );
    const probes = new Set<Selector>(foreign);
    for (const selector of pd.space.everHeld()) probes.add(selector);
    const wrong: string[] = [];
    for (const selector of probes) {
      if (domain.infra.has(selector)) continue;
      const expected = spec.valid(domain.model, selector);
      if (domain.client.valid(selector) !== expected) wrong.push(`${selector} is ${expected ? 'invalid' : 'valid'}`);
    }
    if (wrong.length > 0) world.fail(`${domain.label}: valid() disagrees with the model: ${wrong.join(', ')}`);
    const account = quotaState(pd.quota);
    same(`${label} Kernel.quota`, kernel.quota(domain.pd), account);
    same(`${label} KernelThread.quota`, domain.client.quota(), account);
  }
  if (world.invariants) {
    const violations = spec.violations();
    if (violations.length > 0) world.fail(`the model's invariants broke: ${violations.join('; ')}`);
  }
}

/** Checks that a destroyed PD is gone for good: the privileged calls refuse it, its threads hold nothing. */
export function compareDestroyed(world: World, domain: Domain, formerSelectors: readonly Selector[]): void {
  const { kernel } = world;
  for (const [what, call] of [
    ['capSpace', () => kernel.capSpace(domain.pd)],
    ['quota', () => kernel.quota(domain.pd)],
    ['grantQuota', () => kernel.grantQuota(domain.pd, { caps: 1 })],
  ] as const) {
    const outcome = attemptSync<unknown>(call);
    if (outcome.ok || !(outcome.error instanceof DestroyedError)) {
      world.fail(
        `${what} of ` +
          (`destroyed ${domain.label} ${outcome.ok ? 'succeeded' : `threw ${describeError(outcome.error)}`}, ` +
            `expected DestroyedError`),
      );
    }
  }
  const stillValid = formerSelectors.filter(
    (selector) => domain.client.valid(selector) || domain.server.valid(selector),
  );
  if (stillValid.length > 0)
    world.fail(`destroyed ${domain.label} still calls selectors ${stillValid.join(', ')} valid`);
}

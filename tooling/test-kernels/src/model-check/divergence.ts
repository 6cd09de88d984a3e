import {
  CapSpaceExhaustedError,
  DestroyedError,
  InvalidCapabilityError,
  NotOwnerError,
  QuotaExceededError,
  WrongObjectKindError,
} from '@os/kernel';
import { type Prediction, type SeamErrorName, SpecViolation } from '../model/index.js';

/** A backend did something the specification does not allow (or the model caught a broken rule). */
export class Divergence extends Error {
  /** Creates the divergence; `message` says what was expected and what happened. */
  constructor(message: string) {
    super(message);
    this.name = 'Divergence';
  }
}

const ERROR_CLASSES: Record<SeamErrorName, abstract new (...args: never[]) => Error> = {
  InvalidCapabilityError,
  WrongObjectKindError,
  NotOwnerError,
  QuotaExceededError,
  CapSpaceExhaustedError,
  DestroyedError,
};

/** What an operation did: returned `value`, or threw `error`. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Runs `operation`, catching a throw or a rejection. */
export async function attempt<T>(operation: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await operation() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs a synchronous `operation`, catching a throw. */
export function attemptSync<T>(operation: () => T): Outcome<T> {
  try {
    return { ok: true, value: operation() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `error` as a short text: its class and message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function describePrediction(prediction: Prediction<unknown>): string {
  const parts: string[] = [];
  if (prediction.success !== null) parts.push('success');
  parts.push(...prediction.errors);
  return parts.join(' or ');
}

/**
 * Checks an outcome against a prediction: a refusal must be one of the predicted errors, success must
 * be allowed. Returns the value on success, `undefined` on an allowed refusal. A divergence or a
 * {@link SpecViolation} raised inside `operation` is passed on.
 */
export function judge<T>(what: string, prediction: Prediction<unknown>, outcome: Outcome<T>): { value: T } | undefined {
  if (outcome.ok) {
    if (prediction.success === null)
      throw new Divergence(`${what}: succeeded, but the model says ${describePrediction(prediction)}`);
    return { value: outcome.value };
  }
  const error = outcome.error;
  if (error instanceof Divergence || error instanceof SpecViolation) throw error;
  for (const name of prediction.errors) if (error instanceof ERROR_CLASSES[name]) return undefined;
  throw new Divergence(`${what}: threw ${describeError(error)}, but the model says ${describePrediction(prediction)}`);
}

/** Structural equality of plain data: primitives (NaN equals NaN), arrays and plain objects, key by key. */
export function equalData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys)
    if (!equalData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  return true;
}

/** Throws a divergence naming `what` unless `actual` equals `expected` as plain data. */
export function same(what: string, actual: unknown, expected: unknown): void {
  if (!equalData(actual, expected))
    throw new Divergence(`${what}: the kernel has ${JSON.stringify(actual)}, the model ${JSON.stringify(expected)}`);
}

/** Throws a divergence with `message` unless `condition` holds. */
export function ensure(condition: boolean, message: string): void {
  if (!condition) throw new Divergence(message);
}

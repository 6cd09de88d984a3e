import * as kernel from '@os/kernel';
import { DeadlockError, KernelError, QuotaExceededError, ThreadStateError, errorCode, hasErrorCode } from '@os/kernel';
import { describe, expect, it } from 'vitest';

type ErrorClass = (abstract new (...args: never[]) => Error) & { readonly code: string };

/** Every class @os/kernel exports whose instances are errors. */
function exportedErrorClasses(): [string, ErrorClass][] {
  const exports: Record<string, unknown> = kernel;
  return Object.entries(exports).filter((entry): entry is [string, ErrorClass] => {
    const value = entry[1];
    return typeof value === 'function' && (value as { readonly prototype: unknown }).prototype instanceof Error;
  });
}

describe('errorCode', () => {
  it('drops a trailing "Error", writes the rest in upper snake case and prefixes ERR_OS_', () => {
    expect(errorCode('QuotaExceededError')).toBe('ERR_OS_QUOTA_EXCEEDED');
    expect(errorCode('InvalidCapabilityError')).toBe('ERR_OS_INVALID_CAPABILITY');
    expect(errorCode('KernelError')).toBe('ERR_OS_KERNEL');
  });

  it('keeps names without the suffix whole', () => {
    expect(errorCode('ServiceDenied')).toBe('ERR_OS_SERVICE_DENIED');
    expect(errorCode('InsufficientRamQuota')).toBe('ERR_OS_INSUFFICIENT_RAM_QUOTA');
    expect(errorCode('ConformanceFailure')).toBe('ERR_OS_CONFORMANCE_FAILURE');
  });

  it('keeps acronyms and digits together as one word', () => {
    expect(errorCode('XMLParseError')).toBe('ERR_OS_XML_PARSE');
    expect(errorCode('Sel4CapFault')).toBe('ERR_OS_SEL4_CAP_FAULT');
  });

  it('does not strip a name that is only "Error"', () => {
    expect(errorCode('Error')).toBe('ERR_OS_ERROR');
  });
});

describe('error classes of @os/kernel', () => {
  it('each carry a distinct code', () => {
    const classes = exportedErrorClasses();
    expect(classes.map(([name]) => name)).toContain('QuotaExceededError');
    const codes = classes.map(([, errorClass]) => errorClass.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, errorClass] of classes) expect(errorClass.code).toBe(errorCode(name));
  });

  it('give each instance the code of its own class, not of the base', () => {
    const error = new QuotaExceededError('app', 'ram', 8192, 4096);
    expect(error.code).toBe('ERR_OS_QUOTA_EXCEEDED');
    expect(error.code).toBe(QuotaExceededError.code);
    expect(new DeadlockError(['a', 'a']).code).toBe(DeadlockError.code);
    expect(new ThreadStateError('no caller').code).toBe('ERR_OS_THREAD_STATE');
    expect(new KernelError('any').code).toBe('ERR_OS_KERNEL');
  });

  it('keep their names and messages', () => {
    const error = new QuotaExceededError('app', 'caps', 3, 1);
    expect(error.name).toBe('QuotaExceededError');
    expect(error.message).toBe('PD "app" is out of capability quota: needs 3, has 1 left; upgrade its quota');
  });
});

describe('hasErrorCode', () => {
  it('recognises an error of the class', () => {
    expect(hasErrorCode(new QuotaExceededError('app', 'ram', 1, 0), QuotaExceededError.code)).toBe(true);
    expect(hasErrorCode(new DeadlockError(['a', 'a']), QuotaExceededError.code)).toBe(false);
  });

  it('recognises a plain object carrying the code, as an error from another copy of the package', () => {
    expect(hasErrorCode({ code: 'ERR_OS_QUOTA_EXCEEDED', message: 'elsewhere' }, QuotaExceededError.code)).toBe(true);
  });

  it('refuses values that are not objects or have no such code', () => {
    for (const value of [undefined, null, 'ERR_OS_QUOTA_EXCEEDED', 42, new Error('plain'), { code: 'ERR_OS_KERNEL' }]) {
      expect(hasErrorCode(value, QuotaExceededError.code)).toBe(false);
    }
  });
});

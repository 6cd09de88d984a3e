import { CodedError } from '@os/kernel';

/**
 * A test system that cannot be set up as asked (an unknown kernel, a bad option); names the option and the fix. Its
 * code is `ERR_OS_TEST_SYSTEM`.
 */
export class TestSystemError extends CodedError {}

import { expect } from 'vitest';
import { AegisError } from '../../src/errors.js';

/** Runs `fn`, expecting it to throw an AegisError; returns it so a test can check code, field and fix. */
export function failure(fn: () => unknown): AegisError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AegisError);
    return err as AegisError;
  }
  throw new Error('expected an AegisError');
}

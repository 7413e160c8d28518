/**
 * One error type for everything a caller can get wrong or a dependency can fail at.
 * `field` names the input at fault and `fix` says what to do, so that the MCP layer can return an
 * actionable `isError` result and the CLI a one-line message with the right exit code.
 */
export type ErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'unavailable' | 'timeout' | 'vetoed' | 'internal';

export class AegisError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly fix?: string;

  constructor(code: ErrorCode, message: string, opts: { field?: string; fix?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AegisError';
    this.code = code;
    this.field = opts.field;
    this.fix = opts.fix;
  }

  /** Usage errors exit with 2 on the CLI; everything else with 1. */
  get isUsage(): boolean {
    return this.code === 'invalid_input';
  }

  toJSON(): { code: ErrorCode; message: string; field?: string; fix?: string } {
    return { code: this.code, message: this.message, field: this.field, fix: this.fix };
  }
}

export const invalidInput = (field: string, message: string, fix?: string): AegisError => new AegisError('invalid_input', message, { field, fix });

export const notFound = (message: string, fix?: string, field?: string): AegisError => new AegisError('not_found', message, { fix, field });

/** Renders an error as one or two lines a person can act on. */
export function describeError(err: unknown): string {
  if (err instanceof AegisError) {
    // A message that already starts with its field ("--work-dir /x does not exist") names it once.
    const where = err.field && !err.message.startsWith(err.field) ? `${err.field}: ` : '';
    return err.fix ? `${where}${err.message}\n  fix: ${err.fix}` : `${where}${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function toAegisError(err: unknown): AegisError {
  if (err instanceof AegisError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AegisError('internal', message, { cause: err });
}

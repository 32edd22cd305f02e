// Errors a user can act on. The CLI prints `message` (no stack trace) and exits with `exitCode`:
// 2 for bad input or usage (the default), 1 for a check that ran and failed.

export class UserError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 2) {
    super(message);
    this.name = 'UserError';
  }
}

/** A check that ran to completion and found the model/design wanting (exit code 1). */
export class CheckFailed extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'CheckFailed';
  }
}

/**
 * Domain errors. Each carries the HTTP status and Fleet's error `message`, plus the
 * `{name, reason}` list Fleet puts in `errors`; transports map them, never re-derive them.
 */
export type InvalidArg = { name: string; reason: string };

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'PAYMENT_REQUIRED'
  | 'CONFLICT'
  | 'RATE_LIMITED';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly httpStatus: number;
  /** Fleet's top-level `message` (a kind, not the detail). */
  abstract readonly fleetMessage: string;

  get invalid(): InvalidArg[] {
    return [{ name: 'base', reason: this.message }];
  }
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly httpStatus = 422;
  readonly fleetMessage = 'Validation Failed';
  readonly #invalid: InvalidArg[];

  constructor(invalid: InvalidArg[]) {
    super(invalid.map((i) => `${i.name}: ${i.reason}`).join('; '));
    this.#invalid = invalid;
  }

  static of(name: string, reason: string): ValidationError {
    return new ValidationError([{ name, reason }]);
  }

  override get invalid(): InvalidArg[] {
    return this.#invalid;
  }
}

/** Fleet's UserMessageError: a 4xx whose message is the HTTP status text. */
export class UnprocessableError extends DomainError {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly httpStatus = 422;
  readonly fleetMessage = 'Unprocessable Entity';
}

export class BadRequestError extends DomainError {
  readonly code = 'BAD_REQUEST' as const;
  readonly httpStatus = 400;
  readonly fleetMessage = 'Bad request';
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  readonly httpStatus = 404;
  readonly fleetMessage = 'Resource Not Found';

  constructor(type: string, key: string | number) {
    super(`${type} ${key} was not found in the datastore`);
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
  readonly httpStatus = 409;
  readonly fleetMessage = 'Resource Already Exists';
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  readonly httpStatus = 403;
  readonly fleetMessage = 'forbidden';

  constructor() {
    super('forbidden');
  }
}

export class LicenseError extends DomainError {
  readonly code = 'PAYMENT_REQUIRED' as const;
  readonly httpStatus = 402;
  readonly fleetMessage = 'Requires Fleet Premium license';

  constructor() {
    super('Requires Fleet Premium license');
  }
}

export class AuthHeaderRequiredError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  readonly httpStatus = 401;
  readonly fleetMessage = 'Authorization header required';

  constructor() {
    super('Authorization header required');
  }
}

export class AuthRequiredError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  readonly httpStatus = 401;
  readonly fleetMessage = 'Authentication required';

  constructor() {
    super('Authentication required');
  }
}

export class AuthFailedError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  readonly httpStatus = 401;
  readonly fleetMessage = 'Authentication failed';

  constructor() {
    super('Authentication failed');
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED' as const;
  readonly httpStatus = 429;
  readonly fleetMessage = 'Too Many Requests';

  constructor(readonly retryAfterSeconds: number) {
    super(`too many attempts, retry in ${retryAfterSeconds} seconds`);
  }
}

/** osquery's remote API answers `{"error", "node_invalid"}`; node_invalid makes the agent re-enroll. */
export class AgentAuthError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  readonly httpStatus = 401;
  readonly fleetMessage = 'Authentication required';
  readonly nodeInvalid = true;
}

/** Fleet's PermissionError: 403 "Permission Denied" with no field list. */
export class PermissionDeniedError extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  readonly httpStatus = 403;
  readonly fleetMessage = 'Permission Denied';

  override get invalid(): InvalidArg[] {
    return [];
  }
}

/**
 * The engine's error types. Each is small, sets `name`, and carries `cause`,
 * so the HTTP layer can map them to one JSON shape in one place.
 */

/** Redis answered a command with an error reply (`WRONGTYPE …`, `NOGROUP …`). */
export class RedisReplyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisReplyError";
  }
}

/**
 * The request never produced an answer we can trust: the connection dropped,
 * or the server answered something that is not the protocol. For a write, the
 * outcome is unknown. Callers must not retry blindly: redelivery settles it.
 */
export class TransportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransportError";
  }
}

/** An option or input was invalid. The message names what is wrong. */
export class ConfigError extends TypeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/**
 * Thrown by a handler to skip the remaining retries: the message goes to the
 * dead-letter stream at once.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentError";
  }
}

/**
 * Thrown by a handler to retry after a delay of its choosing (a rate limit's
 * Retry-After, say) instead of the function's backoff. The delay is capped at
 * `visibilityTimeoutMs`, unless the function has `delays: true`, which parks a
 * longer one in the delayed set. The attempt still counts as a delivery.
 */
export class RetryError extends Error {
  readonly delayMs: number;
  /** The whole function holds off for `delayMs` too, not only this message (a 429): see `ctx.slowDown`. */
  readonly slowFunction: boolean;
  constructor(message: string, options: ErrorOptions & { delayMs: number; slowFunction?: boolean }) {
    super(message, options);
    if (!Number.isFinite(options.delayMs) || options.delayMs < 0) throw new ConfigError(`RetryError: \`delayMs\` must be a number ≥ 0; got ${options.delayMs}`);
    this.name = "RetryError";
    this.delayMs = options.delayMs;
    this.slowFunction = options.slowFunction === true;
  }
}

/**
 * The run's subrequest budget, shared by Redis requests and handler fetches:
 * on Workers both count against one per-invocation limit.
 */
export class SubrequestBudgetError extends Error {
  constructor(limit: number) {
    super(`subrequest budget of ${limit} for this run is spent`);
    this.name = "SubrequestBudgetError";
  }
}

export class SubrequestBudget {
  #fetches = 0;
  constructor(
    /** A number, or what it is now when the run shares its invocation's budget by need (run/share.ts). */
    private readonly cap: number | (() => number),
    private readonly redisRequests: () => number,
  ) {}

  get limit(): number {
    return typeof this.cap === "number" ? this.cap : this.cap();
  }

  get fetches(): number {
    return this.#fetches;
  }

  get used(): number {
    return this.redisRequests() + this.#fetches;
  }

  /** Takes one subrequest for a handler fetch, keeping `reserved` for the commit that must follow. */
  take(reserved: number): void {
    this.ensureRoom(reserved);
    this.#fetches += 1;
  }

  /** Refuses unless one more Redis request fits and still leaves `reserved`; the request counts itself. */
  ensureRoom(reserved: number): void {
    if (this.used + 1 + reserved > this.limit) throw new SubrequestBudgetError(this.limit);
  }
}

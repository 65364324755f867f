/**
 * The bridge's one error type. Everything that should become an HTTP answer
 * other than 200 throws this, and `server.ts` turns it into the one JSON
 * shape Upstash uses: `{"error": "<message>"}`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "HttpError";
  }
}

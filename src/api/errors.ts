/**
 * One error shape for every answer that is not a success:
 * `{"error": {"code": "...", "message": "..."}}`. Handlers and middleware
 * throw `ApiError`; `onError` turns it, and every engine error, into that
 * shape. Clients never see a stack trace.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError, RedisReplyError, TransportError } from "../core/redis/errors.js";
import { ReplyShapeError } from "../core/redis/parse-replies.js";
import { ConsumerBusyError, PendingDroppedError } from "../core/dead-letters/safe-delete-consumer.js";

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(status, { message, cause: options?.cause });
    this.name = "ApiError";
  }
}

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/** Statuses Hono itself may throw, named like ours. */
const HONO_CODES: Partial<Record<number, string>> = {
  400: "invalid_request",
  401: "unauthorized",
  404: "not_found",
  413: "request_too_large",
  415: "unsupported_media_type",
};

/** Every error as the API answers it (partitioned writes fold several into one). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    return new ApiError(error.status as ContentfulStatusCode, HONO_CODES[error.status] ?? "http_error", error.message || "request refused");
  }
  if (error instanceof ConfigError) return new ApiError(503, "not_configured", error.message);
  if (error instanceof TransportError) return new ApiError(503, "redis_unavailable", error.message);
  if (error instanceof PendingDroppedError) return new ApiError(500, "pending_entries_dropped", error.message);
  if (error instanceof ConsumerBusyError) return new ApiError(409, "consumer_busy", error.message);
  if (error instanceof RedisReplyError || error instanceof ReplyShapeError) return new ApiError(502, "redis_error", error.message);
  return new ApiError(500, "internal_error", "internal error; see the Worker's logs");
}

export function onError(error: unknown, c: Context): Response {
  const e = toApiError(error);
  // A known failure (not configured, Redis unreachable) says all there is; an unexpected one needs its stack.
  const detail = e.code === "internal_error" && error instanceof Error ? (error.stack ?? error.message) : e.message;
  if (e.status >= 500) console.error(`cronsumer api: ${c.req.method} ${c.req.path}: ${e.code}: ${detail}`);
  return c.json(errorBody(e.code, e.message), e.status, e.headers);
}

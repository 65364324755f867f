/**
 * Turns a failed schema check into one 400 that names the parameter or field:
 * `query parameter "count": Too big: expected number to be <=1000`.
 * Routes with their own vocabulary (enqueue) pass their own hook.
 */
import type { Hook } from "@hono/zod-openapi";
import type { z } from "@hono/zod-openapi";
import type { ApiEnv } from "./context.js";
import { ApiError } from "./errors.js";

type Issue = z.core.$ZodIssue;

const WHERE: Record<string, string> = {
  param: "path parameter",
  query: "query parameter",
  json: "body field",
  header: "header",
};

/**
 * In a union, the branch that failed deepest explains the input: its shape
 * matched. When no branch stands out, the union's own message does.
 */
export function innermost(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  const depth = (branch: readonly Issue[]) => Math.max(...branch.map((i) => (i.code === "invalid_type" && i.path.length === 0 ? -1 : i.path.length)));
  const ranked = [...issue.errors].sort((a, b) => depth(b) - depth(a));
  if (ranked.length > 1 && depth(ranked[0]!) === depth(ranked[1]!)) return issue;
  const first = ranked[0]![0];
  return first ? innermost({ ...first, path: [...issue.path, ...first.path] } as Issue) : issue;
}

export function describeIssue(target: string, issue: Issue): string {
  const i = innermost(issue);
  const path = i.path.map(String).join(".");
  if (path === "") return target === "json" ? `body: ${i.message}` : `${WHERE[target] ?? target}: ${i.message}`;
  return `${WHERE[target] ?? target} ${JSON.stringify(path)}: ${i.message}`;
}

export const defaultHook: Hook<unknown, ApiEnv, string, undefined> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  throw new ApiError(400, "invalid_request", issue ? describeIssue(result.target, issue) : "invalid request");
};

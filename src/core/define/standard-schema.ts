/**
 * Typed payloads through Standard Schema (standardschema.dev): the one
 * interface zod, valibot and arktype all implement, so a function can check
 * its messages with any of them and the engine imports none. The types are
 * the spec's own, trimmed to what is used here, as the spec invites.
 */

export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly StandardIssue[] };

interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type Checked<T> = { ok: true; data: T } | { ok: false; error: string };

/** Checks a message's fields or JSON body; the error names every failing path, as a dead letter should. */
export async function checkValue<T>(schema: StandardSchemaV1<unknown, T>, value: unknown): Promise<Checked<T>> {
  const result = await schema["~standard"].validate(value);
  if (!result.issues) return { ok: true, data: result.value };
  const described = result.issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return { ok: false, error: `the message does not match the function's schema: ${described.join("; ")}`.slice(0, 1_000) };
}

/**
 * What the bridge forwards commands to: a real Redis over TCP
 * (`redis-backend.ts`) or the embedded engine (`../engine`). Both answer in
 * RESP2 shapes as the Upstash REST protocol carries them in JSON.
 */

export type Reply = string | number | null | Reply[];
/** One command's outcome. A Redis error reply is data, not an exception. */
export type Outcome = { result: Reply } | { error: string };

export interface Backend {
  /** One command. Rejects with `BackendUnavailableError` when the store cannot be reached. */
  command(argv: string[]): Promise<Outcome>;
  /**
   * Several commands, not atomic, in order; errors inline.
   * Rejects with `BackendUnavailableError` when the store cannot be reached.
   */
  pipeline(commands: string[][]): Promise<Outcome[]>;
  /**
   * MULTI … EXEC. If any command is rejected while queueing (unknown command,
   * wrong arity), nothing runs and the answer is `{ error: "EXECABORT …" }`.
   * Otherwise `{ results }`, with run-time errors inline.
   */
  transaction(commands: string[][]): Promise<{ results: Outcome[] } | { error: string }>;
  close(): Promise<void>;
}

export class BackendUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackendUnavailableError";
  }
}

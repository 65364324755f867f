/**
 * Error replies. A command fails by throwing `ReplyError` with Redis's exact
 * text (prefix included); the dispatcher turns it into `{ error }`. Messages
 * used by more than one command live here so tests can import them.
 */

export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyError";
  }
}

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
export const SYNTAX = "ERR syntax error";
export const NOT_INTEGER = "ERR value is not an integer or out of range";
export const INVALID_STREAM_ID = "ERR Invalid stream ID specified as stream command argument";
export const EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
export const XGROUP_NO_KEY =
  "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";

export function fail(message: string): never {
  throw new ReplyError(message);
}

/** `NOGROUP` as XCLAIM, XAUTOCLAIM and XPENDING word it. */
export function noGroup(key: string, group: string): never {
  fail(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}

/** `NOGROUP` as XGROUP and XINFO word it (group first). */
export function noSuchGroupForKey(group: string, key: string): never {
  fail(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
}

/** Redis's addReplySubcommandSyntaxError: names the subcommand as typed. */
export function subcommandSyntax(argv: readonly string[]): never {
  fail(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1] ?? ""}'. Try ${(argv[0] ?? "").toUpperCase()} HELP.`,
  );
}

/** `fullname` is lower case, with `|` for subcommands: 'xgroup|create'. */
export function arityError(fullname: string): never {
  fail(`ERR wrong number of arguments for '${fullname}' command`);
}

/** Redis cuts what it echoes back at 128 bytes and turns newlines into spaces. */
function echo(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  const cut = bytes.length > maxBytes ? bytes.subarray(0, Math.max(0, maxBytes)).toString() : text;
  return cut.replace(/[\r\n]/g, " ");
}

export function unknownCommandMessage(argv: readonly string[]): string {
  let args = "";
  for (let i = 1; i < argv.length && Buffer.byteLength(args) < 128; i++) {
    args += `'${echo(argv[i]!, 128 - Buffer.byteLength(args))}' `;
  }
  return `ERR unknown command '${echo(argv[0] ?? "", 128)}', with args beginning with: ${args}`;
}

export function unknownSubcommandMessage(argv: readonly string[]): string {
  return `ERR unknown subcommand '${echo(argv[1] ?? "", 128)}'. Try ${(argv[0] ?? "").toUpperCase()} HELP.`;
}

/**
 * Whether a command would block the connection it runs on: the B* list and
 * sorted-set pops, WAIT, and XREAD / XREADGROUP given a BLOCK option.
 *
 * The options of XREAD and XREADGROUP are read the way Redis reads them
 * (`xreadCommand` in redis/src/t_stream.c): left to right until STREAMS, each
 * option taking its own arguments, `GROUP <group> <consumer>` two of them.
 * Group, consumer and stream names may spell anything, BLOCK and STREAMS
 * included, so a scan for the word BLOCK misreads
 * `XREADGROUP GROUP STREAMS c BLOCK 0 STREAMS s >` (it blocks) and
 * `XREADGROUP GROUP BLOCK c STREAMS s >` (it does not).
 */

const ALWAYS = new Set([
  "BLMOVE", "BLMPOP", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN", "WAIT", "WAITAOF",
]);

export function blocks(argv: readonly string[]): boolean {
  const name = (argv[0] ?? "").toUpperCase();
  if (ALWAYS.has(name)) return true;
  if (name === "XREAD" || name === "XREADGROUP") return hasBlockOption(argv);
  return false;
}

function hasBlockOption(argv: readonly string[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    const more = argv.length - i - 1;
    if (option === "BLOCK" && more > 0) return true;
    if (option === "STREAMS" && more > 0) return false;
    if (option === "COUNT" && more > 0) i += 1;
    else if (option === "GROUP" && more >= 2) i += 2;
    // Redis answers anything else (NOACK aside) with a syntax error, without blocking.
    else if (option !== "NOACK") return false;
  }
  return false;
}

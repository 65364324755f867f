/**
 * A sorted set: members with a score, ordered by score and then by member.
 * Kept as a plain map and sorted when read: the engine's sets are small
 * (delayed messages, rate-limit windows), and reads are range scans.
 */
export class SortedSet {
  readonly scores = new Map<string, number>();

  /** Members in Redis's order: score, then member. */
  ordered(): [member: string, score: number][] {
    return [...this.scores].sort(([a, x], [b, y]) => (x !== y ? x - y : a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * A score as Redis 7.0 writes it (`%.17g`): `0.10000000000000001`,
 * `1700000000000`, `1.0000000000000001e+300`, `inf`.
 */
export function formatScore(score: number): string {
  if (score === Infinity) return "inf";
  if (score === -Infinity) return "-inf";
  const [mantissa, exponentText] = score.toExponential(16).split("e") as [string, string];
  const exponent = Number(exponentText);
  const trim = (digits: string) => (digits.includes(".") ? digits.replace(/0+$/, "").replace(/\.$/, "") : digits);
  if (exponent < -4 || exponent >= 17) {
    return `${trim(mantissa)}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trim(score.toFixed(16 - exponent));
}

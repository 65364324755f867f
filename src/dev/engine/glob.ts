/**
 * Redis's glob matcher (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`
 * and backslash escapes, used by KEYS and SCAN MATCH.
 */

export function globMatch(pattern: string, text: string, noCase = false): boolean {
  const p = [...pattern];
  const s = [...text];
  const same = (a: string, b: string) => (noCase ? a.toLowerCase() === b.toLowerCase() : a === b);

  function match(pi: number, si: number): boolean {
    while (pi < p.length && si <= s.length) {
      const c = p[pi]!;
      if (c === "*") {
        while (p[pi + 1] === "*") pi++;
        if (pi + 1 === p.length) return true;
        for (let k = si; k <= s.length; k++) if (match(pi + 1, k)) return true;
        return false;
      }
      if (si === s.length) return false;
      if (c === "?") {
        si++;
      } else if (c === "[") {
        const end = classEnd(pi);
        if (!classMatches(pi + 1, end, s[si]!)) return false;
        pi = end;
        si++;
      } else {
        const literal = c === "\\" && pi + 1 < p.length ? p[++pi]! : c;
        if (!same(literal, s[si]!)) return false;
        si++;
      }
      pi++;
    }
    while (pi < p.length && p[pi] === "*") pi++;
    return pi === p.length && si === s.length;
  }

  /** Index of the closing `]` (or the last index when unterminated, as Redis treats it). */
  function classEnd(start: number): number {
    let i = start + 1;
    if (p[i] === "^") i++;
    while (i < p.length && p[i] !== "]") i += p[i] === "\\" ? 2 : 1;
    return Math.min(i, p.length - 1);
  }

  function classMatches(from: number, end: number, ch: string): boolean {
    let i = from;
    const negate = p[i] === "^";
    if (negate) i++;
    let found = false;
    while (i < end || (i === end && p[end] !== "]")) {
      if (p[i] === "\\" && i + 1 <= end) {
        if (same(p[i + 1]!, ch)) found = true;
        i += 2;
      } else if (p[i + 1] === "-" && i + 2 <= end && p[i + 2] !== "]") {
        let low = p[i]!;
        let high = p[i + 2]!;
        if (low > high) [low, high] = [high, low];
        const c = noCase ? ch.toLowerCase() : ch;
        if (c >= (noCase ? low.toLowerCase() : low) && c <= (noCase ? high.toLowerCase() : high)) found = true;
        i += 3;
      } else {
        if (same(p[i]!, ch)) found = true;
        i++;
      }
    }
    return negate ? !found : found;
  }

  return match(0, 0);
}

/**
 * A five-field cron matcher (minute hour day-of-month month day-of-week), in
 * UTC as Cloudflare fires crons: `*`, lists (`1,5`), ranges (`1-5`), steps
 * (`*\/15`, `0-30/10`, `5/20`), month and weekday names (`JAN`, `MON`), and
 * 0 or 7 for Sunday. As in Vixie cron, when both day fields are restricted a
 * day matches if either does. Cloudflare's extensions (`L`, `W`, `#`) are
 * refused by name rather than misread.
 */

export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too; folded into 0 after parsing.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS },
];

export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** True when the schedule fires in the minute that contains `date` (UTC). */
  matches(date: Date): boolean;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new CronSyntaxError(`cron ${JSON.stringify(expression)}: expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) => parseField(expression, part, FIELDS[i]!));
  if (weekdays!.has(7)) weekdays!.add(0);
  const dayRestricted = parts[2] !== "*";
  const weekdayRestricted = parts[4] !== "*";
  return {
    expression,
    matches(date) {
      if (!minutes!.has(date.getUTCMinutes()) || !hours!.has(date.getUTCHours()) || !months!.has(date.getUTCMonth() + 1)) return false;
      const dayOk = days!.has(date.getUTCDate());
      const weekdayOk = weekdays!.has(date.getUTCDay());
      if (dayRestricted && weekdayRestricted) return dayOk || weekdayOk;
      return dayOk && weekdayOk;
    },
  };
}

function parseField(expression: string, text: string, field: Field): Set<number> {
  const fail = (why: string): never => {
    throw new CronSyntaxError(`cron ${JSON.stringify(expression)}: ${field.name} ${JSON.stringify(text)}: ${why}`);
  };
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", stepText, extra] = item.split("/");
    if (extra !== undefined) fail("more than one '/'");
    if (stepText !== undefined && !/^[1-9]\d*$/.test(stepText)) fail("step must be a positive integer");
    const step = stepText === undefined ? 1 : Number(stepText);
    let low: number;
    let high: number;
    if (range === "*") {
      low = field.min;
      high = field.name === "day of week" ? 6 : field.max;
    } else {
      const [from, to, more] = range.split("-");
      if (more !== undefined) fail("more than one '-'");
      low = value(from ?? "", field, fail);
      // `5/20` means from 5 to the end, every 20.
      high = to !== undefined ? value(to, field, fail) : stepText !== undefined ? field.max : low;
      if (low > high) fail(`range ${low}-${high} runs backwards`);
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function value(text: string, field: Field, fail: (why: string) => never): number {
  if (/[LW#?]/i.test(text)) fail("L, W, # and ? are not supported by the local cron driver");
  const byName = field.names?.indexOf(text.toUpperCase() as never) ?? -1;
  if (byName >= 0) return field.name === "month" ? byName + 1 : byName;
  if (!/^\d+$/.test(text)) fail(`${JSON.stringify(text)} is not a number${field.names ? " or a name" : ""}`);
  const n = Number(text);
  if (n < field.min || n > field.max) fail(`${n} is outside ${field.min}-${field.max}`);
  return n;
}

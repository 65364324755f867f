/**
 * The doctor's keys: one random prefix per run with a hash tag, so every key
 * lands in one cluster slot and none can collide with the user's data, and
 * a record of every key handed out, for the cleanup.
 */

/** Every doctor key starts with this; `{cronsumer-doctor-*` finds leftovers. */
export const KEY_PREFIX = "cronsumer-doctor-";
/** The backstop TTL on every key, in case the process dies before its cleanup. */
export const KEY_TTL_SECONDS = 3_600;

export interface DoctorKeys {
  readonly prefix: string;
  key(name: string): string;
  /** Every key handed out so far. */
  all(): string[];
}

export function doctorKeys(random = randomTag()): DoctorKeys {
  const prefix = `{${KEY_PREFIX}${random}}`;
  const keys = new Set<string>();
  return {
    prefix,
    key(name) {
      const key = `${prefix}:${name}`;
      keys.add(key);
      return key;
    },
    all: () => [...keys],
  };
}

function randomTag(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Webhook signatures: HMAC-SHA256 over `${timestamp}.${body}`, hex-encoded,
 * sent as `Cronsumer-Signature: v1=<hex>` with `Cronsumer-Timestamp: <unix s>`.
 * Signing the timestamp with the body lets a receiver refuse replays of old
 * deliveries. Uses WebCrypto, present in Workers and Node alike.
 */

const encoder = new TextEncoder();

async function hmacHex(secret: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function signWebhook(secret: string, timestampS: number, body: string): Promise<string> {
  return `v1=${await hmacHex(secret, `${timestampS}.${body}`)}`;
}

/** For receivers (and tests): checks the signature and that the timestamp is within `toleranceS` of `nowS`. */
export async function verifyWebhook(secret: string, header: string | null, timestampHeader: string | null, body: string, nowS: number, toleranceS = 300): Promise<boolean> {
  if (!header || !timestampHeader || !/^\d+$/.test(timestampHeader)) return false;
  const timestampS = Number(timestampHeader);
  if (Math.abs(nowS - timestampS) > toleranceS) return false;
  const expected = await signWebhook(secret, timestampS, body);
  if (expected.length !== header.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ header.charCodeAt(i);
  return diff === 0;
}

/**
 * Bad input gets a clear error and writes nothing: each row asserts the
 * status, the error code, and that every key the test's function can touch
 * (its stream with groups and PEL, its dead-letter stream, idempotency
 * records, replay locks, run reports) is exactly as before.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiApp } from "../../../src/api/context.js";
import type { PollingFunction } from "../../../src/core/define/define.js";
import { deadLetterFields } from "../../../src/core/dead-letters/dead-letter.js";
import type { CallOptions } from "./support.js";
import { app, call, enc, idOf, READ_TOKEN, snapshot, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();
let fn: PollingFunction;
let api: ApiApp;
let s: string;
let dlq: string;
const dead: { valid: string; foreign: string; malformed: string } = { valid: "", foreign: "", malformed: "" };

const letter = (stream: string) =>
  deadLetterFields({ originalId: "1-0", stream, group: "g", function: "x", deliveries: 5, error: "boom", failedAt: new Date(0).toISOString(), fields: { a: "1" } });

beforeAll(async () => {
  fn = track(f.fn({ handle: async () => {} }));
  api = app({ functions: [fn] });
  s = fn.stream;
  dlq = `${s}:dlq`;
  await f.tcp.xGroupCreate(s, "g", "0", { MKSTREAM: true });
  for (let i = 0; i < 3; i++) await f.tcp.xAdd(s, "*", { n: String(i) });
  await f.tcp.xReadGroup("g", `${fn.name}-1`, { key: s, id: ">" }, { COUNT: 2 });
  dead.valid = await f.tcp.xAdd(dlq, "*", letter(s));
  dead.foreign = await f.tcp.xAdd(dlq, "*", letter(`${s}:elsewhere`));
  dead.malformed = await f.tcp.xAdd(dlq, "*", { junk: "1" });
  expect((await call(api, `/streams/${enc(s)}/messages`, { body: { a: "1" }, headers: { "Idempotency-Key": "k1" } })).status).toBe(201);
});

interface Row {
  name: string;
  request: () => [string, CallOptions];
  status: number;
  code: string;
  message?: RegExp;
}

const messages = () => `/streams/${enc(s)}/messages`;
const post = (body: unknown, extra: CallOptions = {}): [string, CallOptions] => [messages(), { body, ...extra }];
const big = (n: number) => "x".repeat(n);

const rows: Row[] = [
  // Auth
  { name: "no Authorization header", request: () => post({ a: "1" }, { token: null }), status: 401, code: "missing_token" },
  { name: "unknown token", request: () => post({ a: "1" }, { token: "nope" }), status: 401, code: "invalid_token" },
  { name: "Basic instead of Bearer", request: () => post({ a: "1" }, { token: null, headers: { Authorization: "Basic dDp0" } }), status: 400, code: "invalid_authorization" },
  { name: "READ_TOKEN on a write route", request: () => post({ a: "1" }, { token: READ_TOKEN }), status: 403, code: "read_only_token" },
  // Body format
  { name: "text/plain body", request: () => [messages(), { raw: "a=1", contentType: "text/plain" }], status: 415, code: "unsupported_media_type" },
  { name: "no content type", request: () => [messages(), { raw: '{"a":"1"}' }], status: 415, code: "unsupported_media_type" },
  { name: "invalid JSON", request: () => [messages(), { raw: '{"a": "1"', contentType: "application/json" }], status: 400, code: "invalid_json" },
  { name: "empty body", request: () => [messages(), { raw: "", contentType: "application/json", method: "POST" }], status: 400, code: "invalid_json" },
  { name: "a JSON string", request: () => post("hello"), status: 400, code: "invalid_request", message: /JSON object/ },
  { name: "a JSON number", request: () => post(42), status: 400, code: "invalid_request" },
  { name: "null", request: () => post(null), status: 400, code: "invalid_request" },
  // Messages
  { name: "empty message", request: () => post({}), status: 400, code: "empty_message" },
  { name: "empty batch", request: () => post([]), status: 400, code: "empty_batch" },
  { name: "501 messages", request: () => post(Array.from({ length: 501 }, () => ({ a: "1" }))), status: 400, code: "batch_too_large" },
  { name: "number value", request: () => post({ amount: 12.5 }), status: 400, code: "invalid_field", message: /field "amount" must be a string; send "12.5"/ },
  { name: "boolean value", request: () => post({ ok: true }), status: 400, code: "invalid_field", message: /field "ok" must be a string; send "true"/ },
  { name: "null value", request: () => post({ x: null }), status: 400, code: "invalid_field", message: /field "x" must be a string; null/ },
  { name: "object value", request: () => post({ x: { a: 1 } }), status: 400, code: "invalid_field", message: /JSON-encoded/ },
  { name: "array value", request: () => post({ x: ["a"] }), status: 400, code: "invalid_field", message: /field "x"/ },
  { name: "bad value in a batch names the message", request: () => post([{ a: "1" }, { b: 2 }]), status: 400, code: "invalid_field", message: /message 1: field "b" must be a string; send "2"/ },
  { name: "empty message in a batch", request: () => post([{ a: "1" }, {}]), status: 400, code: "empty_message", message: /message 1/ },
  { name: "non-object in a batch", request: () => post([{ a: "1" }, "x"]), status: 400, code: "invalid_request", message: /message 1/ },
  { name: "empty field name", request: () => post({ "": "x" }), status: 400, code: "invalid_field", message: /must not be empty/ },
  { name: "field name over 256 bytes", request: () => post({ [big(257)]: "x" }), status: 400, code: "invalid_field", message: /256 bytes/ },
  { name: "message over MAX_MESSAGE_BYTES", request: () => post({ a: big(200) }, { env: { MAX_MESSAGE_BYTES: "100" } }), status: 413, code: "message_too_large" },
  { name: "body over MAX_REQUEST_BYTES", request: () => post({ a: big(2000) }, { env: { MAX_REQUEST_BYTES: "1000" } }), status: 413, code: "request_too_large" },
  // Streams and query
  { name: "unknown stream", request: () => [`/streams/${enc(`${s}:other`)}/messages`, { body: { a: "1" } }], status: 404, code: "stream_not_found" },
  { name: "enqueue onto a dead-letter stream", request: () => [`/streams/${enc(dlq)}/messages`, { body: { a: "1" } }], status: 400, code: "not_a_source_stream" },
  { name: "maxlen=0", request: () => [`${messages()}?maxlen=0`, { body: { a: "1" } }], status: 400, code: "invalid_request", message: /maxlen/ },
  { name: "maxlen=abc", request: () => [`${messages()}?maxlen=abc`, { body: { a: "1" } }], status: 400, code: "invalid_request", message: /maxlen/ },
  // Idempotency
  { name: "Idempotency-Key over 200 characters", request: () => post({ a: "1" }, { headers: { "Idempotency-Key": big(201) } }), status: 400, code: "invalid_idempotency_key" },
  { name: "Idempotency-Key not ASCII", request: () => post({ a: "1" }, { headers: { "Idempotency-Key": "caf\u00e9" } }), status: 400, code: "invalid_idempotency_key" },
  { name: "Idempotency-Key reused with another body", request: () => post({ a: "2" }, { headers: { "Idempotency-Key": "k1" } }), status: 422, code: "idempotency_key_reused" },
  // Groups and consumers
  { name: "group start not an id", request: () => [`/streams/${enc(s)}/groups/new`, { method: "PUT", body: { start: "abc" } }], status: 400, code: "invalid_request", message: /start/ },
  { name: "group on an unknown stream", request: () => [`/streams/nope-${idOf(fn)}/groups/new`, { method: "PUT", body: {} }], status: 404, code: "stream_not_found" },
  { name: "group body not JSON", request: () => [`/streams/${enc(s)}/groups/new`, { method: "PUT", raw: "start=0", contentType: "application/x-www-form-urlencoded" }], status: 415, code: "unsupported_media_type" },
  { name: "setid on an unknown group", request: () => [`/streams/${enc(s)}/groups/nope/setid`, { body: { id: "0" } }], status: 404, code: "group_not_found" },
  { name: "setid without id", request: () => [`/streams/${enc(s)}/groups/g/setid`, { body: {} }], status: 400, code: "invalid_request", message: /"id"/ },
  { name: "consumers of an unknown group", request: () => [`/streams/${enc(s)}/groups/nope/consumers`, {}], status: 404, code: "group_not_found" },
  { name: "delete an unknown consumer", request: () => [`/streams/${enc(s)}/groups/g/consumers/nobody`, { method: "DELETE" }], status: 404, code: "consumer_not_found" },
  { name: "delete a consumer of an unknown group", request: () => [`/streams/${enc(s)}/groups/nope/consumers/c?to=d`, { method: "DELETE" }], status: 404, code: "group_not_found" },
  { name: "delete a consumer into itself", request: () => [`/streams/${enc(s)}/groups/g/consumers/${fn.name}-1?to=${fn.name}-1`, { method: "DELETE" }], status: 400, code: "invalid_request" },
  { name: "pending count=0", request: () => [`/streams/${enc(s)}/groups/g/pending?count=0`, {}], status: 400, code: "invalid_request", message: /count/ },
  { name: "pending count=1001", request: () => [`/streams/${enc(s)}/groups/g/pending?count=1001`, {}], status: 400, code: "invalid_request", message: /count/ },
  { name: "pending start not an id", request: () => [`/streams/${enc(s)}/groups/g/pending?start=abc`, {}], status: 400, code: "invalid_request", message: /start/ },
  { name: "pending of an unknown group", request: () => [`/streams/${enc(s)}/groups/nope/pending`, {}], status: 404, code: "group_not_found" },
  // Dead letters
  { name: "replay an unknown id", request: () => [`/streams/${enc(s)}/dead-letters/replay`, { body: { ids: [dead.valid, "1-1"] } }], status: 404, code: "dead_letter_not_found", message: /"1-1"/ },
  { name: "replay no ids", request: () => [`/streams/${enc(s)}/dead-letters/replay`, { body: { ids: [] } }], status: 400, code: "invalid_request" },
  { name: "replay an id that is not one", request: () => [`/streams/${enc(s)}/dead-letters/replay`, { body: { ids: ["nope"] } }], status: 400, code: "invalid_request" },
  { name: "replay all: false", request: () => [`/streams/${enc(s)}/dead-letters/replay`, { body: { all: false } }], status: 400, code: "invalid_request" },
  { name: "replay from an unknown stream", request: () => [`/streams/nope-${idOf(fn)}/dead-letters/replay`, { body: { all: true } }], status: 404, code: "stream_not_found" },
  { name: "replay onto a stream no function consumes", request: () => [`/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [dead.valid, dead.foreign] } }], status: 422, code: "replay_target_not_allowed" },
  { name: "replay an entry not in dead-letter format", request: () => [`/streams/${enc(dlq)}/dead-letters/replay`, { body: { ids: [dead.malformed] } }], status: 422, code: "dead_letter_malformed" },
  { name: "replay all with a malformed entry among them", request: () => [`/streams/${enc(dlq)}/dead-letters/replay`, { body: { all: true } }], status: 422, code: "dead_letter_malformed" },
  { name: "dead letters count=abc", request: () => [`/streams/${enc(s)}/dead-letters?count=abc`, {}], status: 400, code: "invalid_request" },
  // Functions and routing
  { name: "run an unknown function", request: () => [`/functions/nope/run`, { method: "POST" }], status: 404, code: "function_not_found" },
  { name: "unknown route", request: () => [`/nope`, {}], status: 404, code: "not_found" },
  { name: "wrong method on a known path", request: () => [messages(), { method: "DELETE" }], status: 405, code: "method_not_allowed" },
  { name: "GET on the enqueue path", request: () => [messages(), {}], status: 405, code: "method_not_allowed" },
];

describe("bad input: clear error, nothing written", () => {
  it("has at least 30 rows", () => expect(rows.length).toBeGreaterThanOrEqual(30));

  it.each(rows)("$name → $status $code", async (row) => {
    const before = await snapshot(f.tcp, [idOf(fn)]);
    const [path, options] = row.request();
    const res = await call(api, path, options);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: row.status, code: row.code });
    expect(Object.keys(res.body)).toEqual(["error"]);
    expect(typeof res.body.error.message).toBe("string");
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    if (row.message) expect(res.body.error.message).toMatch(row.message);
    expect(await snapshot(f.tcp, [idOf(fn)])).toEqual(before);
  });

  it("answers 405 with Allow", async () => {
    const wrong = await call(api, messages(), { method: "DELETE" });
    expect(wrong.headers.get("Allow")).toBe("POST");
  });
});

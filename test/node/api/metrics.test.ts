/**
 * `/metrics` is strict Prometheus text exposition 0.0.4, and its numbers are
 * what Redis holds (read back over TCP, not through the code under test).
 */
import { describe, expect, it } from "vitest";
import { PermanentError } from "../../../src/core/redis/errors.js";
import { runFunction } from "../../../src/core/run/run.js";
import { age, bridgeTransport, enqueue, pending } from "../../support/engine.js";
import { app, call, useApiFixture } from "./support.js";

const { f, track } = useApiFixture();

type Sample = { labels: Record<string, string>; value: number };

/** A strict reader of the text format: HELP and TYPE once each, before the metric's samples. */
function parsePrometheus(text: string): Map<string, { help: string; type: string; samples: Sample[] }> {
  const metrics = new Map<string, { help: string; type: string; samples: Sample[] }>();
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
  const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?\\})? (-?[0-9.e+]+|NaN|[+-]Inf)$`);
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.slice(0, -1).split("\n")) {
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    const type = new RegExp(`^# TYPE (${NAME}) (gauge|counter|untyped|summary|histogram)$`).exec(line);
    if (help) {
      expect(metrics.has(help[1]!), `HELP twice for ${help[1]}`).toBe(false);
      metrics.set(help[1]!, { help: help[2]!, type: "", samples: [] });
    } else if (type) {
      const m = metrics.get(type[1]!);
      expect(m && m.type === "" && m.samples.length === 0, `TYPE of ${type[1]} after its HELP, once`).toBe(true);
      m!.type = type[2]!;
    } else {
      const sample = SAMPLE.exec(line);
      expect(sample, `not a sample line: ${JSON.stringify(line)}`).not.toBeNull();
      const m = metrics.get(sample![1]!);
      expect(m?.type, `sample of ${sample![1]} before its HELP and TYPE`).toBeTruthy();
      const labels: Record<string, string> = {};
      for (const [, k, v] of (sample![2] ?? "").matchAll(new RegExp(LABEL, "g"))) labels[k!] = v!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      m!.samples.push({ labels, value: Number(sample![sample!.length - 1]) });
    }
  }
  return metrics;
}

describe("GET /metrics", () => {
  it("is Prometheus text whose numbers match Redis", async () => {
    const a = f.fn({
      handle: async (m) => {
        if (m.fields.n === "bad") throw new PermanentError("bad message");
      },
      options: { maxDeliveries: 1 },
    });
    const missing = f.fn({ handle: async () => {} });
    track(a);
    track(missing);
    const api = app({ functions: [a, missing] });

    await enqueue(f.tcp, a.stream, [{ n: "1" }, { n: "bad" }, { n: "2" }]);
    const report = await runFunction(a, { transport: bridgeTransport(), vars: {}, trigger: "manual" });
    expect(report).toMatchObject({ read: 3, acked: 2, deadLettered: 1 });
    await enqueue(f.tcp, a.stream, [{ n: "3" }, { n: "4" }, { n: "5" }, { n: "6" }, { n: "7" }]);
    await f.tcp.xReadGroup("g", "someone", { key: a.stream, id: ">" }, { COUNT: 3 });
    await age(f.tcp, a.stream, "g", 5_000);

    const res = await call(api, "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parsePrometheus(res.text);
    for (const [name, m] of metrics) {
      expect(name.startsWith("cronsumer_")).toBe(true);
      expect(m.help.length).toBeGreaterThan(0);
    }
    const one = (name: string, labels: Record<string, string>) => {
      const found = metrics.get(name)?.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]!.value;
    };
    const group = { function: a.name, stream: a.stream, group: "g" };
    const [info] = (await f.tcp.sendCommand(["XINFO", "GROUPS", a.stream])) as unknown[][];
    const lag = info![info!.indexOf("lag") + 1] as number;

    expect(one("cronsumer_stream_length", { stream: a.stream })).toBe(await f.tcp.xLen(a.stream));
    expect(one("cronsumer_group_pending", group)).toBe((await pending(f.tcp, a.stream, "g")).length);
    expect(one("cronsumer_group_pending", group)).toBe(3);
    expect(one("cronsumer_group_lag", group)).toBe(lag);
    expect(lag).toBe(2);
    expect(one("cronsumer_group_consumers", group)).toBe((await f.tcp.xInfoConsumers(a.stream, "g")).length);
    const idle = one("cronsumer_group_oldest_pending_idle_ms", group);
    expect(idle).toBeGreaterThanOrEqual(5_000);
    expect(idle).toBeLessThanOrEqual((await pending(f.tcp, a.stream, "g"))[0]!.idleMs);
    expect(one("cronsumer_dead_letter_length", { stream: `${a.stream}:dlq` })).toBe(await f.tcp.xLen(`${a.stream}:dlq`));
    expect(one("cronsumer_dead_letter_length", { stream: `${a.stream}:dlq` })).toBe(1);
    expect(one("cronsumer_recent_runs", { function: a.name })).toBe(1);
    expect(one("cronsumer_recent_read", { function: a.name })).toBe(report.read);
    expect(one("cronsumer_recent_acked", { function: a.name })).toBe(report.acked);
    expect(one("cronsumer_recent_retried", { function: a.name })).toBe(report.retried);
    expect(one("cronsumer_recent_dead_lettered", { function: a.name })).toBe(report.deadLettered);
    expect(one("cronsumer_recent_requests", { function: a.name })).toBe(report.requests);
    expect(one("cronsumer_recent_commands", { function: a.name })).toBe(report.commands);

    // A stream nobody wrote yet: length 0, and no group samples rather than made-up zeros.
    expect(one("cronsumer_stream_length", { stream: missing.stream })).toBe(0);
    expect(metrics.get("cronsumer_group_pending")!.samples.some((s) => s.labels.stream === missing.stream)).toBe(false);
    expect(one("cronsumer_recent_runs", { function: missing.name })).toBe(0);
  });

  it("escapes label values", async () => {
    const a = f.fn({ handle: async () => {}, stream: `test:stream:"q\\${crypto.randomUUID().slice(0, 8)}` });
    track(a);
    const res = await call(app({ functions: [a] }), "/metrics");
    const metrics = parsePrometheus(res.text);
    expect(metrics.get("cronsumer_stream_length")!.samples[0]!.labels.stream).toBe(a.stream);
  });
});

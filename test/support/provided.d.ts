/**
 * What `global-setup.ts` hands every test (and the workers project's config)
 * through `project.provide` / `inject`.
 */
declare module "vitest" {
  interface ProvidedContext {
    /**
     * What the tests run against: a real Redis, or the embedded engine when
     * there is none (or `CRONSUMER_TEST_STORE=engine`). Tests that need a
     * real Redis `describe.skipIf(inject("redisKind") === "engine")`.
     */
    redisKind: "redis" | "engine";
    /**
     * The Redis behind the bridge, `redis://127.0.0.1:<port>`, for asserting
     * what Redis really holds; on the engine, its RESP server.
     */
    redisUrl: string;
    /** The Upstash-compatible bridge in front of it, `http://127.0.0.1:<port>`. */
    bridgeUrl: string;
    /** Bearer token the bridge accepts; random per run. */
    bridgeToken: string;
    /** The HTTP receiver handlers fetch (receiver.ts): `POST /hook/<box>` records, `GET /box/<box>` answers what arrived. */
    receiverUrl: string;
    /** The secret the receiver verifies webhook signatures with; random per run. */
    receiverSecret: string;
  }
}

export {};

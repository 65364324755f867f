/**
 * `GET /`: the dashboard shell. Served without a token because it holds no
 * data, under a CSP that admits only its own nonce-tagged script and style;
 * every other route still needs the token.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/api/app.js";
import { functions } from "../../../src/functions/index.js";
import { clientScript } from "../../../src/dashboard/client.js";
import { dashboard } from "../../../src/dashboard/index.js";

const env = { API_TOKEN: "secret-api-token", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1/secret-url", UPSTASH_REDIS_REST_TOKEN: "secret-redis-token" };

async function page() {
  const response = await createApp({ functions }).request("/", {}, env);
  return { response, html: await response.text(), csp: response.headers.get("content-security-policy") ?? "" };
}

describe("GET /", () => {
  it("is served without a token, as HTML for phones too", async () => {
    const { response, html } = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain('<form id="login"');
  });

  it("holds no data and no secret: nothing from the bindings reaches the page", async () => {
    const { response, html } = await page();
    for (const value of Object.values(env)) expect(html).not.toContain(value);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("allows only its own inline script and style, by a fresh nonce per response", async () => {
    const first = await page();
    const second = await page();
    const nonce = /script-src 'nonce-([^']+)'/.exec(first.csp)?.[1];
    expect(nonce).toBeDefined();
    expect(first.csp).toContain("default-src 'none'");
    expect(first.csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(first.csp).toContain("connect-src 'self'");
    expect(first.csp).toContain("frame-ancestors 'none'");
    expect(first.csp).not.toContain("unsafe");
    expect(first.html).toContain(`<script nonce="${nonce}">`);
    expect(first.html).toContain(`<style nonce="${nonce}">`);
    expect(second.csp).not.toContain(nonce);
    expect(first.response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.response.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("leaves every API route behind the token", async () => {
    const response = await createApp({ functions }).request("/functions", {}, env);
    expect(response.status).toBe(401);
  });
});

describe("the page's script", () => {
  it("parses, and cannot close its own <script> element early", () => {
    expect(() => new Function(clientScript)).not.toThrow();
    expect(clientScript).not.toMatch(/<\/script/i);
    expect(clientScript).not.toMatch(/<!--/);
  });

  it("never puts API data into HTML, and keeps the token out of URLs", () => {
    expect(clientScript).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(clientScript).toContain("sessionStorage");
    expect(clientScript).not.toMatch(/localStorage/);
    expect(clientScript).toContain('authorization: "Bearer "');
  });

  it("is the same page from the sub-app alone", async () => {
    const response = await dashboard.request("/");
    expect(response.status).toBe(200);
  });
});

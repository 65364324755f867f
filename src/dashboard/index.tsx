/**
 * `GET /`: the dashboard. The page is public because it holds no data; its
 * script reads everything from the API with the token the user pastes.
 *
 * A strict Content-Security-Policy allows only this response's inline
 * script and style (a fresh nonce each time) and requests to this origin, so
 * even a message field that smuggled markup past the script's text-only
 * rendering could not run or load anything.
 */
import { Hono } from "hono";
import { Page } from "./page.js";

/** Seconds between the page's refreshes while what it shows changes. */
export const REFRESH_SECONDS = 3;
/** Seconds between refreshes once nothing has changed for a while: the page backs off to this. */
export const IDLE_REFRESH_SECONDS = 30;

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes));
}

export const dashboard = new Hono().get("/", function dashboardPage(c) {
  const n = nonce();
  c.header("Content-Security-Policy", contentSecurityPolicy(n));
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  return c.html(`<!doctype html>${<Page nonce={n} refreshSeconds={REFRESH_SECONDS} idleSeconds={IDLE_REFRESH_SECONDS} />}`);
});

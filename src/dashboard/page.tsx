/**
 * The console's HTML shell. It holds no data: the inline script asks for the
 * API token once, keeps it in sessionStorage, and fills the sidebar, the
 * view and the message drawer from the authenticated API. Everything inline
 * carries the request's CSP nonce.
 */
import { raw } from "hono/html";
import { clientScript } from "./client.js";
import { styles } from "./styles.js";

export interface PageProps {
  nonce: string;
  /** Seconds between refreshes while something changes; the page backs off to `idleSeconds` while nothing does. */
  refreshSeconds: number;
  idleSeconds: number;
}

export function Page({ nonce, refreshSeconds, idleSeconds }: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>cronsumer</title>
        <link rel="icon" href="data:," />
        <style nonce={nonce}>{raw(styles)}</style>
      </head>
      <body data-refresh-seconds={String(refreshSeconds)} data-idle-seconds={String(idleSeconds)}>
        <header>
          <button type="button" id="menu" class="menu" aria-controls="sidebar" aria-expanded="false" aria-label="Functions" hidden>
            ☰
          </button>
          <h1>cronsumer</h1>
          <span class="status" id="status" role="status" aria-live="polite">
            Not signed in
          </span>
          <span class="cost" id="cost" hidden title="Redis commands this page cost over the last minute it was shown (from X-Redis-Commands)"></span>
          <button type="button" id="pause" aria-label="Pause refresh" aria-pressed="false" hidden>
            Pause
          </button>
          <button type="button" id="signout" hidden>
            Sign out
          </button>
        </header>
        <div id="shell">
          <nav id="sidebar" aria-label="Functions" hidden></nav>
          <main id="main">
            <form id="login" class="card" autocomplete="off">
              <h2>Sign in</h2>
              <p class="sub">
                Paste the API token (<code>npm start</code> prints it). It stays in this tab only (sessionStorage) and is sent as a bearer
                token to the API; this page itself holds no data.
              </p>
              <label for="token">API token</label>
              <input id="token" name="token" type="password" required spellcheck={false} autocomplete="off" />
              <p class="error" id="login-error" hidden></p>
              <button type="submit" class="primary">
                Show console
              </button>
            </form>
            <p id="notice" class="error" role="status" hidden></p>
            <section id="view" aria-live="polite" hidden></section>
            <noscript>
              <p class="card">The console needs JavaScript: it reads everything from the API with your token.</p>
            </noscript>
          </main>
        </div>
        <aside id="drawer" role="dialog" aria-modal="false" aria-labelledby="drawer-title" hidden></aside>
        <script nonce={nonce}>{raw(clientScript)}</script>
      </body>
    </html>
  );
}

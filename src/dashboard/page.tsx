/**
 * The dashboard's HTML shell. It holds no data: the inline script asks for
 * the API token once, keeps it in sessionStorage, and fills `#streams` from
 * the authenticated API. Everything inline carries the request's CSP nonce.
 */
import { raw } from "hono/html";
import { clientScript } from "./client.js";
import { styles } from "./styles.js";

export interface PageProps {
  nonce: string;
  /** Seconds between refreshes, shown and used by the script. */
  refreshSeconds: number;
}

export function Page({ nonce, refreshSeconds }: PageProps) {
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
      <body data-refresh-seconds={String(refreshSeconds)}>
        <header>
          <h1>cronsumer</h1>
          <span class="status" id="status" role="status" aria-live="polite">
            Not signed in
          </span>
          <span class="status" id="cost" hidden></span>
          <button type="button" id="pause" hidden>
            Pause
          </button>
          <button type="button" id="signout" hidden>
            Sign out
          </button>
        </header>
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
              Show dashboard
            </button>
          </form>
          <p id="notice" class="error" hidden></p>
          <section id="detail" class="card" aria-live="polite" hidden></section>
          <noscript>
            <p class="card">The dashboard needs JavaScript: it reads everything from the API with your token.</p>
          </noscript>
        </main>
        <script nonce={nonce}>{raw(clientScript)}</script>
      </body>
    </html>
  );
}

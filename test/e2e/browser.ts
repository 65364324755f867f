/**
 * Debian's chromium as the console tests drive it: headless, on an empty
 * profile of its own (launchPersistentContext is how playwright takes
 * --user-data-dir), with nothing of its own reaching the network.
 */
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const launchChromium = (profileDir: string): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

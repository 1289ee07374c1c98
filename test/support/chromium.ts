/**
 * Debian's Chromium, as the browser tests drive it (playwright-core; `npx playwright install` cannot work here):
 * headless, no sandbox (CI runs as root), and nothing that reaches the network on its own.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

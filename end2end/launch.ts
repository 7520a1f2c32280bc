import { execSync } from 'node:child_process';
import type { LaunchOptions } from '@playwright/test';

// Chromium from the system (apt), never a browser downloaded by `npx playwright install`.
function systemChromium(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const path = execSync(`command -v ${name}`, { shell: '/bin/sh', encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not on PATH; try the next name
    }
  }
  throw new Error('no Chromium on PATH: run scripts/setup.sh (apt-get install chromium)');
}

/** How every test launches Chromium: headless, no sandbox, no background traffic. */
export const chromiumLaunchOptions: LaunchOptions = {
  executablePath: systemChromium(),
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
};

/**
 * The same with the back/forward cache on, as in a real browser (Playwright turns it off
 * by default): pressing Back may then restore a page as it was left, signals and all.
 */
export const chromiumWithBackForwardCache: LaunchOptions = {
  ...chromiumLaunchOptions,
  ignoreDefaultArgs: ['--disable-back-forward-cache'],
};

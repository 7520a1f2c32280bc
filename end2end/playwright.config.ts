import { execSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

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

// The servers (the emulator, four demo instances, the third-party OAuth server) are started
// and stopped by scripts/test-e2e.sh; global-setup.ts only checks that they answer.
export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  // One browser at a time: the machine has 2 cores, and the emulator's state (faults,
  // revocations) is shared by every test.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The refresh tests wait for a token to enter the 60 s clock-skew window (about 8 s).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    headless: true,
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
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
    },
  },
  projects: [{ name: 'chromium' }],
});

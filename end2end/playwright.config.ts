import { defineConfig } from '@playwright/test';

import { chromiumLaunchOptions } from './launch';

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
    // System Chromium (see launch.ts), never one from `npx playwright install`.
    launchOptions: chromiumLaunchOptions,
  },
  projects: [{ name: 'chromium' }],
});

// `test` with two automatic fixtures, for the specs that break things on purpose:
//
// - `console`: no page may panic. Every page of the test's browser context (the `page`
//   fixture and every tab the test opens) is watched; at the end none may have logged a
//   Rust panic (the panic hook's "panicked at", or the wasm trap "RuntimeError:
//   unreachable"). Pages of other contexts are watched with `watchConsole` directly.
// - `emulatorFaults`: the emulator's injected faults are cleared before and after each
//   test, so a failed test cannot leave a fault queued for the next one.

import { expect, test as base } from '@playwright/test';

import { control, watchConsole } from './helpers';

export const test = base.extend<{ console: Array<ReturnType<typeof watchConsole>>; emulatorFaults: void }>({
  console: [
    async ({ context }, use) => {
      const watched = context.pages().map(watchConsole);
      context.on('page', (page) => watched.push(watchConsole(page)));
      await use(watched);
      expect(watched.flatMap((w) => w.panics()), 'a page panicked').toEqual([]);
    },
    { auto: true },
  ],
  emulatorFaults: [
    async ({ request }, use) => {
      await control.clearFaults(request);
      await use();
      await control.clearFaults(request);
    },
    { auto: true },
  ],
});

export { expect };

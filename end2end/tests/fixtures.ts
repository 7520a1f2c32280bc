// `test` with one more automatic check: the page must not panic. Every console message and
// uncaught error of the test's `page` is collected; at the end none may show a Rust panic
// (the panic hook's "panicked at", or the wasm trap "RuntimeError: unreachable").
// Pages a test opens itself (another context) are watched with `watchConsole` directly.

import { expect, test as base } from '@playwright/test';

import { watchConsole } from './helpers';

export const test = base.extend<{ console: ReturnType<typeof watchConsole> }>({
  console: [
    async ({ page }, use) => {
      const watched = watchConsole(page);
      await use(watched);
      expect(watched.panics(), 'the page panicked').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

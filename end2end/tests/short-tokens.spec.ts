// Tokens that live less than the kit's clock-skew allowance (instance M: a third-party OAuth
// server configured the Cognito way whose tokens live 20 s, against the default 60 s
// allowance). Such tokens used to count as expired on arrival, so every refresh was due again
// at once: one tab sent about 80 token requests a second and never rendered signed in. Now
// the allowance is at most a quarter of the tokens' lifetime: a protected page renders signed
// in, and each set of tokens is refreshed once, no sooner than 60 % into its lifetime (12 s
// here), with one tab and with three (the tabs share one refresh).

import type { BrowserContext, Request } from '@playwright/test';

import { M, M_TOKEN_SECS, THIRD_PARTY_SHORT } from './env';
import { expect, test } from './fixtures';
import { formOf, jwtClaims, keys, localStorageOf, openDemo, sessionState, signIn, watchConsole } from './helpers';

/** How long the tabs stay open after the sign-in. */
const WATCH_MS = 60_000;

/** When (ms since the epoch) each refresh_token grant of `context` left for M's server. */
function recordRefreshes(context: BrowserContext): number[] {
  const at: number[] = [];
  context.on('request', (r: Request) => {
    if (r.method() === 'POST' && r.url() === `${THIRD_PARTY_SHORT}/oauth2/token` && formOf(r).get('grant_type') === 'refresh_token') {
      at.push(Date.now());
    }
  });
  return at;
}

test('20 s tokens: a protected page renders signed in, and each token lifetime costs at most one refresh (one tab, three tabs)', async ({ browser }) => {
  test.setTimeout(WATCH_MS + 60_000);
  const runs = [] as Array<{ tabs: number; context: BrowserContext; refreshes: number[]; watched: Array<ReturnType<typeof watchConsole>> }>;
  for (const tabs of [1, 3]) {
    const context = await browser.newContext();
    const watched: Array<ReturnType<typeof watchConsole>> = [];
    context.on('page', (p) => watched.push(watchConsole(p)));
    const refreshes = recordRefreshes(context);
    const first = await context.newPage();
    await openDemo(first, M, '/', 'signed-out');
    await signIn(first, M, 'alice');
    const claims = jwtClaims((await localStorageOf(first))[keys(M.clientId, 'alice').accessToken]);
    // The short lifetime is in force (otherwise this test would prove nothing).
    expect(Number(claims.exp) - Number(claims.iat)).toBe(M_TOKEN_SECS);
    for (let i = 0; i < tabs; i++) {
      const page = i === 0 ? first : await context.newPage();
      await openDemo(page, M, '/protected', 'signed-in');
      await expect(page.getByTestId('claims')).toContainText('alice@example.com');
    }
    runs.push({ tabs, context, refreshes, watched });
  }

  // Both browsers run side by side for the whole minute.
  await runs[0].context.pages()[0].waitForTimeout(WATCH_MS);

  for (const { tabs, context, refreshes, watched } of runs) {
    const gaps = refreshes.slice(1).map((t, i) => t - refreshes[i]);
    console.log(
      `figure: ${tabs} tab(s), ${M_TOKEN_SECS} s tokens, ${WATCH_MS / 1000} s: ${refreshes.length} refresh request(s), gaps ${gaps.map((g) => (g / 1000).toFixed(1)).join(' s, ')} s`,
    );
    // Kept alive: refreshed at least once a lifetime...
    expect(refreshes.length, `${tabs} tab(s)`).toBeGreaterThanOrEqual(Math.floor(WATCH_MS / 1000 / M_TOKEN_SECS));
    // ...and never more than once per set of tokens: no two refreshes closer than half a
    // lifetime (the kit refreshes at 60 % of it), so at most one per half lifetime in all.
    expect(refreshes.length, `${tabs} tab(s)`).toBeLessThanOrEqual(WATCH_MS / 1000 / (M_TOKEN_SECS / 2));
    for (const gap of gaps) expect(gap, `${tabs} tab(s): gap between refreshes`).toBeGreaterThanOrEqual((M_TOKEN_SECS / 2) * 1000);
    for (const page of context.pages()) {
      await expect(sessionState(page)).toHaveText('signed-in');
      await expect(page.getByTestId('auth-error')).toHaveCount(0);
    }
    expect(watched.flatMap((w) => w.panics()), 'a page panicked').toEqual([]);
    await context.close();
  }
});

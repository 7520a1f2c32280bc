// Server sessions on the cookie store (instance N, COGNITO_SESSION_STORE=cookie): the server
// keeps nothing; the session travels sealed in the browser's HttpOnly cookies, is refreshed
// on the server, is listed as the one session the server can see, and sign-out clears it.

import type { BrowserContext } from '@playwright/test';

import { HOSTED_UI, N } from './env';
import { expect, test } from './fixtures';
import { control, expectSignInForm, sessionState, signOutButton, submitSignInForm } from './helpers';

/** The record cookies (`lca-session-record.0`, `.1`, ...) the browser holds for N. */
async function recordCookies(context: BrowserContext) {
  return (await context.cookies(N.url)).filter((c) => c.name.startsWith('lca-session-record.'));
}

/** Seconds until the server refreshes the 12 s tokens (3 s skew, 1 s margin), plus a little. */
const UNTIL_REFRESH_MS = 8_500;

test('server sessions on the cookie store: signed in with no server store, refreshed on the server, listed, signed out (JavaScript off)', async ({
  browser,
  request,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false, userAgent: 'e2e cookie store' });
  const page = await context.newPage();
  await page.goto(`${N.url}/account`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${N.url}/account`);
  await expect(sessionState(page)).toHaveText('signed-in');

  // The session is in the browser: HttpOnly, sealed (no token readable in it).
  const sealed = await recordCookies(context);
  expect(sealed.length).toBeGreaterThan(0);
  for (const cookie of sealed) {
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.value).not.toMatch(/eyJ/);
  }
  const size = sealed.reduce((sum, c) => sum + c.name.length + c.value.length + 2, 0);
  console.log(`figure: cookie store: the session takes ${size} bytes of cookies in ${sealed.length} cookie(s)`);

  // The one session the server can see: this browser's.
  const rows = page.getByTestId('session-row');
  await expect(rows).toHaveCount(1);
  await expect(page.locator('[data-current="true"]')).toContainText('e2e cookie store');

  // Expired: the server refreshes once, and the browser gets a new sealed record.
  const before = (await control.state(request)).token_requests.refresh_token ?? 0;
  await page.waitForTimeout(UNTIL_REFRESH_MS);
  await page.goto(`${N.url}/protected`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  expect((await context.request.get(`${N.url}/api/me`)).status()).toBe(200);
  const after = (await control.state(request)).token_requests.refresh_token ?? 0;
  expect(after - before).toBe(1);
  const refreshed = await recordCookies(context);
  expect(refreshed.map((c) => c.value).join('')).not.toBe(sealed.map((c) => c.value).join(''));

  // Sign-out: a form; the record cookies are cleared, and the protected page asks to sign in.
  await page.goto(`${N.url}/account`);
  await signOutButton(page).click();
  await expect.poll(async () => (await recordCookies(context)).length).toBe(0);
  const gone = await context.request.get(`${N.url}/api/me`);
  expect(gone.status()).toBe(401);
  await context.close();
});

// Expiry and refresh, on demo instance D whose client gets 12 s tokens from the emulator:
// with the kit's clock-skew allowance (60 s, at most a quarter of the lifetime: 3 s) a fresh session is usable for about 9 s.
// These tests are about a page that loads with an expired session: D runs without
// automatic refresh, and the page is left (about:blank) while the tokens expire. The
// automatic refresh of an open page is tested in tabs.spec.ts (instance G).

import { type Page } from '@playwright/test';

import { CLOCK_SKEW_SECS, D, HOSTED_UI } from './env';
import { expect, test } from './fixtures';
import {
  authError,
  expectAuthError,
  control,
  formOf,
  jwtClaims,
  keys,
  kitKeys,
  localStorageOf,
  openDemo,
  recordRequests,
  sessionState,
  signIn,
  signInButton,
  throughHostedUi,
  waitUntilExpiredForKit,
} from './helpers';

async function signedInOnD(page: Page, username: string) {
  await openDemo(page, D, '/', 'signed-out');
  await signIn(page, D, username);
  const storage = await localStorageOf(page);
  const k = keys(D.clientId, username);
  const accessToken = storage[k.accessToken];
  const refreshToken = storage[k.refreshToken];
  expect(accessToken).toBeTruthy();
  expect(refreshToken).toBeTruthy();
  // The short lifetime is in force (otherwise these tests would prove nothing).
  const claims = jwtClaims(accessToken);
  expect(Number(claims.exp) - Number(claims.iat)).toBeLessThan(CLOCK_SKEW_SECS + 15);
  return { accessToken, refreshToken, k };
}

test('an expired access token is refreshed transparently', async ({ page }) => {
  const { accessToken, refreshToken, k } = await signedInOnD(page, 'alice');

  await page.goto('about:blank');
  const recorder = recordRequests(page);
  await waitUntilExpiredForKit(page, accessToken, CLOCK_SKEW_SECS);
  const started = Date.now();
  await page.goto(`${D.url}/protected`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('claims')).toContainText('alice');
  console.log(`timing: protected page with a refresh on the way: ${Date.now() - started} ms`);

  // No trip to the Hosted UI's pages: only a refresh_token grant at the token endpoint.
  await expect(page).toHaveURL(`${D.url}/protected`);
  const toHostedUi = recorder.to(HOSTED_UI);
  expect(toHostedUi.filter((r) => r.isNavigationRequest())).toEqual([]);
  const refreshes = recorder.tokenRequests(HOSTED_UI).filter((r) => formOf(r).get('grant_type') === 'refresh_token');
  expect(refreshes.length).toBeGreaterThanOrEqual(1);
  expect(formOf(refreshes[0]).get('refresh_token')).toBe(refreshToken);
  await expect(authError(page)).toHaveCount(0);

  // New tokens stored; the refresh token kept (no rotation).
  const storage = await localStorageOf(page);
  expect(storage[k.accessToken]).not.toBe(accessToken);
  expect(Number(jwtClaims(storage[k.accessToken]).exp)).toBeGreaterThan(Number(jwtClaims(accessToken).exp));
  expect(storage[k.refreshToken]).toBe(refreshToken);
  expect(storage[k.lastAuthUser]).toBe('alice');
});

test('a revoked refresh token signs the user out cleanly, with a message', async ({ page, request }) => {
  const { accessToken, refreshToken, k } = await signedInOnD(page, 'bob');
  const { revoked } = await control.revokeRefreshTokens(request, 'bob');
  expect(revoked).toBeGreaterThanOrEqual(1);

  await page.goto('about:blank');
  await waitUntilExpiredForKit(page, accessToken, CLOCK_SKEW_SECS);
  const recorder = recordRequests(page);
  await page.goto(`${D.url}/`);
  await expect(sessionState(page)).toHaveText('signed-out');
  await expectAuthError(page, 'invalid_grant');

  // Cleanly: still on the app (no bounce to the Hosted UI), nothing of the session left.
  await expect(page).toHaveURL(`${D.url}/`);
  expect(recorder.to(HOSTED_UI).filter((r) => r.isNavigationRequest())).toEqual([]);
  expect(kitKeys(await localStorageOf(page), D.clientId)).toEqual([]);
  await expect(page.getByTestId('username')).toHaveCount(0);
  // A definite answer, not a transient one: no Retry is offered.
  await expect(page.getByTestId('retry')).toHaveCount(0);

  // Signing in again works (the Hosted UI's session lets bob straight through) and brings
  // a new refresh token.
  await throughHostedUi(page, D, () => signInButton(page).click(), 'bob');
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('bob');
  await expect(authError(page)).toHaveCount(0);
  const storage = await localStorageOf(page);
  expect(storage[k.refreshToken]).toBeTruthy();
  expect(storage[k.refreshToken]).not.toBe(refreshToken);
});

test('token endpoint failing: the error is shown, Retry works, nothing is lost', async ({ page, request }) => {
  const { accessToken, refreshToken, k } = await signedInOnD(page, 'alice');
  await control.failTokenEndpoint(request, 1);

  await page.goto('about:blank');
  await waitUntilExpiredForKit(page, accessToken, CLOCK_SKEW_SECS);
  await page.goto(`${D.url}/`);
  await expectAuthError(page, /server_error|endpoint_error/);
  const retry = page.getByTestId('retry');
  await expect(retry).toBeVisible();

  // Nothing lost: the session (and its refresh token) is still stored; still on the app.
  await expect(page).toHaveURL(`${D.url}/`);
  let storage = await localStorageOf(page);
  expect(storage[k.lastAuthUser]).toBe('alice');
  expect(storage[k.refreshToken]).toBe(refreshToken);
  expect((await control.state(request)).queued_token_faults).toBe(0);

  await retry.click();
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  await expect(authError(page)).toHaveCount(0);
  storage = await localStorageOf(page);
  expect(storage[k.accessToken]).not.toBe(accessToken);
  expect(storage[k.refreshToken]).toBe(refreshToken);
});

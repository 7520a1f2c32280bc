// What the callback route does with responses that are not a fresh, matching sign-in.

import { randomBytes } from 'node:crypto';

import { expect, test, type Page } from '@playwright/test';

import { A, HOSTED_UI } from './env';
import {
  expectAuthError,
  expectSignInForm,
  keys,
  kitKeys,
  localStorageOf,
  openDemo,
  recordRequests,
  sessionState,
  signIn,
  signInButton,
  pendingKeys,
} from './helpers';

/** Clicks "Sign in" and stops on the Hosted UI's form: a pending sign-in is stored. */
async function startSignIn(page: Page) {
  await openDemo(page, A, '/', 'signed-out');
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);
  return new URL(page.url()).searchParams.get('state');
}

/** The pending sign-in record the kit keeps in localStorage. */
async function pendingSignIn(page: Page): Promise<{ state: string } | undefined> {
  const storage = await localStorageOf(page);
  const pending = pendingKeys(storage, A.clientId);
  expect(pending.length).toBeLessThanOrEqual(1);
  return pending.length ? JSON.parse(storage[pending[0]]) : undefined;
}

test('forged callback (state not ours) is rejected and nothing is stored', async ({ page }) => {
  const sentState = await startSignIn(page);
  expect(sentState).toBeTruthy();

  const recorder = recordRequests(page);
  const forgedState = randomBytes(32).toString('base64url');
  await page.goto(`${A.url}/callback?code=${randomBytes(16).toString('hex')}&state=${forgedState}`);
  await expectAuthError(page, 'state_mismatch');
  await expect(sessionState(page)).toHaveText('signed-out');

  // The forged code was never sent to the token endpoint.
  expect(recorder.tokenRequests(HOSTED_UI)).toEqual([]);
  const storage = await localStorageOf(page);
  const k = keys(A.clientId);
  expect(storage[k.lastAuthUser]).toBeUndefined();
  expect(kitKeys(storage, A.clientId).filter((key) => /\.(idToken|accessToken|refreshToken)$/.test(key))).toEqual([]);
  // A response that is not ours changes nothing: our own sign-in is still pending.
  expect((await pendingSignIn(page))?.state).toBe(sentState);
});

test('a replayed callback URL is refused and changes nothing', async ({ page, browser }) => {
  await openDemo(page, A, '/', 'signed-out');
  let callbackUrl = '';
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.url().startsWith(`${A.url}/callback?`)) callbackUrl = r.url();
  });
  await signIn(page, A, 'alice');
  expect(callbackUrl).toContain('code=');
  const kitEntries = async (p: Page) =>
    Object.fromEntries(Object.entries(await localStorageOf(p)).filter(([k]) => k.startsWith(keys(A.clientId).prefix)));
  const signedIn = await kitEntries(page);
  expect(signedIn[keys(A.clientId).lastAuthUser]).toBe('alice');

  // Replayed in the same tab: the pending sign-in was consumed by the first use.
  const recorder = recordRequests(page);
  await page.goto(callbackUrl);
  await expectAuthError(page, 'no_pending_sign_in');
  expect(recorder.tokenRequests(HOSTED_UI)).toEqual([]);
  expect(await kitEntries(page)).toEqual(signedIn);
  await openDemo(page, A, '/', 'signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');

  // Replayed in another browser (an attacker holding the URL): nothing to match, nothing stored.
  const context = await browser.newContext();
  const other = await context.newPage();
  const otherRecorder = recordRequests(other);
  await other.goto(callbackUrl);
  await expectAuthError(other, 'no_pending_sign_in');
  await expect(sessionState(other)).toHaveText('signed-out');
  expect(otherRecorder.tokenRequests(HOSTED_UI)).toEqual([]);
  expect(kitKeys(await localStorageOf(other), A.clientId)).toEqual([]);
  await context.close();
});

test('a Cognito ?error=access_denied callback is shown and consumes the pending sign-in', async ({ page }) => {
  const sentState = await startSignIn(page);
  // Back on the app's origin to read the real pending state from localStorage.
  await openDemo(page, A, '/', 'signed-out');
  const pending = await pendingSignIn(page);
  expect(pending?.state).toBe(sentState);

  const recorder = recordRequests(page);
  await page.goto(
    `${A.url}/callback?error=access_denied&error_description=${encodeURIComponent('User denied the request')}&state=${encodeURIComponent(pending!.state)}`,
  );
  await expectAuthError(page, 'access_denied');
  await expect(sessionState(page)).toHaveText('signed-out');
  expect(recorder.tokenRequests(HOSTED_UI)).toEqual([]);
  const storage = await localStorageOf(page);
  expect(storage[keys(A.clientId).lastAuthUser]).toBeUndefined();
  expect(pendingKeys(storage, A.clientId)).toEqual([]);

  // A new sign-in still works afterwards.
  await openDemo(page, A, '/', 'signed-out');
  await signIn(page, A, 'alice');
});

test('a sign-in started from the callback page after a failure lands home, not back on the callback', async ({
  page,
}) => {
  await startSignIn(page);
  await page.goto(`${A.url}/callback?code=${randomBytes(16).toString('hex')}&state=${randomBytes(32).toString('base64url')}`);
  await expectAuthError(page, 'state_mismatch');

  // The header's Sign in button, on the callback page: its return path would be the
  // callback itself, where nothing is left to complete.
  await signIn(page, A, 'alice');
  await expect(page).toHaveURL(`${A.url}/`);
  await expect(page.getByText('Signing you in…')).toHaveCount(0);
});

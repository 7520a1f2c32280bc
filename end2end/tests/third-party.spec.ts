// The main path against a third-party OAuth server configured the Cognito way (npm
// oidc-provider, end2end/third-party/server.mjs): the kit must not depend on anything
// peculiar to cognito-local.

import { expect, test } from '@playwright/test';

import { C, THIRD_PARTY } from './env';
import {
  expectSignInForm,
  jwtClaims,
  keys,
  kitKeys,
  localStorageOf,
  openDemo,
  recordRequests,
  reportTiming,
  sessionState,
  signIn,
  signInButton,
  submitSignInForm,
  signOutAndReturn,
} from './helpers';

test('third-party OAuth server: sign-in, reload, sign-out', async ({ page }) => {
  await openDemo(page, C, '/', 'signed-out');
  const recorder = recordRequests(page);
  const ms = await signIn(page, C, 'alice');
  reportTiming('one full sign-in against the third-party server', ms);
  await expect(page).toHaveURL(`${C.url}/`);

  const authorize = recorder.requests.find((r) => r.url().startsWith(`${THIRD_PARTY}/oauth2/authorize?`));
  expect(new URL(authorize!.url()).searchParams.get('code_challenge_method')).toBe('S256');
  const storage = await localStorageOf(page);
  const k = keys(C.clientId, 'alice');
  expect(storage[k.lastAuthUser]).toBe('alice');
  expect(jwtClaims(storage[k.idToken])).toMatchObject({ iss: C.issuer, aud: C.clientId, token_use: 'id' });
  expect(jwtClaims(storage[k.accessToken])).toMatchObject({ iss: C.issuer, client_id: C.clientId, token_use: 'access' });
  expect(storage[k.refreshToken]).toBeTruthy();

  // The protected page shows what the third-party tokens say.
  await openDemo(page, C, '/protected', 'signed-in');
  await expect(page.getByTestId('claims')).toContainText('alice@example.com');
  await expect(page.getByTestId('scopes')).toContainText('aws.cognito.signin.user.admin');

  // Reload: still signed in, no trip to the server.
  recorder.requests.length = 0;
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-in');
  expect(recorder.to(THIRD_PARTY)).toEqual([]);

  // Sign out: through the /logout shim back to the app; local and server sessions gone.
  await openDemo(page, C, '/', 'signed-in');
  await signOutAndReturn(page, C);
  await expect(page).toHaveURL(`${C.url}/`);
  await expect(sessionState(page)).toHaveText('signed-out');
  expect(kitKeys(await localStorageOf(page), C.clientId)).toEqual([]);
  expect(recorder.requests.some((r) => r.url().startsWith(`${THIRD_PARTY}/logout?`))).toBe(true);
  await signInButton(page).click();
  await expectSignInForm(page, THIRD_PARTY);
  await submitSignInForm(page, 'bob');
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('bob');
});

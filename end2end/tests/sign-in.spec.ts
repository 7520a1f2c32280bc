// Sign-in and sign-out through the local Hosted UI (cognito-local), code and implicit flows.

import { createHash } from 'node:crypto';

import { expect, test } from '@playwright/test';

import { A, B, HOSTED_UI, PASSWORD } from './env';
import {
  expectSignInForm,
  formOf,
  historyUrls,
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
  authError,
  pendingKeys,
  signOutAndReturn,
} from './helpers';

const SCOPES = 'openid email profile phone aws.cognito.signin.user.admin';

test('code flow: sign-in with PKCE lands back on the page that asked for it', async ({ page }) => {
  await openDemo(page, A, '/', 'signed-out');
  const recorder = recordRequests(page);

  const ms = await signIn(page, A, 'alice');
  reportTiming('one full sign-in, code flow (click "Sign in" -> username on screen)', ms);
  await expect(page).toHaveURL(`${A.url}/`);

  // The authorize request: code flow, PKCE S256, state, nonce, our client and callback.
  const authorize = recorder.requests.find((r) => r.url().startsWith(`${HOSTED_UI}/oauth2/authorize?`));
  expect(authorize, 'a request to /oauth2/authorize').toBeTruthy();
  const q = new URL(authorize!.url()).searchParams;
  expect(q.get('response_type')).toBe('code');
  expect(q.get('client_id')).toBe(A.clientId);
  expect(q.get('redirect_uri')).toBe(`${A.url}/callback`);
  expect(q.get('code_challenge_method')).toBe('S256');
  expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(q.get('state')?.length ?? 0).toBeGreaterThanOrEqual(32);
  expect(q.get('nonce')?.length ?? 0).toBeGreaterThanOrEqual(32);

  // The code exchange carried the verifier matching the challenge.
  const tokenCalls = recorder.tokenRequests(HOSTED_UI);
  expect(tokenCalls).toHaveLength(1);
  const form = formOf(tokenCalls[0]);
  expect(form.get('grant_type')).toBe('authorization_code');
  expect(form.get('redirect_uri')).toBe(`${A.url}/callback`);
  const verifier = form.get('code_verifier') ?? '';
  expect(createHash('sha256').update(verifier).digest('base64url')).toBe(q.get('code_challenge'));

  // Stored the original SDK's way; the pending sign-in is consumed.
  const storage = await localStorageOf(page);
  const k = keys(A.clientId, 'alice');
  expect(storage[k.lastAuthUser]).toBe('alice');
  expect(jwtClaims(storage[k.idToken])).toMatchObject({ token_use: 'id', aud: A.clientId, 'cognito:username': 'alice', nonce: q.get('nonce') });
  expect(jwtClaims(storage[k.accessToken])).toMatchObject({ token_use: 'access', client_id: A.clientId, username: 'alice' });
  expect(storage[k.refreshToken]).toBeTruthy();
  expect(storage[k.tokenScopes]).toBe(SCOPES);
  expect(pendingKeys(storage, A.clientId)).toEqual([]);
});

test('implicit flow: sign-in takes the tokens from the fragment', async ({ page }) => {
  await openDemo(page, B, '/', 'signed-out');
  const recorder = recordRequests(page);
  let fragmentRedirect = '';
  page.on('response', (res) => {
    const location = res.headers()['location'];
    if (location?.startsWith(`${B.url}/callback#`)) fragmentRedirect = location;
  });

  const ms = await signIn(page, B, 'alice');
  reportTiming('one full sign-in, implicit flow', ms);
  await expect(page).toHaveURL(`${B.url}/`);

  const authorize = recorder.requests.find((r) => r.url().startsWith(`${HOSTED_UI}/oauth2/authorize?`));
  const q = new URL(authorize!.url()).searchParams;
  expect(q.get('response_type')).toBe('token');
  expect(q.get('redirect_uri')).toBe(`${B.url}/callback`);
  expect(fragmentRedirect).toContain('access_token=');
  expect(fragmentRedirect).toContain('id_token=');
  // No code to exchange: the token endpoint is never called.
  expect(recorder.tokenRequests(HOSTED_UI)).toHaveLength(0);

  const storage = await localStorageOf(page);
  const k = keys(B.clientId, 'alice');
  expect(storage[k.lastAuthUser]).toBe('alice');
  expect(jwtClaims(storage[k.accessToken])).toMatchObject({ token_use: 'access', username: 'alice' });
  expect(jwtClaims(storage[k.idToken])).toMatchObject({ token_use: 'id', nonce: q.get('nonce') });
  // The implicit flow never gives a refresh token.
  expect(storage[k.refreshToken] ?? '').toBe('');
  expect(pendingKeys(storage, B.clientId)).toEqual([]);
});

test('reload keeps the session without any request to the Hosted UI', async ({ page }) => {
  await openDemo(page, A, '/', 'signed-out');
  await signIn(page, A, 'alice');

  const recorder = recordRequests(page);
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  await openDemo(page, A, '/protected', 'signed-in');
  await expect(page.getByTestId('claims')).toContainText('alice');
  // Give a late refresh or redirect the chance to show itself.
  await page.waitForTimeout(500);
  recorder.stop();

  expect(recorder.to(HOSTED_UI).map((r) => `${r.method()} ${r.url()}`)).toEqual([]);
  await expect(page).toHaveURL(`${A.url}/protected`);
});

test('/protected when signed out starts sign-in and returns to /protected', async ({ page }) => {
  await page.goto(`${A.url}/protected`);
  await expectSignInForm(page, HOSTED_UI);
  const pending = new URL(page.url()).searchParams;
  expect(pending.get('client_id')).toBe(A.clientId);

  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${A.url}/protected`);
  await expect(sessionState(page)).toHaveText('signed-in');

  const claims = page.getByTestId('claims');
  await expect(claims).toContainText('alice');
  await expect(claims).toContainText('alice@example.com');
  await expect(claims).toContainText('admin');
  const scopes = page.getByTestId('scopes');
  for (const scope of SCOPES.split(' ')) await expect(scopes).toContainText(scope);

  // The expiry countdown ticks.
  const countdown = page.getByTestId('expires-in');
  await expect(countdown).toHaveText(/\d/);
  const before = await countdown.textContent();
  await expect(countdown).not.toHaveText(before ?? '', { timeout: 5_000 });
});

test('sign-out ends the local session and the Hosted UI session', async ({ page, request }) => {
  await openDemo(page, A, '/', 'signed-out');
  await signIn(page, A, 'alice');
  const before = await localStorageOf(page);
  const refreshToken = before[keys(A.clientId, 'alice').refreshToken];
  expect(refreshToken).toBeTruthy();

  const recorder = recordRequests(page);
  await signOutAndReturn(page, A);
  await expect(page).toHaveURL(`${A.url}/`);
  await expect(sessionState(page)).toHaveText('signed-out');
  await expect(page.getByTestId('username')).toHaveCount(0);
  await expect(signInButton(page)).toBeEnabled();

  // Local session gone: no key of the client is left.
  expect(kitKeys(await localStorageOf(page), A.clientId)).toEqual([]);
  // The refresh token was revoked, and Cognito's /logout was visited.
  const revoke = recorder.requests.find((r) => r.method() === 'POST' && r.url() === `${HOSTED_UI}/oauth2/revoke`);
  expect(revoke, 'POST /oauth2/revoke').toBeTruthy();
  expect(formOf(revoke!).get('token')).toBe(refreshToken);
  const logout = recorder.requests.find((r) => r.url().startsWith(`${HOSTED_UI}/logout?`));
  expect(logout, 'GET /logout').toBeTruthy();
  const lq = new URL(logout!.url()).searchParams;
  expect(lq.get('client_id')).toBe(A.clientId);
  expect(lq.get('logout_uri')).toBe(`${A.url}/`);
  const refresh = await request.post(`${HOSTED_UI}/oauth2/token`, {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: A.clientId },
  });
  expect(refresh.status()).toBe(400);
  expect((await refresh.json()).error).toBe('invalid_grant');

  // Hosted UI session gone: the next sign-in asks for the password again.
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(sessionState(page)).toHaveText('signed-in');
});

test('wrong password: the Hosted UI says so and nothing reaches the app', async ({ page }) => {
  await openDemo(page, A, '/', 'signed-out');
  const recorder = recordRequests(page);
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice', 'not-the-password');

  await expect(page.getByRole('alert')).toHaveText('Incorrect username or password.');
  await expect(page).toHaveURL((url) => url.origin === HOSTED_UI);
  expect(recorder.to(A.url).filter((r) => r.url().startsWith(`${A.url}/callback`))).toEqual([]);
  expect(recorder.tokenRequests(HOSTED_UI)).toEqual([]);

  // The form still works with the right password.
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(`${A.url}/`);
  await expect(sessionState(page)).toHaveText('signed-in');
});

test('no code or token is left in location.href or the history after the callback', async ({ page, browser }) => {
  // Code flow.
  await openDemo(page, A, '/', 'signed-out');
  await signIn(page, A, 'alice');
  await expect(page).toHaveURL(`${A.url}/`);
  expect(await page.evaluate(() => window.location.href)).toBe(`${A.url}/`);
  for (const url of await historyUrls(page)) {
    expect(url).not.toMatch(/[?#&](code|access_token|id_token|refresh_token)=/);
    if (url.startsWith(A.url)) expect(url).not.toMatch(/[?#&](state|error)=/);
  }

  // Implicit flow (tokens in the fragment).
  const context = await browser.newContext();
  const implicit = await context.newPage();
  await openDemo(implicit, B, '/', 'signed-out');
  await signIn(implicit, B, 'alice');
  await expect(implicit).toHaveURL(`${B.url}/`);
  expect(await implicit.evaluate(() => window.location.href)).toBe(`${B.url}/`);
  for (const url of await historyUrls(implicit)) {
    expect(url).not.toMatch(/[?#&](code|access_token|id_token|refresh_token)=/);
    if (url.startsWith(B.url)) expect(url).not.toMatch(/[?#&](state|error)=/);
  }
  // Going back does not land on the callback URL either.
  await implicit.goBack();
  expect(implicit.url()).not.toMatch(/access_token=|id_token=/);
  await context.close();
});

test('group gate: alice (admin) sees /admin, bob is told he is not allowed', async ({ page, browser }) => {
  await page.goto(`${A.url}/admin`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${A.url}/admin`);
  await expect(page.getByTestId('admin-page')).toBeVisible();
  await expect(page.getByTestId('forbidden')).toHaveCount(0);

  const context = await browser.newContext();
  const bob = await context.newPage();
  await bob.goto(`${A.url}/admin`);
  await expectSignInForm(bob, HOSTED_UI);
  await submitSignInForm(bob, 'bob');
  await expect(bob).toHaveURL(`${A.url}/admin`);
  await expect(sessionState(bob)).toHaveText('signed-in');
  await expect(bob.getByTestId('forbidden')).toBeVisible();
  await expect(bob.getByTestId('forbidden')).toContainText(/not allowed/i);
  await expect(bob.getByTestId('admin-page')).toHaveCount(0);
  await context.close();
});

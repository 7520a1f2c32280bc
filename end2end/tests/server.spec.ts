// The server side: server functions and /api/me verify the access token (instance A,
// tokens in localStorage sent as `Authorization: Bearer`), and cookie session mode
// (instance E) renders protected pages signed in on the server.

import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { A, E, HOSTED_UI } from './env';
import {
  collectErrors,
  expectSignInForm,
  formOf,
  HYDRATION_OR_PANIC,
  keys,
  localStorageOf,
  openDemo,
  recordRequests,
  sessionState,
  shiftClock,
  signIn,
  submitSignInForm,
} from './helpers';

/** Signs `username` in on A from the home page; returns the stored access token. */
async function signedInOnA(page: Page, username: string) {
  await openDemo(page, A, '/', 'signed-out');
  await signIn(page, A, username);
  const storage = await localStorageOf(page);
  const token = storage[keys(A.clientId, username).accessToken];
  expect(token).toBeTruthy();
  return token;
}

/** The same JWT with one byte of its payload changed (still valid base64url). */
function tamper(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const i = Math.floor(payload.length / 2);
  const swapped = payload[i] === 'A' ? 'B' : 'A';
  return [header, payload.slice(0, i) + swapped + payload.slice(i + 1), signature].join('.');
}

async function me(request: APIRequestContext, url: string, token?: string) {
  return request.get(`${url}/api/me`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

test('server function without a session: the page shows missing_token, the endpoint answers 401', async ({
  page,
  request,
}) => {
  await openDemo(page, A, '/', 'signed-out');
  await page.getByTestId('ask-server').click();
  const error = page.getByTestId('server-error');
  await expect(error).toBeVisible();
  await expect(error.locator('code')).toHaveText('missing_token');
  await expect(page.getByTestId('server-says')).toHaveCount(0);

  const res = await request.post(`${A.url}/api/whoami`, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    data: '',
  });
  expect(res.status()).toBe(401);
  expect(res.headers()['www-authenticate']).toBe('Bearer');
});

test('server function with a session: /protected says who the server thinks you are', async ({ page }) => {
  await signedInOnA(page, 'alice');
  const calls: string[] = [];
  page.on('request', (r) => {
    if (r.url() === `${A.url}/api/whoami`) calls.push(r.headers()['authorization'] ?? '');
  });
  await openDemo(page, A, '/protected', 'signed-in');
  await expect(page.getByTestId('server-says')).toHaveText('The server says you are alice');
  await expect(page.getByTestId('server-error')).toHaveCount(0);
  // The kit's server-function client sent the access token.
  expect(calls.length).toBeGreaterThanOrEqual(1);
  expect(calls[0]).toMatch(/^Bearer eyJ/);

  // The home page's button, signed in.
  await openDemo(page, A, '/', 'signed-in');
  await page.getByTestId('ask-server').click();
  await expect(page.getByTestId('server-says')).toHaveText('The server says you are alice');
});

test('a 401 from a server function makes the client refresh and send the call once more', async ({ page }) => {
  await signedInOnA(page, 'alice');
  let refused = 0;
  await page.route(`${A.url}/api/whoami`, async (route) => {
    if (refused === 0) {
      refused += 1;
      await route.fulfill({ status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' }, body: '' });
    } else {
      await route.continue();
    }
  });
  const recorder = recordRequests(page);
  await openDemo(page, A, '/protected', 'signed-in');
  await expect(page.getByTestId('server-says')).toHaveText('The server says you are alice');
  expect(refused).toBe(1);
  const refreshes = recorder.tokenRequests(HOSTED_UI).filter((r) => formOf(r).get('grant_type') === 'refresh_token');
  expect(refreshes).toHaveLength(1);
  // The retry carried the refreshed access token. The refreshed session is published
  // without building the protected page again (signed in it was, signed in it stays), so
  // the page does not ask again: the refused call and its retry, nothing more.
  await expect(page.getByTestId('last-event')).toHaveText('refreshed');
  await page.waitForTimeout(1_000);
  const calls = recorder.requests.filter((r) => r.url() === `${A.url}/api/whoami`);
  expect(calls).toHaveLength(2);
  const [refusedCall, retry] = calls.map((r) => r.headers()['authorization']);
  expect(refusedCall).toMatch(/^Bearer eyJ/);
  expect(retry).toMatch(/^Bearer eyJ/);
  expect(retry).not.toBe(refusedCall);
});

test('/api/me: 200 with the real token, 401 with WWW-Authenticate for a tampered or missing one', async ({
  page,
  request,
}) => {
  const token = await signedInOnA(page, 'alice');

  const ok = await me(request, A.url, token);
  expect(ok.status()).toBe(200);
  const body = await ok.json();
  expect(body.username).toBe('alice');
  expect(body.sub).toBeTruthy();
  expect(body.groups).toEqual(['admin']);
  expect(body.scopes).toContain('openid');

  const tampered = await me(request, A.url, tamper(token));
  expect(tampered.status()).toBe(401);
  expect(tampered.headers()['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  expect((await tampered.json()).error).toMatch(/^(bad_signature|malformed)$/);

  const missing = await me(request, A.url);
  expect(missing.status()).toBe(401);
  expect(missing.headers()['www-authenticate']).toBe('Bearer');
});

test('admin server function: alice gets the report, bob gets 403 missing_group', async ({ page, browser }) => {
  await signedInOnA(page, 'alice');
  await openDemo(page, A, '/admin', 'signed-in');
  await expect(page.getByTestId('admin-report')).toContainText('Verified on the server for alice');

  const context = await browser.newContext();
  const bob = await context.newPage();
  const bobToken = await signedInOnA(bob, 'bob');
  const answers: number[] = [];
  bob.on('response', (r) => {
    if (r.url() === `${A.url}/api/admin_report`) answers.push(r.status());
  });
  await openDemo(bob, A, '/admin', 'signed-in');
  await expect(bob.getByTestId('forbidden')).toBeVisible();
  await expect(bob.getByTestId('server-error').locator('code')).toHaveText('missing_group');
  await expect(bob.getByTestId('admin-report')).toHaveCount(0);
  expect(answers).toEqual([403]);

  const direct = await bob.request.post(`${A.url}/api/admin_report`, {
    headers: { Authorization: `Bearer ${bobToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    data: '',
  });
  expect(direct.status()).toBe(403);
  expect(direct.headers()['www-authenticate']).toMatch(/insufficient_scope/);
  await context.close();
});

test('cookie session mode: /protected renders signed in on the server, JavaScript disabled', async ({
  page,
  browser,
}) => {
  // Signed out, the server itself sends /protected to the Hosted UI (no page, no script).
  const first = await page.request.get(`${E.url}/protected`, { maxRedirects: 0 });
  // 303 See Other: both session layers redirect the one way.
  expect(first.status()).toBe(303);
  const location = new URL(first.headers()['location']);
  expect(`${location.origin}${location.pathname}`).toBe(`${HOSTED_UI}/oauth2/authorize`);
  expect(location.searchParams.get('redirect_uri')).toBe(`${E.url}/callback`);
  // The pending sign-in is kept under its own state.
  expect(first.headers()['set-cookie']).toContain(
    `${keys(E.clientId).pendingPrefix}.${location.searchParams.get('state')}=`,
  );

  // With JavaScript: the server's redirect, the Hosted UI, the callback, back to /protected.
  await page.goto(`${E.url}/protected`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${E.url}/protected`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('server-says')).toHaveText('The server says you are alice');
  const cookies = await page.context().cookies(E.url);
  const names = cookies.map((c) => decodeURIComponent(c.name));
  const k = keys(E.clientId, 'alice');
  expect(names).toEqual(expect.arrayContaining([k.lastAuthUser, k.accessToken, k.idToken, k.refreshToken]));
  // The sign-in that completed took its pending record along; the one the first request
  // started and left stays until it expires (it cannot be told from another tab's).
  expect(names.filter((n) => n.startsWith(keys(E.clientId).pendingPrefix))).toEqual([
    `${keys(E.clientId).pendingPrefix}.${location.searchParams.get('state')}`,
  ]);
  expect(await localStorageOf(page)).toEqual({});

  // The same cookies in a browser without JavaScript: the server's HTML is signed in.
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  await noJs.addCookies(cookies);
  const plain = await noJs.newPage();
  const response = await plain.goto(`${E.url}/protected`);
  expect(response?.status()).toBe(200);
  await expect(plain).toHaveURL(`${E.url}/protected`);
  await expect(sessionState(plain)).toHaveText('signed-in');
  await expect(plain.getByTestId('username')).toHaveText('alice');
  await expect(plain.getByTestId('claims')).toContainText('alice@example.com');
  await noJs.close();

  // With JavaScript the page hydrates over the signed-in HTML: the first client render
  // starts from the same cookies, so no hydration error and no "loading" on the way.
  const problems = collectErrors(page);
  await page.goto(`${E.url}/protected`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('server-says')).toHaveText('The server says you are alice');
  await expect(page.getByTestId('expires-in')).toHaveText(/in \d+:\d\d/);
  expect(problems).toEqual([]);

  // The cookie session authenticates /api/me for the page's own (same-origin) requests.
  const meStatus = await page.evaluate(async () => (await fetch('/api/me')).status);
  expect(meStatus).toBe(200);

  // A link followed from another site changes nothing: the cookies act, so the page it
  // opens has the visitor's data.
  const linkedFromElsewhere = await page.request.get(`${E.url}/api/me`, {
    headers: { 'Sec-Fetch-Site': 'cross-site' },
  });
  expect(linkedFromElsewhere.status()).toBe(200);

  // But not for state changes another site makes the browser send (CSRF): the same cookies,
  // marked cross-site by the browser, or a POST naming a foreign Origin, are not a session.
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const crossSite = await page.request.post(`${E.url}/api/whoami`, {
    headers: { ...form, 'Sec-Fetch-Site': 'cross-site' },
    data: '',
  });
  expect(crossSite.status()).toBe(401);
  const foreignOrigin = await page.request.post(`${E.url}/api/whoami`, {
    headers: { ...form, Origin: 'http://evil.example' },
    data: '',
  });
  expect(foreignOrigin.status()).toBe(401);
  const sameOrigin = await page.request.post(`${E.url}/api/whoami`, {
    headers: { ...form, Origin: E.url, 'Sec-Fetch-Site': 'same-origin' },
    data: '',
  });
  expect(sameOrigin.status()).toBe(200);
});

test('cookie session mode: a signed-out request for /admin is redirected, / is not', async ({ request }) => {
  const admin = await request.get(`${E.url}/admin`, { maxRedirects: 0 });
  expect(admin.status()).toBe(303);
  expect(admin.headers()['location']).toMatch(/\/oauth2\/authorize\?/);
  const home = await request.get(`${E.url}/`, { maxRedirects: 0 });
  expect(home.status()).toBe(200);
  expect(await home.text()).toContain('signed-out');
});

test('cookie session mode: a session the server cannot verify renders the same on the server and in the first client render', async ({
  page,
  context,
}) => {
  await openDemo(page, E, '/', 'signed-out');
  await signIn(page, E, 'alice');
  // Spoil the access token's signature: time-valid, readable, but the server refuses it.
  const k = keys(E.clientId, 'alice');
  const cookies = await context.cookies(E.url);
  const access = cookies.find((c) => decodeURIComponent(c.name) === k.accessToken)!;
  const token = decodeURIComponent(access.value);
  const spoiled = token.slice(0, token.lastIndexOf('.') + 1) + 'c2lnbmF0dXJl';
  await context.addCookies([{ ...access, value: encodeURIComponent(spoiled) }]);
  // The server renders "not known yet" (it could not accept the token)...
  const html = await (await page.request.get(`${E.url}/`)).text();
  expect(html).toMatch(/data-testid="session-state"[^>]*>loading</);
  // ...and so does the browser's first render, from the same cookies and the server's
  // verdict, so the page hydrates without a mismatch (the console fixture fails on a panic);
  // then the browser decides by itself.
  const errors = collectErrors(page);
  await page.goto(`${E.url}/`);
  await expect(sessionState(page)).not.toHaveText('loading');
  expect(errors.filter((e) => HYDRATION_OR_PANIC.test(e))).toEqual([]);
});

test("cookie session mode: a browser clock hours ahead of the server's first shows what the server rendered", async ({
  page,
  context,
}) => {
  await openDemo(page, E, '/', 'signed-out');
  await signIn(page, E, 'alice');
  const accessToken = async () => {
    const name = keys(E.clientId, 'alice').accessToken;
    return (await context.cookies(E.url)).find((c) => decodeURIComponent(c.name) === name)?.value;
  };
  const signedInWith = await accessToken();
  expect(signedInWith).toBeTruthy();
  // The server renders the protected page signed in (the session is valid by its clock);
  // the browser's clock, two hours ahead, sees the same cookies expired. Its first render
  // must still show what the server rendered, or hydration breaks; then it refreshes.
  await page.addInitScript(shiftClock, 2 * 3_600 * 1_000);
  const html = await (await page.request.get(`${E.url}/protected`)).text();
  expect(html).toMatch(/data-testid="session-state"[^>]*>signed-in</);
  const errors = collectErrors(page);
  await page.goto(`${E.url}/protected`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  await expect(page.getByTestId('claims')).toContainText('alice@example.com');
  // Then the browser judged the session by its own clock: expired, so refreshed.
  await expect.poll(accessToken).not.toBe(signedInWith);
  await expect(sessionState(page)).toHaveText('signed-in');
  expect(errors.filter((e) => HYDRATION_OR_PANIC.test(e))).toEqual([]);
});

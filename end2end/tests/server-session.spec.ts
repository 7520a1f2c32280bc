// Server sessions (instance H, COGNITO_STORAGE=server): the demo server exchanges the code,
// keeps the tokens and refreshes them; the browser holds only an HttpOnly cookie.

import type { Page } from '@playwright/test';

import { H, HOSTED_UI, PASSWORD } from './env';
import { expect, test } from './fixtures';
import {
  authError,
  control,
  expectAuthError,
  expectSignInForm,
  localStorageOf,
  recordRequests,
  sessionState,
  // In server-session mode both are forms (a GET to the sign-in route, a POST to sign-out).
  signInButton,
  signOutButton,
  submitSignInForm,
} from './helpers';

/** Signs alice in on H: from the home page's link, or (for a protected `path`) through the
 * server's own redirect of a signed-out visitor. */
async function signInOnH(page: Page, path = '/') {
  await page.goto(H.url + path);
  if (path === '/') {
    await expect(sessionState(page)).toHaveText('signed-out');
    await signInButton(page).click();
  }
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL((url) => url.origin === H.url);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
}

/** Seconds until the kit refreshes the 12 s tokens (3 s skew: a quarter of their lifetime; 1 s margin), plus a little. */
const UNTIL_REFRESH_MS = 8_500;

test.beforeEach(async ({ context }) => {
  await context.clearCookies();
});

test('server sessions: sign in, reload without the Hosted UI, a protected page rendered signed in, no token the page can read', async ({ page, request }) => {
  await signInOnH(page);

  // A reload asks nothing of the Hosted UI.
  const recorded = recordRequests(page);
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-in');
  recorded.stop();
  expect(recorded.to(HOSTED_UI)).toEqual([]);

  // The protected page's first response is rendered signed in.
  const cookies = await page.context().cookies(H.url);
  const session = cookies.find((c) => c.name === 'lca-session');
  expect(session, 'the session cookie').toBeTruthy();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe('Lax');
  const html = await (
    await request.get(`${H.url}/protected`, { headers: { cookie: `lca-session=${session!.value}` }, maxRedirects: 0 })
  ).text();
  expect(html).toMatch(/data-testid="username"[^>]*>alice</);
  expect(html).toMatch(/data-testid="session-state"[^>]*>signed-in</);
  expect(html).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

  // Nothing the page's JavaScript can read holds a token.
  await page.goto(`${H.url}/protected`);
  await expect(page.getByTestId('server-says')).toContainText('alice');
  // The tokens' claims stay on the server too.
  await expect(page.getByTestId('claims-on-server')).toBeVisible();
  expect(await page.evaluate(() => document.cookie)).not.toContain('lca-session');
  expect(await page.evaluate(() => document.cookie)).not.toMatch(/eyJ/);
  expect(JSON.stringify(await localStorageOf(page))).not.toMatch(/eyJ/);
  expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toMatch(/eyJ/);
  expect(await page.content()).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  // Not the client secret either.
  expect(await page.content()).not.toContain('e2e-server-secret');
});

test('server sessions: an expired access token is refreshed on the server, transparently', async ({ page, request }) => {
  await signInOnH(page, '/protected');
  const before = (await control.state(request)).token_requests.refresh_token ?? 0;
  await page.waitForTimeout(UNTIL_REFRESH_MS);
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('server-says')).toContainText('alice');
  const after = (await control.state(request)).token_requests.refresh_token ?? 0;
  expect(after - before).toBe(1);
});

test('server sessions with JavaScript disabled: sign in, a protected page, sign out (refresh token revoked)', async ({ browser, request }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  // A protected page sends a signed-out visitor to the Hosted UI before anything renders.
  await page.goto(`${H.url}/protected`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${H.url}/protected`);
  await expect(page.getByTestId('username')).toHaveText('alice');
  await expect(sessionState(page)).toHaveText('signed-in');
  const revokedBefore = (await control.state(request)).revoked_refresh_tokens;
  await signOutButton(page).click();
  await expect(page).toHaveURL(`${H.url}/`);
  await expect(sessionState(page)).toHaveText('signed-out');
  expect((await control.state(request)).revoked_refresh_tokens).toBeGreaterThan(revokedBefore);
  await page.goto(`${H.url}/protected`);
  await expectSignInForm(page, HOSTED_UI);
  // The sign-in button works without JavaScript too, and comes back to its page.
  await page.goto(`${H.url}/`);
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${H.url}/`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await context.close();
});

test('server sessions: a cross-site sign-out form and a call without the CSRF header are refused', async ({ page, browser }) => {
  await signInOnH(page, '/protected');
  // Another site posts the sign-out form into this browser: the session stays.
  const evil = await page.context().newPage();
  await evil.goto('http://127.0.0.1:3000/');
  await evil.evaluate((target) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = target;
    const field = document.createElement('input');
    field.name = 'csrf_token';
    field.value = 'guessed';
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
  }, `${H.url}/auth/sign-out`);
  await evil.waitForLoadState();
  await evil.close();
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-in');

  // A state-changing call with the cookie but without the header: 403.
  const refused = await page.evaluate(async () => {
    const response = await fetch('/api/anything', { method: 'POST' });
    return { status: response.status, body: await response.text() };
  });
  expect(refused.status).toBe(403);
  expect(refused.body).toContain('csrf_rejected');
  // The kit's server-function client sends it: the protected page's call works.
  await expect(page.getByTestId('server-says')).toContainText('alice');
  void browser;
});

test('server sessions: a tampered or unknown session cookie reads as signed out', async ({ page, context }) => {
  for (const value of ['tampered', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
    await context.clearCookies();
    await context.addCookies([{ name: 'lca-session', value, url: H.url, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(H.url);
    await expect(sessionState(page)).toHaveText('signed-out');
  }
});

test('server sessions: the sign-in button comes back to the page the user is on after a client-side navigation', async ({ page }) => {
  // The header's button is rendered on the first page and kept while the router moves on.
  await page.goto(`${H.url}/no-such-page`);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(sessionState(page)).toHaveText('signed-out');
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page).toHaveURL(`${H.url}/`);
  expect(
    await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
    'the router navigated in the page',
  ).toBe(true);
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page).toHaveURL(`${H.url}/`);
});

test('server sessions: signed out and in again as another user in another tab, the first tab signs out with the button it kept', async ({ page, context }) => {
  await signInOnH(page);
  const other = await context.newPage();
  await other.goto(H.url);
  await expect(other.getByTestId('username')).toHaveText('alice');
  await signOutButton(other).click();
  await expect(sessionState(other)).toHaveText('signed-out');
  await signInButton(other).click();
  await expectSignInForm(other, HOSTED_UI);
  await submitSignInForm(other, 'bob');
  await expect(other.getByTestId('username')).toHaveText('bob');
  await other.close();
  // The first tab, shown again, asks the server: still signed in, now as bob. Its sign-out
  // button was rendered for alice's session and is not rendered again.
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
  await expect(page.getByTestId('username')).toHaveText('bob');
  await signOutButton(page).click();
  await expect(page).toHaveURL(`${H.url}/`);
  await expect(sessionState(page)).toHaveText('signed-out');
});

for (const evil of ['//evil.example', 'https://evil.example']) {
  test(`server sessions: return_to=${evil} is refused`, async ({ page }) => {
    await page.goto(`${H.url}/auth/sign-in?return_to=${encodeURIComponent(evil)}`);
    await expectSignInForm(page, HOSTED_UI);
    await submitSignInForm(page, 'alice');
    await expect(page).toHaveURL(`${H.url}/`);
    await expect(sessionState(page)).toHaveText('signed-in');
  });
}

test('server sessions: a revoked refresh token leads to signed out with a message', async ({ page, request }) => {
  await signInOnH(page);
  await control.revokeRefreshTokens(request, 'alice');
  await page.waitForTimeout(UNTIL_REFRESH_MS);
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-out');
  await expectAuthError(page, 'invalid_grant');
});

test('server sessions: the token endpoint failing during the callback and during a refresh gives a clear error, and the session is kept', async ({ page, request }) => {
  // During the callback: a clear error, no session.
  await page.goto(H.url);
  await control.failTokenEndpoint(request);
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${H.url}/`);
  await expectAuthError(page, 'server_error');
  await expect(sessionState(page)).toHaveText('signed-out');

  // Signed in; the refresh then hangs past the 2 s timeout: a clear error, and the
  // session stays stored, so the next request refreshes it.
  await signInButton(page).click();
  await expect(sessionState(page)).toHaveText('signed-in');
  await page.waitForTimeout(UNTIL_REFRESH_MS);
  await control.hangTokenEndpoint(request, 3_000);
  await page.reload();
  await expectAuthError(page, 'timeout');
  await page.waitForTimeout(1_500);
  await page.reload();
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  void PASSWORD;
});

test('server sessions: a corrupted answer from the session route is a clear error, and the page stays signed in', async ({ page }) => {
  await signInOnH(page);
  // Entering a protected route asks the server again; the answer is not a session view.
  for (const body of ['{"user": 5, "csrf_token": [1]}', 'not json']) {
    await page.goto(`${H.url}/`);
    await expect(sessionState(page)).toHaveText('signed-in');
    await expect(authError(page)).toHaveCount(0);
    await page.route('**/auth/session', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body }),
    );
    await page.getByRole('link', { name: 'Protected', exact: true }).first().click();
    await expectAuthError(page, 'invalid_response');
    await expect(sessionState(page)).toHaveText('signed-in');
    await expect(page.getByTestId('username')).toHaveText('alice');
    await page.unroute('**/auth/session');
  }
});

import { expect, type APIRequestContext, type Page, type Request } from '@playwright/test';

import { HOSTED_UI, PASSWORD, type DemoInstance } from './env';

export type SessionState = 'signed-in' | 'signed-out' | 'loading';

/** The demo's session state indicator (`signed-in`, `signed-out`, `loading`). */
export function sessionState(page: Page) {
  return page.getByTestId('session-state');
}

/** Every error the demo shows (`data-testid="auth-error"`, each with the error's code). */
export function authError(page: Page) {
  return page.getByTestId('auth-error');
}

/** Waits for an error showing `code` (a page may show the banner and the callback's error). */
export async function expectAuthError(page: Page, code: string | RegExp) {
  await expect(authError(page).filter({ hasText: code }).first()).toBeVisible();
}

/** The first "Sign in" button (the header's; the home page has a second one). */
export function signInButton(page: Page) {
  return page.getByRole('button', { name: 'Sign in', exact: true }).first();
}

export function signOutButton(page: Page) {
  return page.getByRole('button', { name: 'Sign out', exact: true }).first();
}

/**
 * Opens `path` of a demo instance and waits until the page is hydrated and knows the
 * session (the server renders `loading`; only the hydrated page says anything else).
 */
export async function openDemo(page: Page, demo: DemoInstance, path = '/', state?: SessionState) {
  await page.goto(demo.url + path);
  if (state) {
    await expect(sessionState(page)).toHaveText(state);
  } else {
    await expect(sessionState(page)).not.toHaveText('loading');
  }
}

/** Fills and submits the Hosted UI's sign-in form (the emulator's or the third-party one). */
export async function submitSignInForm(page: Page, username: string, password = PASSWORD) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits for the Hosted UI's sign-in form of `hostedUi` to be on screen. */
export async function expectSignInForm(page: Page, hostedUi: string) {
  await expect(page).toHaveURL((url) => url.origin === new URL(hostedUi).origin);
  await expect(page.getByLabel('Username')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
}

/**
 * The whole sign-in from a demo page that shows the "Sign in" button: click it, sign in on
 * the Hosted UI, come back signed in. Returns how long it took in milliseconds (from the
 * click to the username on screen).
 */
export async function signIn(page: Page, demo: DemoInstance, username: string, password = PASSWORD) {
  await expect(sessionState(page)).toHaveText('signed-out');
  const started = Date.now();
  await signInButton(page).click();
  await expectSignInForm(page, demo.hostedUi);
  await submitSignInForm(page, username, password);
  await expect(page).toHaveURL((url) => url.origin === demo.url);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText(username);
  return Date.now() - started;
}

/** Every localStorage entry of the page's origin. */
export async function localStorageOf(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (let i = 0; i < window.localStorage.length; i++) {
      const key = window.localStorage.key(i)!;
      out[key] = window.localStorage.getItem(key)!;
    }
    return out;
  });
}

/** The original SDK's storage keys for a client (and a user). */
export function keys(clientId: string, username = '') {
  const p = `CognitoIdentityServiceProvider.${clientId}`;
  return {
    prefix: `${p}.`,
    lastAuthUser: `${p}.LastAuthUser`,
    pendingSignIn: `${p}.pendingSignIn`,
    idToken: `${p}.${username}.idToken`,
    accessToken: `${p}.${username}.accessToken`,
    refreshToken: `${p}.${username}.refreshToken`,
    tokenScopes: `${p}.${username}.tokenScopesString`,
  };
}

/** The keys of `clientId` present in `storage`. */
export function kitKeys(storage: Record<string, string>, clientId: string) {
  return Object.keys(storage).filter((k) => k.startsWith(keys(clientId).prefix));
}

/** The claims of a JWT (not verified: the tests only read them). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Records every request the page makes (and its frames), for later questions. */
export function recordRequests(page: Page) {
  const requests: Request[] = [];
  const listener = (r: Request) => requests.push(r);
  page.on('request', listener);
  return {
    requests,
    stop: () => page.off('request', listener),
    to: (origin: string) => requests.filter((r) => new URL(r.url()).origin === new URL(origin).origin),
    tokenRequests: (origin: string) =>
      requests.filter((r) => r.method() === 'POST' && r.url() === `${new URL(origin).origin}/oauth2/token`),
  };
}

/** The form fields of a recorded POST (token, revoke). */
export function formOf(request: Request): URLSearchParams {
  return new URLSearchParams(request.postData() ?? '');
}

/** Every URL in the tab's session history (Chromium DevTools protocol). */
export async function historyUrls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const history = (await cdp.send('Page.getNavigationHistory')) as { entries: Array<{ url: string }> };
    return history.entries.map((e) => e.url);
  } finally {
    await cdp.detach();
  }
}

/** What must never be left in an address after the callback. */
export const SECRET_PARAMS = /[?#&](code|access_token|id_token|refresh_token|state)=/;

/** The emulator's test-only control surface. */
export const control = {
  async clearFaults(request: APIRequestContext) {
    const res = await request.delete(`${HOSTED_UI}/_test/faults`);
    expect(res.status()).toBe(204);
  },
  async failTokenEndpoint(request: APIRequestContext, count = 1) {
    const res = await request.post(`${HOSTED_UI}/_test/faults/token`, { data: { fault: 'server_error', count } });
    expect(res.ok()).toBeTruthy();
  },
  async revokeRefreshTokens(request: APIRequestContext, username: string) {
    const res = await request.post(`${HOSTED_UI}/_test/users/${encodeURIComponent(username)}/revoke-refresh-tokens`);
    expect(res.ok()).toBeTruthy();
    return (await res.json()) as { revoked: number };
  },
  async state(request: APIRequestContext) {
    const res = await request.get(`${HOSTED_UI}/_test/state`);
    return (await res.json()) as { codes: number; refresh_tokens: number; sessions: number; queued_token_faults: number };
  },
};

/**
 * Waits until the kit considers `accessToken` expired: its `exp` minus the 60 s clock-skew
 * allowance is in the past (plus a margin).
 */
export async function waitUntilExpiredForKit(page: Page, accessToken: string, skewSecs: number) {
  const exp = Number(jwtClaims(accessToken).exp);
  const deadline = (exp - skewSecs) * 1000 + 750;
  const wait = deadline - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
}

/** Prints a timing line into the run's output and records it on the test. */
export function reportTiming(label: string, ms: number) {
  console.log(`timing: ${label}: ${ms} ms`);
}

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

/**
 * Clicks "Sign out" and waits until the browser has been through the Hosted UI's /logout
 * and is back on the demo's home page, loaded. (The page shows "signed-out" before it
 * leaves, so waiting for that alone would read the page while it navigates away.)
 */
export async function signOutAndReturn(page: Page, demo: DemoInstance) {
  const mainFrame = page.mainFrame();
  const back = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === mainFrame && frame.url() === `${demo.url}/`,
  });
  await signOutButton(page).click();
  await back;
  await page.waitForLoadState();
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

/** The keys of the sign-ins pending for a client in `storage` (one per sign-in started). */
export function pendingKeys(storage: Record<string, string>, clientId: string): string[] {
  const prefix = `${keys(clientId).pendingPrefix}.`;
  return Object.keys(storage).filter((key) => key.startsWith(prefix));
}

/** The original SDK's storage keys for a client (and a user). */
export function keys(clientId: string, username = '') {
  const p = `CognitoIdentityServiceProvider.${clientId}`;
  return {
    prefix: `${p}.`,
    lastAuthUser: `${p}.LastAuthUser`,
    /** Each started sign-in is kept under `<pendingPrefix>.<state>`. */
    pendingPrefix: `${p}.pendingSignIn`,
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

/** A fault the emulator's token endpoint can be told to answer with (cognito-local/src/faults.rs). */
export type TokenFault =
  | { fault: 'server_error'; count?: number }
  | { fault: 'hang'; ms: number; count?: number }
  | { fault: 'malformed_json'; count?: number };

/** The emulator's test-only control surface. */
export const control = {
  async clearFaults(request: APIRequestContext) {
    const res = await request.delete(`${HOSTED_UI}/_test/faults`);
    expect(res.status()).toBe(204);
  },
  /** The next `count` (default 1) calls to /oauth2/token get `fault`; faults queue up in order. */
  async queueTokenFault(request: APIRequestContext, fault: TokenFault) {
    const res = await request.post(`${HOSTED_UI}/_test/faults/token`, { data: fault });
    expect(res.ok()).toBeTruthy();
  },
  async failTokenEndpoint(request: APIRequestContext, count = 1) {
    await control.queueTokenFault(request, { fault: 'server_error', count });
  },
  /** The next call to /oauth2/token waits `ms` milliseconds, then answers normally. */
  async hangTokenEndpoint(request: APIRequestContext, ms: number) {
    await control.queueTokenFault(request, { fault: 'hang', ms });
  },
  /** The next call to /oauth2/token answers 200 with a body that is not valid JSON. */
  async malformedTokenResponse(request: APIRequestContext) {
    await control.queueTokenFault(request, { fault: 'malformed_json' });
  },
  async revokeRefreshTokens(request: APIRequestContext, username: string) {
    const res = await request.post(`${HOSTED_UI}/_test/users/${encodeURIComponent(username)}/revoke-refresh-tokens`);
    expect(res.ok()).toBeTruthy();
    return (await res.json()) as { revoked: number };
  },
  async state(request: APIRequestContext) {
    const res = await request.get(`${HOSTED_UI}/_test/state`);
    return (await res.json()) as {
      codes: number;
      refresh_tokens: number;
      revoked_refresh_tokens: number;
      sessions: number;
      queued_token_faults: number;
      token_requests: Record<string, number>;
      global_sign_outs: number;
    };
  },
};

/**
 * The clock-skew allowance the kit gives `accessToken` for a configured `skewSecs`: at most a
 * quarter of the token's lifetime (`exp - iat`).
 */
export function kitSkewSecs(accessToken: string, skewSecs: number): number {
  const claims = jwtClaims(accessToken);
  return Math.min(skewSecs, Math.floor((Number(claims.exp) - Number(claims.iat)) / 4));
}

/**
 * Waits until the kit considers `accessToken` expired: its `exp` minus the clock-skew
 * allowance (`skewSecs`, capped at a quarter of the token's lifetime) is in the past (plus a
 * margin).
 */
export async function waitUntilExpiredForKit(page: Page, accessToken: string, skewSecs: number) {
  const exp = Number(jwtClaims(accessToken).exp);
  skewSecs = kitSkewSecs(accessToken, skewSecs);
  // + 1 s: the kit's clock is the page's minus the stored drift, which is whole seconds, so
  // it can run up to a second behind this one; + 0.75 s to be clearly past.
  const deadline = (exp - skewSecs) * 1000 + 1_000 + 750;
  const wait = deadline - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
}

/** Prints a timing line into the run's output and records it on the test. */
export function reportTiming(label: string, ms: number) {
  console.log(`timing: ${label}: ${ms} ms`);
}

/** What a Rust panic in the page's wasm leaves behind: the panic hook's message, or the trap. */
export const PANIC = /panicked|RuntimeError: unreachable/;

/**
 * Collects the page's console messages and uncaught errors from now on; `panics()` are
 * those that show a Rust panic.
 */
export function watchConsole(page: Page) {
  const messages: string[] = [];
  page.on('console', (m) => messages.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`uncaught ${e.name}: ${e.message}\n${e.stack ?? ''}`));
  return { messages, panics: () => messages.filter((m) => PANIC.test(m)) };
}

/**
 * Collects the page's errors from now on: uncaught exceptions, console errors, and any
 * console message about hydration.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || /hydrat/i.test(m.text())) errors.push(m.text());
  });
  return errors;
}

/** An error that shows a hydration mismatch or a Rust panic. */
export const HYDRATION_OR_PANIC = /hydrat|panicked|unreachable/i;

/**
 * From a demo page that shows the "Sign in" button: click it, sign in on the Hosted UI
 * (unless its session cookie lets the browser straight through) and wait until the browser
 * is back on the demo's callback, whatever the callback then does.
 */
export async function signInUntilCallback(page: Page, demo: DemoInstance, username: string, password = PASSWORD) {
  await throughHostedUi(page, demo, () => signInButton(page).click(), username, password);
}

/**
 * Runs `leave` (a click that sends the browser to the Hosted UI), fills the Hosted UI's
 * sign-in form if it asks (within its one-hour session it does not) and waits until the
 * browser has come back to the demo's callback.
 */
export async function throughHostedUi(
  page: Page,
  demo: DemoInstance,
  leave: () => Promise<unknown>,
  username: string,
  password = PASSWORD,
) {
  const callback = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${demo.url}/callback`));
  const form = page.getByLabel('Username');
  await leave();
  const first = await Promise.race([callback.then(() => 'callback'), form.waitFor().then(() => 'form')]);
  if (first === 'form') await submitSignInForm(page, username, password);
  await callback;
  await expect(page).toHaveURL((url) => url.origin === new URL(demo.url).origin);
}

/** The kit's entries of `clientId` in the page's localStorage, keys and values. */
export async function kitEntries(page: Page, clientId: string): Promise<Record<string, string>> {
  const storage = await localStorageOf(page);
  return Object.fromEntries(kitKeys(storage, clientId).map((k) => [k, storage[k]]));
}

/** Replaces the kit's entries of `clientId` in the page's localStorage with `entries`. */
export async function setKitEntries(page: Page, clientId: string, entries: Record<string, string>) {
  await page.evaluate(
    ({ prefix, entries }) => {
      for (const key of Object.keys(window.localStorage)) {
        if (key.startsWith(prefix)) window.localStorage.removeItem(key);
      }
      for (const [key, value] of Object.entries(entries)) window.localStorage.setItem(key, value);
    },
    { prefix: keys(clientId).prefix, entries },
  );
}

/** An init script moving the page's clock (`Date.now()`, `new Date()`) by `offsetMs`. */
export function shiftClock(offsetMs: number) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as ConstructorParameters<DateConstructor>));
    }
    static now() {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}

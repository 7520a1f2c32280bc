// Faults: the token endpoint failing, hanging, answering garbage or refusing a revoked
// refresh token, the network going down, storage that is full, disabled or corrupted, and
// a device clock that is minutes or hours off.
// Whatever happens the user sees a clear state (the error's code in the demo's
// `auth-error` elements), a valid session is never thrown away, a broken one is removed,
// trying again works, and the page never panics (the `console` fixture of ./fixtures).
// The 500 on a refresh and the plain revoked-refresh-token case are in refresh.spec.ts.

import { type Page } from '@playwright/test';

import { A, F, F_HTTP_TIMEOUT_MS, HOSTED_UI, CLOCK_SKEW_SECS, type DemoInstance } from './env';
import { expect, test } from './fixtures';
import {
  authError,
  control,
  expectAuthError,
  formOf,
  keys,
  kitEntries,
  kitKeys,
  localStorageOf,
  openDemo,
  recordRequests,
  SECRET_PARAMS,
  sessionState,
  shiftClock,
  setKitEntries,
  signIn,
  signInButton,
  signInUntilCallback,
  throughHostedUi,
  waitUntilExpiredForKit,
  pendingKeys,
  expectSignInForm,
  submitSignInForm,
} from './helpers';

/** The callback's own error view (the sign-in did not complete). */
function callbackError(page: Page) {
  return authError(page).filter({ hasText: 'Sign-in did not complete.' });
}

/** The callback's "Sign in again" button. */
function signInAgainButton(page: Page) {
  return page.getByRole('button', { name: 'Sign in again', exact: true });
}

/** Clicks "Sign in again" on a failed callback and checks that the sign-in completes. */
async function signInAgain(page: Page, demo: DemoInstance, username: string) {
  await throughHostedUi(page, demo, () => signInAgainButton(page).click(), username);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText(username);
  await expect(page).toHaveURL(`${demo.url}/`);
  await expect(authError(page)).toHaveCount(0);
  const stored = await localStorageOf(page);
  const k = keys(demo.clientId, username);
  expect(stored[k.lastAuthUser]).toBe(username);
  expect(stored[k.refreshToken]).toBeTruthy();
  expect(pendingKeys(stored, demo.clientId)).toEqual([]);
}

/** The code exchanges (authorization_code grants) among recorded token requests. */
function codeExchanges(recorder: ReturnType<typeof recordRequests>) {
  return recorder.tokenRequests(HOSTED_UI).filter((r) => formOf(r).get('grant_type') === 'authorization_code');
}

/** The refreshes (refresh_token grants) among recorded token requests. */
function refreshes(recorder: ReturnType<typeof recordRequests>) {
  return recorder.tokenRequests(HOSTED_UI).filter((r) => formOf(r).get('grant_type') === 'refresh_token');
}

/**
 * After a failed code exchange on a page that had no session: the callback says why, the
 * user is signed out, nothing of the sign-in is left (the pending record was consumed, no
 * token stored) and no code is left in the address.
 */
async function expectFailedSignIn(page: Page, demo: DemoInstance, code: string, plainWords: string) {
  await expect(callbackError(page)).toContainText(code);
  await expect(callbackError(page)).toContainText(plainWords);
  await expect(sessionState(page)).toHaveText('signed-out');
  await expect(page.getByTestId('username')).toHaveCount(0);
  expect(page.url()).toBe(`${demo.url}/callback`);
  expect(page.url()).not.toMatch(SECRET_PARAMS);
  expect(kitKeys(await localStorageOf(page), demo.clientId)).toEqual([]);
  await expect(signInAgainButton(page)).toBeEnabled();
}

/** Signs in on `demo` and returns what was stored. */
async function signedIn(page: Page, demo: DemoInstance, username: string) {
  await openDemo(page, demo, '/', 'signed-out');
  await signIn(page, demo, username);
  const k = keys(demo.clientId, username);
  const stored = await localStorageOf(page);
  expect(stored[k.accessToken]).toBeTruthy();
  expect(stored[k.refreshToken]).toBeTruthy();
  return { username, k, accessToken: stored[k.accessToken], refreshToken: stored[k.refreshToken] };
}

type Stored = Awaited<ReturnType<typeof signedIn>>;

/**
 * After a transient failure of the refresh of an expired session: the banner says why and
 * offers Retry, the user is signed out for now, the session (with its refresh token) is
 * still stored so that Retry can work, and the page is still the app's.
 */
async function expectFailedRefreshKeptSession(
  page: Page,
  demo: DemoInstance,
  code: string,
  plainWords: string,
  stored: Stored,
) {
  const banner = authError(page).filter({ hasText: code });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(plainWords);
  await expect(page.getByTestId('retry')).toBeVisible();
  await expect(sessionState(page)).toHaveText('signed-out');
  await expect(page).toHaveURL(`${demo.url}/`);
  const now = await localStorageOf(page);
  expect(now[stored.k.lastAuthUser]).toBe(stored.username);
  expect(now[stored.k.refreshToken]).toBe(stored.refreshToken);
  expect(now[stored.k.accessToken]).toBe(stored.accessToken);
}

/** Clicks Retry and checks that the session is refreshed (same refresh token, new access token). */
async function retryRefreshes(page: Page, stored: Stored) {
  await page.getByTestId('retry').click();
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText(stored.username);
  await expect(authError(page)).toHaveCount(0);
  const now = await localStorageOf(page);
  expect(now[stored.k.accessToken]).not.toBe(stored.accessToken);
  expect(now[stored.k.refreshToken]).toBe(stored.refreshToken);
}

// --- 1. the token endpoint answers 500 ------------------------------------------------------

test('token endpoint 500 on the code exchange: the callback says server_error, nothing is stored, signing in again works', async ({
  page,
  request,
}) => {
  await openDemo(page, A, '/', 'signed-out');
  await control.failTokenEndpoint(request, 1);
  const recorder = recordRequests(page);
  await signInUntilCallback(page, A, 'alice');

  await expectFailedSignIn(page, A, 'server_error', 'The sign-in service had a problem.');
  expect(codeExchanges(recorder)).toHaveLength(1);
  expect((await control.state(request)).queued_token_faults).toBe(0);

  await signInAgain(page, A, 'alice');
  expect(codeExchanges(recorder)).toHaveLength(2);
});

// --- 2. the token endpoint hangs for longer than the kit waits (F: 2 s timeout) -----------

test('token endpoint hanging past the timeout on the code exchange: timeout, then signing in again works', async ({
  page,
  request,
}) => {
  const hangMs = F_HTTP_TIMEOUT_MS + 6_000;
  await openDemo(page, F, '/', 'signed-out');
  await control.hangTokenEndpoint(request, hangMs);
  const recorder = recordRequests(page);
  await signInUntilCallback(page, F, 'alice');
  const sent = Date.now();

  await expectFailedSignIn(page, F, 'timeout', 'did not answer in time');
  // The kit gave up at its own timeout, long before the emulator would have answered.
  const waited = Date.now() - sent;
  expect(waited).toBeLessThan(hangMs - 2_000);
  expect(codeExchanges(recorder)).toHaveLength(1);
  console.log(`timing: code exchange given up after ${waited} ms (timeout ${F_HTTP_TIMEOUT_MS} ms)`);

  await control.clearFaults(request);
  await signInAgain(page, F, 'alice');
});

test('token endpoint hanging past the timeout on a refresh: timeout with Retry, the session is kept, Retry works once it answers', async ({
  page,
  request,
}) => {
  const stored = await signedIn(page, F, 'alice');
  await waitUntilExpiredForKit(page, stored.accessToken, CLOCK_SKEW_SECS);
  await control.hangTokenEndpoint(request, F_HTTP_TIMEOUT_MS + 6_000);
  const recorder = recordRequests(page);
  await page.reload();

  await expectFailedRefreshKeptSession(page, F, 'timeout', 'did not answer in time', stored);
  expect(refreshes(recorder)).toHaveLength(1);

  await control.clearFaults(request);
  await retryRefreshes(page, stored);
  expect(refreshes(recorder)).toHaveLength(2);
});

// --- 3. the token endpoint answers 200 with broken JSON -----------------------------------

test('malformed JSON on a refresh: invalid_response with Retry, the session is kept, Retry works', async ({
  page,
  request,
}) => {
  const stored = await signedIn(page, F, 'bob');
  await waitUntilExpiredForKit(page, stored.accessToken, CLOCK_SKEW_SECS);
  await control.malformedTokenResponse(request);
  await page.reload();

  await expectFailedRefreshKeptSession(page, F, 'invalid_response', 'The sign-in service had a problem.', stored);
  expect((await control.state(request)).queued_token_faults).toBe(0);
  await retryRefreshes(page, stored);
});

test('malformed JSON on the code exchange: invalid_response, and a session stored meanwhile is kept', async ({
  page,
  request,
}) => {
  // alice signs in; her session is put aside and the page signed out.
  const { k } = await signedIn(page, A, 'alice');
  const alice = await kitEntries(page, A.clientId);
  expect(alice[k.lastAuthUser]).toBe('alice');
  await setKitEntries(page, A.clientId, {});
  await openDemo(page, A, '/', 'signed-out');

  // While this page is away at the Hosted UI, "another tab" stores alice's valid session:
  // it is in storage when the callback runs.
  await page.context().addInitScript(
    ({ origin, entries }) => {
      if (location.origin === origin && location.pathname === '/callback') {
        for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
      }
    },
    { origin: A.url, entries: alice },
  );
  await control.malformedTokenResponse(request);
  await signInUntilCallback(page, A, 'alice');

  await expect(callbackError(page)).toContainText('invalid_response');
  await expect(callbackError(page)).toContainText('The sign-in service had a problem.');
  // The failed sign-in did not throw the valid session away.
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  expect(await kitEntries(page, A.clientId)).toEqual(alice);
});

// --- 4. invalid_grant: the refresh token was revoked -------------------------------------

test('invalid_grant on Retry: the revoked session is removed and Retry signs in again through the Hosted UI', async ({
  page,
  request,
}) => {
  const stored = await signedIn(page, F, 'bob');
  await waitUntilExpiredForKit(page, stored.accessToken, CLOCK_SKEW_SECS);
  // A transient failure first, so that the banner offers Retry...
  await control.failTokenEndpoint(request, 1);
  await page.reload();
  await expectFailedRefreshKeptSession(page, F, 'server_error', 'The sign-in service had a problem.', stored);

  // ...then the refresh token is revoked before the user clicks it.
  expect((await control.revokeRefreshTokens(request, 'bob')).revoked).toBeGreaterThanOrEqual(1);
  const recorder = recordRequests(page);
  // Retry: the refresh is refused (invalid_grant), the broken session removed, and the
  // browser sent to the Hosted UI, whose session signs bob in again without a form.
  await throughHostedUi(page, F, () => page.getByTestId('retry').click(), 'bob');
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('bob');
  await expect(authError(page)).toHaveCount(0);

  const tried = refreshes(recorder);
  expect(tried).toHaveLength(1);
  expect(formOf(tried[0]).get('refresh_token')).toBe(stored.refreshToken);
  expect(codeExchanges(recorder)).toHaveLength(1);
  // A new session with a new refresh token; nothing of the revoked one is left.
  const now = await localStorageOf(page);
  expect(now[stored.k.refreshToken]).toBeTruthy();
  expect(now[stored.k.refreshToken]).not.toBe(stored.refreshToken);
  expect(Object.values(now)).not.toContain(stored.refreshToken);
});

// --- 5. the network is down when the callback exchanges the code --------------------------

test('network down on the code exchange: network_error, the pending sign-in is consumed, signing in again works', async ({
  page,
  request,
}) => {
  await openDemo(page, A, '/', 'signed-out');
  const tokenUrl = `${HOSTED_UI}/oauth2/token`;
  let aborted = 0;
  await page.route(tokenUrl, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    aborted += 1;
    return route.abort('internetdisconnected');
  });
  const codesBefore = (await control.state(request)).codes;
  await signInUntilCallback(page, A, 'alice');

  await expectFailedSignIn(page, A, 'network_error', 'Could not reach the sign-in service.');
  expect(aborted).toBe(1);
  // The code never reached the emulator (it is still unused there) and the page holds no
  // pending record for it any more: a sign-in starts over.
  expect((await control.state(request)).codes).toBe(codesBefore + 1);

  await page.unroute(tokenUrl);
  await signInAgain(page, A, 'alice');
  expect(aborted).toBe(1);
});

// --- 6. storage full or disabled ----------------------------------------------------------

/** Init scripts that break localStorage the way browsers do. */
const BROKEN_STORAGE = {
  full: () => {
    Storage.prototype.setItem = function () {
      throw new DOMException("Failed to execute 'setItem' on 'Storage': the quota has been exceeded.", 'QuotaExceededError');
    };
  },
  disabled: () => {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException("Failed to read the 'localStorage' property from 'Window': Access is denied for this document.", 'SecurityError');
      },
    });
  },
};

// Full: every Storage's setItem throws, so the kit falls back to cookies. Disabled: only
// localStorage throws, so it falls back to sessionStorage. Both survive the redirect to the
// Hosted UI and back, so signing in still works.
for (const [name, reason, instead] of [
  ['full', 'storage is full', 'cookies'],
  ['disabled', 'storage is unavailable', 'sessionStorage'],
] as const) {
  test(`storage ${name}: the kit says where it keeps the session instead, and the page still works`, async ({ page }) => {
    await page.addInitScript(BROKEN_STORAGE[name]);
    await openDemo(page, A, '/', 'signed-out');
    const banner = authError(page).filter({ hasText: 'storage_error' });
    await expect(banner).toBeVisible();
    await expect(banner).toContainText(reason);
    await expect(banner).toContainText(`the session is kept in ${instead} instead`);
    await expect(signInButton(page)).toBeEnabled();
    // Nothing was written for the kit.
    expect(
      await page.evaluate(() => {
        try {
          return Object.keys(window.localStorage).filter((k) => k.startsWith('CognitoIdentityServiceProvider.'));
        } catch {
          return [];
        }
      }),
    ).toEqual([]);
  });

  test(`storage ${name}: signing in still works, through ${instead}`, async ({ page }) => {
    await page.addInitScript(BROKEN_STORAGE[name]);
    await openDemo(page, A, '/', 'signed-out');
    await expectAuthError(page, 'storage_error');
    await signInUntilCallback(page, A, 'alice');
    await expect(sessionState(page)).toHaveText('signed-in');
    await expect(page.getByTestId('username')).toHaveText('alice');
  });

  test(`storage ${name}: a signed-out visit to a protected page still goes to sign in, and back`, async ({ page }) => {
    await page.addInitScript(BROKEN_STORAGE[name]);
    // The notice that storage fell back is not an error that stops the sign-in.
    await page.goto(`${A.url}/protected`);
    await expectSignInForm(page, HOSTED_UI);
    await submitSignInForm(page, 'alice');
    await expect(page).toHaveURL(`${A.url}/protected`);
    await expect(sessionState(page)).toHaveText('signed-in');
  });
}

// --- 7. storage entries corrupted by hand -------------------------------------------------

test('storage entries corrupted by hand: no panic, a broken session is removed, a readable one is kept', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const { k } = await signedIn(page, A, 'alice');
  const good = await kitEntries(page, A.clientId);
  const garbage = ['garbage', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.eyJ.', '{"username":"alice"}', '\u0000\ud800\uffff', ''];

  // A pending sign-in's key: `<prefix>pendingSignIn.<state>`.
  const forgedState = 's'.repeat(43);
  const brokenPending = `${k.pendingPrefix}.${forgedState}`;
  const cases: Array<{ key: string; expect: 'signed-in' | 'signed-out' }> = [
    { key: k.idToken, expect: 'signed-out' },
    { key: k.accessToken, expect: 'signed-out' },
    // Opaque: only Cognito can tell a refresh token is bad; the tokens beside it are fine.
    { key: k.refreshToken, expect: 'signed-in' },
    { key: k.lastAuthUser, expect: 'signed-out' },
    // Not part of the session: an unreadable clock drift counts as none...
    { key: `${k.prefix}alice.clockDrift`, expect: 'signed-in' },
    // ...and a broken pending sign-in is removed when a callback reads it (below).
    { key: brokenPending, expect: 'signed-in' },
  ];
  for (const { key, expect: state } of cases) {
    for (const value of garbage) {
      await test.step(`${key.slice(k.prefix.length)} = ${JSON.stringify(value)}`, async () => {
        await setKitEntries(page, A.clientId, { ...good, [key]: value });
        await page.reload();
        await expect(sessionState(page)).toHaveText(state);
        await expect(authError(page)).toHaveCount(0);
        const now = await kitEntries(page, A.clientId);
        if (state === 'signed-out') {
          // Removed, all of it: nothing half-usable is left behind.
          expect(now).toEqual({});
          await expect(page.getByTestId('username')).toHaveCount(0);
          return;
        }
        await expect(page.getByTestId('username')).toHaveText('alice');
        for (const [k2, v] of Object.entries(good)) if (k2 !== key) expect(now[k2]).toBe(v);
        if (key === brokenPending || key.endsWith('.clockDrift')) {
          // Unreadable, so removed when the page read the session.
          expect(now[key]).toBeUndefined();
        }
        if (key === brokenPending) {
          // A callback finds no usable pending sign-in: it says so, removes the broken
          // record, sends nothing to the token endpoint and keeps the session.
          const recorder = recordRequests(page);
          await page.goto(`${A.url}/callback?code=${'c'.repeat(36)}&state=${forgedState}`);
          await expect(callbackError(page)).toContainText('no_pending_sign_in');
          await expect(sessionState(page)).toHaveText('signed-in');
          expect(recorder.tokenRequests(HOSTED_UI)).toEqual([]);
          expect(await kitEntries(page, A.clientId)).toEqual(good);
          await page.goto(`${A.url}/`);
        }
      });
    }
  }
  // The session itself came through all of it.
  await openDemo(page, A, '/protected', 'signed-in');
  await expect(page.getByTestId('claims')).toContainText('alice');
});

// --- 8. the device's clock is minutes or hours off ----------------------------------------

for (const [label, offsetSecs] of [
  ['10 minutes ahead', 600],
  ['10 minutes behind', -600],
] as const) {
  test(`device clock ${label}: the session is judged by Cognito's clock (no refresh while valid, one once expired)`, async ({
    page,
  }) => {
    expect(Math.abs(offsetSecs)).toBeGreaterThan(CLOCK_SKEW_SECS);
    await page.addInitScript(shiftClock, offsetSecs * 1000);
    const recorder = recordRequests(page);
    const stored = await signedIn(page, F, 'alice');
    // The page's clock really is off by that much (both ways of asking it).
    const [now, constructed] = await page.evaluate(() => [Date.now(), new Date().getTime()]);
    for (const t of [now, constructed]) expect(Math.abs(t - Date.now() - offsetSecs * 1000)).toBeLessThan(5_000);
    // The drift was measured against the token's `iat` and stored beside the session.
    const drift = Number((await localStorageOf(page))[`${stored.k.prefix}alice.clockDrift`]);
    expect(Math.abs(drift - offsetSecs)).toBeLessThanOrEqual(5);

    // Still valid by Cognito's clock (for about 9 s on F): a reload keeps it as it is.
    await page.reload();
    await expect(sessionState(page)).toHaveText('signed-in');
    expect(refreshes(recorder)).toEqual([]);

    // Expired by Cognito's clock: the next page refreshes it, once.
    await waitUntilExpiredForKit(page, stored.accessToken, CLOCK_SKEW_SECS);
    await page.reload();
    await expect(sessionState(page)).toHaveText('signed-in');
    await page.waitForTimeout(2_000);
    expect(refreshes(recorder)).toHaveLength(1);
    await expect(page.getByTestId('username')).toHaveText('alice');
    await expect(authError(page)).toHaveCount(0);
    expect((await localStorageOf(page))[stored.k.accessToken]).not.toBe(stored.accessToken);
  });
}

for (const [label, offsetSecs] of [
  ['2 hours ahead', 7_200],
  ['2 hours behind', -7_200],
] as const) {
  test(`device clock ${label}, automatic refresh on: signed in after sign-in and reload, no refresh loop`, async ({
    page,
  }) => {
    await page.addInitScript(shiftClock, offsetSecs * 1000);
    const recorder = recordRequests(page);
    await openDemo(page, A, '/', 'signed-out');
    await signIn(page, A, 'alice');
    await page.reload();
    await expect(sessionState(page)).toHaveText('signed-in');
    await page.waitForTimeout(3_000);
    await expect(sessionState(page)).toHaveText('signed-in');
    await expect(authError(page)).toHaveCount(0);
    // The code exchange, and nothing since: 1-hour tokens need no refresh yet.
    expect(codeExchanges(recorder)).toHaveLength(1);
    expect(refreshes(recorder)).toEqual([]);
  });
}

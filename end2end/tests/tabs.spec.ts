// Many tabs and the session's lifecycle: sign-in and sign-out reach every tab of the app,
// tabs whose tokens expire together send one refresh request between them (instance G:
// 12 s tokens and refresh-token rotation with no grace, so a refresh token spent twice
// would be refused and sign the user out), the automatic refresh keeps an open page signed
// in, and it pauses while the tab is hidden (also on G: D and F have no automatic refresh).

import { type APIRequestContext, type BrowserContext, type Page, type Request } from '@playwright/test';

import { A, CLOCK_SKEW_SECS, E, G, HOSTED_UI, type DemoInstance } from './env';
import { expect, test } from './fixtures';
import {
  authError,
  control,
  formOf,
  jwtClaims,
  keys,
  kitSkewSecs,
  localStorageOf,
  openDemo,
  pendingKeys,
  expectSignInForm,
  sessionState,
  signIn,
  signInButton,
  signOutButton,
  submitSignInForm,
} from './helpers';

/** Every refresh_token grant any page of `context` sends to the emulator. */
function recordRefreshes(context: BrowserContext) {
  const refreshes: Array<{ at: number; request: Request }> = [];
  context.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${HOSTED_UI}/oauth2/token` && formOf(r).get('grant_type') === 'refresh_token') {
      refreshes.push({ at: Date.now(), request: r });
    }
  });
  return refreshes;
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
async function waitFor(page: Page, check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await page.waitForTimeout(50);
  }
  return check();
}

/** How long (ms) until `page` shows `state`, polling every 10 ms; fails after 5 s. */
async function timeUntilState(page: Page, state: string) {
  const started = Date.now();
  await expect(sessionState(page)).toHaveText(state, { timeout: 5_000 });
  return Date.now() - started;
}

async function signInAndSignOutReachOtherTabs(context: BrowserContext, demo: DemoInstance, label: string) {
  const [first, second] = [await context.newPage(), await context.newPage()];
  await openDemo(first, demo, '/', 'signed-out');
  await openDemo(second, demo, '/', 'signed-out');

  await signIn(first, demo, 'alice');
  const signInMs = await timeUntilState(second, 'signed-in');
  await expect(second.getByTestId('username')).toHaveText('alice');
  await expect(second.getByTestId('last-event')).toHaveText('signed_in (another tab)');
  console.log(`timing: ${label}: sign-in reached the other tab in ${signInMs} ms`);

  await signOutButton(first).click();
  const signOutMs = await timeUntilState(second, 'signed-out');
  await expect(second.getByTestId('username')).toHaveCount(0);
  await expect(second.getByTestId('last-event')).toHaveText('signed_out (another tab)');
  console.log(`timing: ${label}: sign-out reached the other tab in ${signOutMs} ms`);
  await expect(authError(second)).toHaveCount(0);
}

test('sign-in and sign-out in one tab reach another tab without a reload (localStorage)', async ({ context }) => {
  await signInAndSignOutReachOtherTabs(context, A, 'localStorage');
});

test('sign-in and sign-out in one tab reach another tab without a reload (cookie storage)', async ({ context }) => {
  await signInAndSignOutReachOtherTabs(context, E, 'cookies');
});

test('sign-ins started in two tabs at once both complete (one pending record each)', async ({ context }) => {
  const [first, second] = [await context.newPage(), await context.newPage()];
  await openDemo(first, A, '/', 'signed-out');
  await openDemo(second, A, '/', 'signed-out');
  // Both leave for the Hosted UI before either comes back.
  for (const page of [first, second]) {
    await signInButton(page).click();
    await expectSignInForm(page, HOSTED_UI);
  }
  const origin = (await context.storageState()).origins.find((o) => o.origin === A.url);
  const stored = Object.fromEntries((origin?.localStorage ?? []).map(({ name, value }) => [name, value]));
  const pending = pendingKeys(stored, A.clientId);
  expect(pending).toHaveLength(2);
  const states = pending.map((key) => JSON.parse(stored[key]).state);
  expect(pending.map((key) => key.split('.').pop())).toEqual(states);
  // They come back in the other order; neither finds its record overwritten.
  for (const page of [second, first]) {
    await submitSignInForm(page, 'alice');
    await expect(page).toHaveURL(`${A.url}/`);
    await expect(sessionState(page)).toHaveText('signed-in');
    await expect(authError(page)).toHaveCount(0);
  }
  expect(pendingKeys(await localStorageOf(first), A.clientId)).toEqual([]);
});

/**
 * Signs in on G in one tab, opens `tabs - 1` more, and waits across the first expiry: the
 * tabs' refresh timers fire within a second of each other, and the token endpoint takes
 * 2.5 s to answer that refresh (so every tab's timer fires while it is in flight: without
 * the cross-tab lock each would send its own). Exactly one refresh request is sent, every
 * tab ends up with its tokens, and none is signed out (rotation would refuse a second use
 * of the refresh token).
 */
async function oneRefreshAcrossAnExpiry(
  context: BrowserContext,
  request: APIRequestContext,
  tabs: number,
  label: string,
) {
  const refreshes = recordRefreshes(context);
  const pages = [await context.newPage()];
  await openDemo(pages[0], G, '/', 'signed-out');
  await signIn(pages[0], G, 'alice');
  const k = keys(G.clientId, 'alice');
  const before = await localStorageOf(pages[0]);
  const claims = jwtClaims(before[k.accessToken]);
  expect(Number(claims.exp) - Number(claims.iat)).toBeLessThan(CLOCK_SKEW_SECS + 15);
  for (let i = 1; i < tabs; i++) {
    const page = await context.newPage();
    await openDemo(page, G, i % 2 ? '/protected' : '/', 'signed-in');
    pages.push(page);
  }
  // No refresh yet: the tokens were fresh when the tabs opened.
  expect(refreshes).toHaveLength(0);
  await control.hangTokenEndpoint(request, 2_500);

  // The first expiry (about 8 s after the sign-in), the 2.5 s answer, then 1.5 s more for
  // any stragglers. The next refresh is due about 8 s after the answer.
  expect(await waitFor(pages[0], () => refreshes.length > 0, 20_000)).toBe(true);
  await pages[0].waitForTimeout(4_000);
  console.log(`figure: ${label}: ${tabs} tab(s) open across an expiry: ${refreshes.length} refresh request(s)`);
  expect(refreshes).toHaveLength(1);
  expect(formOf(refreshes[0].request).get('refresh_token')).toBe(before[k.refreshToken]);

  const after = await localStorageOf(pages[0]);
  expect(after[k.accessToken]).not.toBe(before[k.accessToken]);
  expect(after[k.refreshToken]).not.toBe(before[k.refreshToken]); // rotated
  for (const page of pages) {
    await expect(sessionState(page)).toHaveText('signed-in');
    await expect(page.getByTestId('username')).toHaveText('alice');
    await expect(authError(page)).toHaveCount(0);
    await expect(page.getByTestId('last-event')).toHaveText(/^refreshed/);
  }
  // Every tab holds the new tokens: the server function answers in each.
  const protectedPage = pages.find((p) => p.url().endsWith('/protected'));
  if (protectedPage) {
    await protectedPage.reload();
    await expect(protectedPage.getByTestId('server-says')).toHaveText('The server says you are alice');
  }
  return refreshes.length;
}

for (const tabs of [1, 3, 5]) {
  test(`${tabs} tab(s) open across an expiry send exactly one refresh request (Web Locks)`, async ({
    context,
    request,
  }) => {
    test.setTimeout(90_000);
    await oneRefreshAcrossAnExpiry(context, request, tabs, 'Web Locks');
  });
}

test('3 tabs without the Web Locks API (storage lease) send exactly one refresh request', async ({
  context,
  request,
}) => {
  test.setTimeout(90_000);
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  await oneRefreshAcrossAnExpiry(context, request, 3, 'storage lease');
});

test('a hidden tab pauses the automatic refresh and catches up when shown', async ({ context }) => {
  test.setTimeout(60_000);
  // Page visibility the test controls: `document.hidden` follows window.__hidden, and
  // `visibilitychange` is dispatched as a browser would.
  await context.addInitScript(() => {
    Object.defineProperty(Document.prototype, 'hidden', {
      get: () => (window as unknown as { __hidden?: boolean }).__hidden === true,
      configurable: true,
    });
  });
  const refreshes = recordRefreshes(context);
  const page = await context.newPage();
  await openDemo(page, G, '/', 'signed-out');
  await signIn(page, G, 'alice');
  const k = keys(G.clientId, 'alice');
  const token = (await localStorageOf(page))[k.accessToken];

  await page.evaluate(() => {
    (window as unknown as { __hidden?: boolean }).__hidden = true;
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  // Past the point where the refresh was due, and past expiry: nothing is sent.
  const exp = Number(jwtClaims(token).exp);
  await page.waitForTimeout(Math.max(0, (exp - kitSkewSecs(token, CLOCK_SKEW_SECS)) * 1000 - Date.now()) + 2_000);
  expect(refreshes).toHaveLength(0);

  const shownAt = Date.now();
  await page.evaluate(() => {
    (window as unknown as { __hidden?: boolean }).__hidden = false;
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  expect(await waitFor(page, () => refreshes.length > 0, 5_000)).toBe(true);
  console.log(`timing: refresh after the tab was shown again: ${refreshes[0].at - shownAt} ms`);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('last-event')).toHaveText('refreshed');
  await expect(authError(page)).toHaveCount(0);
  expect((await localStorageOf(page))[k.accessToken]).not.toBe(token);
  expect(refreshes).toHaveLength(1);
});

test('network down across the expiry: retried, then signed out with a message; back online: signed in again by itself', async ({
  context,
}) => {
  test.setTimeout(60_000);
  const page = await context.newPage();
  await openDemo(page, G, '/', 'signed-out');
  await signIn(page, G, 'alice');
  await context.setOffline(true);
  // The refresh due before expiry fails and is retried after 5 s, by which time the session
  // has expired: signed out, with the network error shown and the session kept in storage.
  await expect(sessionState(page)).toHaveText('signed-out', { timeout: 25_000 });
  await expect(authError(page).filter({ hasText: 'network_error' })).toBeVisible();
  const k = keys(G.clientId, 'alice');
  expect((await localStorageOf(page))[k.refreshToken]).toBeTruthy();

  await context.setOffline(false);
  await expect(sessionState(page)).toHaveText('signed-in');
  await expect(page.getByTestId('username')).toHaveText('alice');
  await expect(authError(page)).toHaveCount(0);
  await expect(page.getByTestId('last-event')).toHaveText('refreshed');
});

test('sign-out with the network down still signs out here and in the other tabs', async ({ context }) => {
  const [first, second] = [await context.newPage(), await context.newPage()];
  await openDemo(first, A, '/', 'signed-out');
  await signIn(first, A, 'alice');
  await openDemo(second, A, '/', 'signed-in');
  const revocations: Request[] = [];
  context.on('requestfailed', (r) => {
    if (r.url() === `${HOSTED_UI}/oauth2/revoke`) revocations.push(r);
  });
  await context.setOffline(true);
  await signOutButton(first).click();
  // The revocation could not be sent and the Hosted UI's /logout cannot load, but the
  // session is gone from storage and from every tab.
  await expect(sessionState(second)).toHaveText('signed-out');
  await expect(second.getByTestId('last-event')).toHaveText('signed_out (another tab)');
  expect(Object.keys(await localStorageOf(second)).filter((key) => key.startsWith(keys(A.clientId).prefix))).toEqual([]);
  expect(revocations).toHaveLength(1);
  await context.setOffline(false);
});

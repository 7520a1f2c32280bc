// The origin trap: the demo's callback is http://localhost:<port>/callback, and a newcomer
// opens the app at http://127.0.0.1:<port>. A sign-in started there would come back to
// localhost, where its pending record does not exist. It must fail at once, naming both
// origins and the fix, in every mode.

import { A, E, H, HOSTED_UI } from './env';
import { expect, test } from './fixtures';
import { authError, recordRequests, sessionState, signInButton } from './helpers';

/** The same demo instance, opened at 127.0.0.1 instead of localhost. */
const atLoopbackIp = (url: string) => url.replace('localhost', '127.0.0.1');

test('browser storage: a sign-in started at 127.0.0.1 fails at once with both origins named', async ({ page }) => {
  const here = atLoopbackIp(A.url);
  await page.goto(`${here}/`);
  await expect(sessionState(page)).toHaveText('signed-out');
  const recorder = recordRequests(page);
  await signInButton(page).click();
  await expect(authError(page)).toContainText('wrong_origin');
  await expect(authError(page)).toContainText(here);
  await expect(authError(page)).toContainText(A.url);
  // Nothing left for the Hosted UI, and the page stays.
  expect(recorder.to(HOSTED_UI)).toEqual([]);
  await expect(page).toHaveURL(`${here}/`);
  const pending = await page.evaluate(() => Object.keys(window.localStorage).filter((k) => k.includes('pendingSignIn')));
  expect(pending).toEqual([]);
});

test('server sessions: the sign-in route asked at 127.0.0.1 answers 400 with both origins named', async ({ request }) => {
  const here = atLoopbackIp(H.url);
  const answer = await request.get(`${here}/auth/sign-in?return_to=/protected`, { maxRedirects: 0 });
  expect(answer.status()).toBe(400);
  const text = await answer.text();
  expect(text).toContain('wrong_origin');
  expect(text).toContain(new URL(here).host);
  expect(text).toContain(H.url);
  // At localhost it starts as usual.
  const ok = await request.get(`${H.url}/auth/sign-in?return_to=/protected`, { maxRedirects: 0 });
  expect(ok.status()).toBe(303);
  expect(ok.headers()['location']).toMatch(/\/oauth2\/authorize\?/);
});

test('cookie session mode: a protected page asked at 127.0.0.1 answers 400 with both origins named, and sets no cookie', async ({ request }) => {
  const here = atLoopbackIp(E.url);
  const answer = await request.get(`${here}/protected`, { maxRedirects: 0 });
  expect(answer.status()).toBe(400);
  expect(answer.headers()['set-cookie']).toBeUndefined();
  const text = await answer.text();
  expect(text).toContain('wrong_origin');
  expect(text).toContain(new URL(here).host);
  expect(text).toContain(E.url);
  // At localhost the server starts the sign-in as usual.
  const ok = await request.get(`${E.url}/protected`, { maxRedirects: 0 });
  expect(ok.status()).toBe(303);
  expect(ok.headers()['location']).toMatch(/\/oauth2\/authorize\?/);
});

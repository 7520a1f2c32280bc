// The server side: server functions and /api/me verify the access token (instance A,
// tokens in localStorage sent as `Authorization: Bearer`).

import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { A, HOSTED_UI } from './env';
import {
  formOf,
  keys,
  localStorageOf,
  openDemo,
  recordRequests,
  signIn,
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
  // The retry carried the refreshed access token. (The refreshed session is published, and
  // the page may ask again with it afterwards.)
  const calls = recorder.requests.filter((r) => r.url() === `${A.url}/api/whoami`);
  expect(calls.length).toBeGreaterThanOrEqual(2);
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

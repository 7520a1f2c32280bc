// Three demo servers (J, K, L: COGNITO_STORAGE=server,
// COGNITO_SESSION_STORE=redis-cluster://...) sharing one 3-master Redis Cluster, started by
// scripts/test-e2e.sh: a session made on one is the session of
// all three, its expiry costs exactly one refresh at the local Hosted UI however many
// requests hit the three at once, a sign-out on one ends it on the others, and Redis going
// away gives a clear 503 while the stored sessions come back with it.

import { execFileSync } from 'node:child_process';

import type { APIRequestContext, Page } from '@playwright/test';

import { CLUSTER, HOSTED_UI, REDIS } from './env';
import { expect, test } from './fixtures';
import { control, expectSignInForm, submitSignInForm } from './helpers';

/** Seconds until the servers refresh the 12 s tokens (3 s skew: a quarter of their lifetime; 1 s margin), plus a little. */
const UNTIL_REFRESH_MS = 8_500;

/** Concurrent requests per round, spread over the three servers. */
const REQUESTS = 30;

/** Signs alice in on J (through its redirect of a signed-out visitor to a protected page)
 * and returns the session cookie's value. */
async function signInOnJ(page: Page): Promise<string> {
  await page.goto(`${CLUSTER[0]}/protected`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${CLUSTER[0]}/protected`);
  await expect(page.getByTestId('username')).toHaveText('alice');
  const cookie = (await page.context().cookies(CLUSTER[0])).find((c) => c.name === 'lca-session');
  expect(cookie, 'the session cookie').toBeTruthy();
  return cookie!.value;
}

async function viewOn(request: APIRequestContext, url: string, cookie: string) {
  const res = await request.get(`${url}/auth/session`, { headers: { cookie: `lca-session=${cookie}` } });
  expect(res.status()).toBe(200);
  return (await res.json()) as { user: { username: string } | null; csrf_token: string | null };
}

async function refreshes(request: APIRequestContext): Promise<number> {
  return (await control.state(request)).token_requests.refresh_token ?? 0;
}

function redisCli(port: string, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', port, ...args], { stdio: 'pipe' }).toString();
}

test.beforeEach(async ({ context }) => {
  await context.clearCookies();
});

test('three servers sharing a Redis Cluster: one refresh per expiry across all of them, and a sign-out on one ends the session on the others', async ({ page, request }) => {
  const cookie = await signInOnJ(page);
  for (const url of CLUSTER) {
    expect((await viewOn(request, url, cookie)).user?.username, url).toBe('alice');
  }

  // Two expiries (the client rotates refresh tokens without grace, so the second refresh
  // fails if any server sent the first, spent, token again).
  for (const round of [1, 2]) {
    const before = await refreshes(request);
    await page.waitForTimeout(UNTIL_REFRESH_MS);
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        request.get(`${CLUSTER[i % CLUSTER.length]}/api/me`, { headers: { cookie: `lca-session=${cookie}` } }),
      ),
    );
    for (const [i, answer] of answers.entries()) {
      expect(answer.status(), `round ${round}, request ${i} to ${CLUSTER[i % CLUSTER.length]}`).toBe(200);
      expect((await answer.json()).username).toBe('alice');
    }
    expect((await refreshes(request)) - before, `refresh grants in round ${round}`).toBe(1);
  }

  // Sign out on K (its form, posted from its own page): J and L see the session gone.
  const { csrf_token } = await viewOn(request, CLUSTER[1], cookie);
  expect(csrf_token).toBeTruthy();
  const revokedBefore = (await control.state(request)).revoked_refresh_tokens;
  const out = await request.post(`${CLUSTER[1]}/auth/sign-out`, {
    headers: { cookie: `lca-session=${cookie}`, origin: CLUSTER[1], 'sec-fetch-site': 'same-origin' },
    form: { csrf_token: csrf_token! },
    maxRedirects: 0,
  });
  expect(out.status()).toBe(303);
  expect((await control.state(request)).revoked_refresh_tokens).toBeGreaterThan(revokedBefore);
  for (const url of CLUSTER) {
    expect((await viewOn(request, url, cookie)).user, url).toBeNull();
    const me = await request.get(`${url}/api/me`, { headers: { cookie: `lca-session=${cookie}` } });
    expect(me.status(), url).toBe(401);
  }
});

test('three servers sharing a Redis Cluster: with every node stopped requests get a clear 503 (the words of Redis stay in the log), and after a restart the stored session works again', async ({ page, request }) => {
  expect(REDIS.dir, 'E2E_REDIS_DIR (set by scripts/test-e2e.sh)').not.toBe('');
  const cookie = await signInOnJ(page);
  const headers = { cookie: `lca-session=${cookie}` };

  for (const port of REDIS.ports) redisCli(port, 'shutdown', 'save');
  try {
    for (const url of CLUSTER) {
      const res = await request.get(`${url}/api/me`, { headers });
      expect(res.status(), url).toBe(503);
      const body = await res.text();
      expect(body, url).toContain('session_store_unavailable');
      expect(body, url).toContain('the session store is unavailable');
      // Redis's own words (a node's address, the system's error) stay in the server's log.
      expect(body, url).not.toMatch(/redis|refused|os error|127\.0\.0\.1/i);
    }
    // A page too: a clear answer, not a hang or a crash.
    const pageAnswer = await request.get(`${CLUSTER[2]}/protected`, { headers, maxRedirects: 0 });
    expect(pageAnswer.status()).toBe(503);
  } finally {
    for (const port of REDIS.ports) execFileSync('redis-server', [`${REDIS.dir}/${port}/redis.conf`], { stdio: 'pipe' });
    for (const port of REDIS.ports) {
      for (let i = 0; i < 200; i++) {
        try {
          if (redisCli(port, 'cluster', 'info').includes('cluster_state:ok')) break;
        } catch {
          // not up yet
        }
        await page.waitForTimeout(100);
      }
    }
  }

  // The stored session is there again, on every server.
  for (const url of CLUSTER) {
    const me = await request.get(`${url}/api/me`, { headers });
    expect(me.status(), url).toBe(200);
    expect((await me.json()).username).toBe('alice');
  }
  await page.goto(`${CLUSTER[2]}/protected`);
  await expect(page.getByTestId('username')).toHaveText('alice');
});

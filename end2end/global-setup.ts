import { ALL_SERVERS } from './tests/env';

// Fails fast, naming what is missing, when the tests are run without the servers
// (`npx playwright test` on its own instead of scripts/test-e2e.sh).
export default async function globalSetup(): Promise<void> {
  const missing: string[] = [];
  for (const [name, url] of ALL_SERVERS) {
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
      if (res.status >= 500) missing.push(`${name} at ${url} answers ${res.status}`);
    } catch (e) {
      missing.push(`${name} at ${url} does not answer (${(e as Error).message})`);
    }
  }
  if (missing.length) {
    throw new Error(
      `the end-to-end servers are not all running; start the tests with scripts/test-e2e.sh\n  ${missing.join('\n  ')}`,
    );
  }
}

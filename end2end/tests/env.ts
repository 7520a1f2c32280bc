// Where everything the tests talk to runs (all on 127.0.0.1, named `localhost` because the
// registered callback URLs say so). scripts/test-e2e.sh starts exactly these.

/** The local Hosted UI emulator (cognito-local) with the /_test control surface. */
export const HOSTED_UI = 'http://localhost:9229';
/** The third-party OAuth server (oidc-provider at Cognito's paths). */
export const THIRD_PARTY = 'http://localhost:9300';

export interface DemoInstance {
  /** The demo's origin. */
  url: string;
  /** The Hosted UI (domain base) it signs in with. */
  hostedUi: string;
  /** Its app client id (the storage keys depend on it). */
  clientId: string;
  /** Its token issuer. */
  issuer: string;
}

/** Code flow against the emulator, default client. */
export const A: DemoInstance = {
  url: 'http://localhost:3000',
  hostedUi: HOSTED_UI,
  clientId: 'local-spa-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** Implicit flow against the emulator, default client. */
export const B: DemoInstance = {
  url: 'http://localhost:3002',
  hostedUi: HOSTED_UI,
  clientId: 'local-spa-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** Code flow against the third-party OAuth server. */
export const C: DemoInstance = {
  url: 'http://localhost:3003',
  hostedUi: THIRD_PARTY,
  clientId: 'third-party-spa-client',
  issuer: `${THIRD_PARTY}/us-east-1_ThirdParty`,
};

/** The third-party OAuth server issuing tokens that live 20 s (for demo instance M). */
export const THIRD_PARTY_SHORT = 'http://localhost:9301';

/**
 * Code flow against the third-party server whose tokens live 20 s, less than the kit's 60 s
 * clock-skew allowance, with automatic refresh on (the refresh-storm test).
 */
export const M: DemoInstance = {
  url: 'http://localhost:3013',
  hostedUi: THIRD_PARTY_SHORT,
  clientId: 'third-party-spa-client',
  issuer: `${THIRD_PARTY_SHORT}/us-east-1_ThirdParty`,
};

/** The lifetime of M's tokens, in seconds. */
export const M_TOKEN_SECS = 20;

/**
 * Code flow against the emulator with 12 s tokens (valid for the kit for about 9 s),
 * without automatic refresh (`COGNITO_AUTO_REFRESH=false`): a page refreshes the session
 * when it finds it expired.
 */
export const D: DemoInstance = {
  url: 'http://localhost:3004',
  hostedUi: HOSTED_UI,
  clientId: 'e2e-short-lived-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** Code flow against the emulator in cookie session mode (`COGNITO_STORAGE=cookie`). */
export const E: DemoInstance = {
  url: 'http://localhost:3005',
  hostedUi: HOSTED_UI,
  clientId: 'local-spa-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/**
 * Code flow against the emulator with 12 s tokens (as D) and a 2 s HTTP timeout
 * (`COGNITO_HTTP_TIMEOUT_MS=2000`), for the fault tests.
 */
export const F: DemoInstance = {
  url: 'http://localhost:3006',
  hostedUi: HOSTED_UI,
  clientId: 'e2e-short-lived-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** F's HTTP timeout in milliseconds (`COGNITO_HTTP_TIMEOUT_MS`). */
export const F_HTTP_TIMEOUT_MS = 2_000;

/** Code flow against the emulator with 12 s tokens and refresh-token rotation. */
export const G: DemoInstance = {
  url: 'http://localhost:3007',
  hostedUi: HOSTED_UI,
  clientId: 'e2e-rotating-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** Server sessions (the demo server keeps the tokens), confidential client. */
export const H: DemoInstance = {
  url: 'http://localhost:3008',
  hostedUi: HOSTED_UI,
  clientId: 'e2e-server-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** Server sessions on the cookie store (COGNITO_SESSION_STORE=cookie): no store on the server. */
export const N: DemoInstance = {
  url: 'http://localhost:3014',
  hostedUi: HOSTED_UI,
  clientId: 'e2e-server-client',
  issuer: `${HOSTED_UI}/us-east-1_LocalPool`,
};

/** Three demo servers with server sessions in one Redis Cluster (J, K, L). */
export const CLUSTER = ['http://localhost:3010', 'http://localhost:3011', 'http://localhost:3012'];

/** The Redis Cluster they share: its nodes' ports, and the folder of each node's configuration file. */
export const REDIS = {
  ports: (process.env.E2E_REDIS_PORTS ?? '6391,6392,6393').split(','),
  dir: process.env.E2E_REDIS_DIR ?? '',
};

/** The second local Hosted UI, issuing Cognito's updated issuer format. */
export const HOSTED_UI_UPDATED = 'http://localhost:9230';

/** Code flow against the second local Hosted UI: tokens in the updated issuer format. */
export const I: DemoInstance = {
  url: 'http://localhost:3009',
  hostedUi: HOSTED_UI_UPDATED,
  clientId: 'local-spa-client',
  issuer: 'https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool',
};

/** The README's quick-start apps (examples/), as built by scripts/test-e2e.sh. */
export const EXAMPLES = {
  browserStorage: 'http://localhost:3020',
  serverSessions: 'http://localhost:3021',
};

export const ALL_SERVERS: Array<[string, string]> = [
  ['cognito-local (the emulator)', `${HOSTED_UI}/`],
  ['third-party OAuth server', `${THIRD_PARTY}/healthz`],
  ['demo instance A (code flow)', `${A.url}/`],
  ['demo instance B (implicit flow)', `${B.url}/`],
  ['demo instance C (third-party server)', `${C.url}/`],
  ['third-party OAuth server (20 s tokens)', `${THIRD_PARTY_SHORT}/healthz`],
  ['demo instance M (third-party server, 20 s tokens)', `${M.url}/`],
  ['demo instance D (short-lived tokens)', `${D.url}/`],
  ['demo instance E (cookie session mode)', `${E.url}/`],
  ['demo instance F (2 s HTTP timeout)', `${F.url}/`],
  ['demo instance G (rotating refresh tokens)', `${G.url}/`],
  ['demo instance H (server sessions)', `${H.url}/`],
  ['cognito-local (updated issuer format)', `${HOSTED_UI_UPDATED}/`],
  ['demo instance I (updated issuer format)', `${I.url}/`],
  ['examples/browser-storage', `${EXAMPLES.browserStorage}/`],
  ['examples/server-sessions', `${EXAMPLES.serverSessions}/`],
  ...CLUSTER.map((url, i): [string, string] => [`demo instance ${'JKL'[i]} (server sessions in Redis)`, `${url}/`]),
];

export const PASSWORD = 'Passw0rd!';

/** The kit's clock-skew allowance: a token expiring within this many seconds is expired. */
export const CLOCK_SKEW_SECS = 60;

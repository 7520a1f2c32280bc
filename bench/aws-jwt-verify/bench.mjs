// Runs AWS's aws-jwt-verify on the fixtures app/benches/verify.rs exported: the same access
// tokens, the same JWKS (loaded with the library's cacheJwks hydrate API, so no network),
// the same two workloads as the Rust side. Usage: node bench.mjs <fixtures dir> [seconds]
import { readFileSync, writeFileSync } from "node:fs";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const dir = process.argv[2] ?? "fixtures";
const seconds = Number(process.argv[3] ?? 5);
const jwks = JSON.parse(readFileSync(`${dir}/jwks.json`, "utf8"));
const fx = JSON.parse(readFileSync(`${dir}/tokens.json`, "utf8"));

const verifier = CognitoJwtVerifier.create({
  userPoolId: fx.userPoolId,
  tokenUse: "access",
  clientId: fx.clientId,
});
verifier.cacheJwks(jwks);

async function throughput(tokens) {
  for (const token of tokens.slice(0, 200)) await verifier.verify(token);
  const start = process.hrtime.bigint();
  const limit = BigInt(seconds) * 1_000_000_000n;
  let done = 0;
  while (process.hrtime.bigint() - start < limit) {
    for (let i = 0; i < 500; i++) {
      await verifier.verify(tokens[done % tokens.length]);
      done++;
    }
  }
  return done / (Number(process.hrtime.bigint() - start) / 1e9);
}

// Sanity: a tampered token must be refused, or the comparison means nothing.
const [head, payload, sig] = fx.single.split(".");
const flipped = payload.slice(0, 10) + (payload[10] === "A" ? "B" : "A") + payload.slice(11);
let refused = false;
try {
  await verifier.verify(`${head}.${flipped}.${sig}`);
} catch {
  refused = true;
}
if (!refused) throw new Error("aws-jwt-verify accepted a tampered token");

const single = await throughput([fx.single]);
const mix = await throughput(fx.requests.map((i) => fx.mix[i]));
writeFileSync(`${dir}/node-results.json`, JSON.stringify({ single_per_sec: single, mix_per_sec: mix }));
console.log(`node aws-jwt-verify ${process.version}: single ${single.toFixed(0)}/s, mix ${mix.toFixed(0)}/s`);

import type { JwtSigner } from "../auth/jwt-signer.js";
import type { SigningKey } from "../auth/keys.js";
import type { Runtime } from "../http/context.js";
import type { PhoneNumber } from "../phone.js";
import { outsideResponsibility, refuseOutside } from "./responsibility.js";
import { clientNames } from "./store.js";

interface AppHolding {
  appId: string;
  appName: string;
  boundAt: number;
  lastSeenAt: number;
}

export interface NumberCheck {
  phone: PhoneNumber;
  outstanding: number;
  apps: AppHolding[];
}

/** Numbers per shard call: a large check goes in slices, with other requests let in between. */
const NUMBERS_PER_CALL = 250;

/**
 * The pre-resale check over the numbers' shards, in parallel across shards and in slices within
 * one: refuses the whole request when the carrier is not responsible for a number, then groups the
 * active bindings per number and per app, in request order.
 */
export async function outstandingBindings(
  runtime: Pick<Runtime, "db" | "shards">,
  carrierId: string,
  phones: readonly PhoneNumber[],
  now: number,
  inactivityMs: number,
  pointer: (index: number) => string,
): Promise<NumberCheck[]> {
  const { shards } = runtime;
  const unique = [...new Map(phones.map((phone) => [phone.hash, phone])).values()];
  const answers = await Promise.all(
    shards
      .group(unique, (phone) => phone.hash)
      .map(async ([index, group]) => {
        const parts = [];
        for (let start = 0; start < group.length; start += NUMBERS_PER_CALL) {
          if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
          const phoneHashes = group.slice(start, start + NUMBERS_PER_CALL).map((phone) => phone.hash);
          parts.push(await shards.call(index, "checkNumbers", { phoneHashes, cutoff: now - inactivityMs }));
        }
        return parts;
      }),
  );
  const parts = answers.flat();
  refuseOutside(
    await outsideResponsibility(runtime, carrierId, phones, new Map(parts.flatMap((part) => part.ported))),
    pointer,
  );
  const rows = parts.flatMap((part) => part.bindings);
  const names = await clientNames(
    runtime.db,
    rows.map((row) => row.appId),
  );

  const byHash = new Map<string, { outstanding: number; apps: Map<string, AppHolding> }>();
  for (const row of rows) {
    const entry = byHash.get(row.phoneHash) ?? { outstanding: 0, apps: new Map() };
    byHash.set(row.phoneHash, entry);
    entry.outstanding += 1;
    const app = entry.apps.get(row.appId);
    if (!app) {
      const appName = names.get(row.appId) ?? row.appId;
      entry.apps.set(row.appId, { appId: row.appId, appName, boundAt: row.boundAt, lastSeenAt: row.lastSeenAt });
    } else {
      app.boundAt = Math.min(app.boundAt, row.boundAt);
      app.lastSeenAt = Math.max(app.lastSeenAt, row.lastSeenAt);
    }
  }
  return phones.map((phone) => {
    const entry = byHash.get(phone.hash);
    return {
      phone,
      outstanding: entry?.outstanding ?? 0,
      apps: entry ? [...entry.apps.values()].sort((a, b) => a.appId.localeCompare(b.appId)) : [],
    };
  });
}

const ATTESTATION_TYP = "binding-check+jwt";

/** The carrier's evidence that it checked before resale: a JWT verifiable with the registry's JWKS. */
export function signAttestation(
  signer: JwtSigner,
  key: SigningKey,
  issuer: string,
  carrierId: string,
  checks: NumberCheck[],
  now: number,
): Promise<string> {
  return signer(key, ATTESTATION_TYP, {
    iss: issuer,
    sub: carrierId,
    iat: Math.floor(now / 1000),
    jti: crypto.randomUUID(),
    results: checks.map((check) => ({
      phone_number: check.phone.e164,
      outstanding: check.outstanding,
      app_ids: check.apps.map((app) => app.appId),
    })),
  });
}

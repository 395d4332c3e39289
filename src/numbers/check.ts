import type { JwtSigner } from "../auth/jwt-signer.js";
import type { SigningKey } from "../auth/keys.js";
import type { Database } from "../db/database.js";
import type { PhoneNumber } from "../phone.js";
import { activeBindingsOf } from "./store.js";

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

/** Active bindings of many numbers, grouped per number and per app, in request order. */
export async function outstandingBindings(
  db: Database,
  phones: readonly PhoneNumber[],
  now: number,
  inactivityMs: number,
): Promise<NumberCheck[]> {
  const byHash = new Map<string, { outstanding: number; apps: Map<string, AppHolding> }>();
  const rows = await activeBindingsOf(db, [...new Set(phones.map((phone) => phone.hash))], now - inactivityMs);
  for (const row of rows) {
    const entry = byHash.get(row.phoneHash) ?? { outstanding: 0, apps: new Map() };
    byHash.set(row.phoneHash, entry);
    entry.outstanding += 1;
    const app = entry.apps.get(row.appId);
    if (!app)
      entry.apps.set(row.appId, {
        appId: row.appId,
        appName: row.appName,
        boundAt: row.boundAt,
        lastSeenAt: row.lastSeenAt,
      });
    else {
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

import fc from "fast-check";
import { expect } from "vitest";
import { createHarness, type Harness, ISSUER, signJwt, type TestClient } from "../support/harness.js";
import { phoneNumber } from "./arbitraries.js";

/**
 * The app under property-based tests, as a careless or hostile client would use it. For every
 * answer: never a 5xx and nothing logged, always problem+json (RFC 6749 JSON on /oauth/token,
 * CAMARA's error body on its API, HTML on the pages people open in a browser), and no phone
 * number from the request in an error.
 * Deterministic: the seed is fixed (FUZZ_SEED overrides it) and printed.
 */
export const SEED = Number(process.env.FUZZ_SEED ?? 20260115);
export const PERSON_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CAMARA_API = /^\/number-recycling\//;
const PAGES_FOR_PEOPLE = /^\/(?:me|dev\/carrier)(?:\/|$)/;

export type Kind = "app" | "carrier" | "admin" | "person";
export interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  /** What else the request carried that an answer must not repeat (an assertion's claims). */
  hidden?: string;
}

let h: Harness;
export let clients: Record<Exclude<Kind, "person">, TestClient>;
let sent = 0;
const statuses = new Map<number, number>();
let personToken: { token: string; until: number } | undefined;

/** A fresh app with an app, a carrier (+86139) and an operator to send as. */
export async function startFuzzing(): Promise<Harness> {
  h = await createHarness();
  clients = {
    app: await h.client("app"),
    carrier: await h.client("carrier", "cmcc", { prefixes: ["+86139"] }),
    admin: await h.client("admin"),
  };
  console.log(`fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
  return h;
}

/** How many requests were sent, by status. */
export function summary(): string {
  const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
  return `${sent} requests (${byStatus.join(" ")}), seed ${SEED}`;
}

export async function tokenFor(kind: Kind): Promise<string> {
  if (kind !== "person") return clients[kind].bearer();
  if (!personToken || h.now() >= personToken.until) {
    const iat = Math.floor(h.now() / 1000);
    const assertion = await signJwt(clients.carrier.privateJwk, {
      iss: clients.carrier.id,
      sub: "tel:+8613987654321",
      aud: ISSUER,
      iat,
      exp: iat + 60,
      jti: crypto.randomUUID(),
    });
    const response = await h.tokenRequest({ grant_type: PERSON_GRANT, assertion });
    personToken = { token: response.json.access_token, until: h.now() + 5 * 60_000 };
  }
  return personToken.token;
}

/** Runs lengths of 8+ digits, separators inside numbers dropped: how a number would show. */
function numberTails(text: string): string[] {
  const joined = text.replace(/(?<=\d)[\s().+-](?=\d)/g, "");
  return [...joined.matchAll(/\d{8,}/g)].map((match) => match[0].slice(-8));
}

/** Sends one request (the fake clock a quarter second on) and checks the answer. */
export async function send(request: Sent) {
  sent++;
  const logged = h.errors.length;
  h.advance(250);
  const response = await h.app.request(request.path, {
    method: request.method,
    headers: request.headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
  });
  const text = await response.text();
  const { status } = response;
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const where = `${request.method} ${request.path} → ${status} ${text.slice(0, 300)}`;
  expect(status, where).toBeLessThan(500);
  expect(h.errors.slice(logged), where).toEqual([]);
  if (status < 400 || request.method === "HEAD") return;
  const contentType = response.headers.get("content-type") ?? "";
  const pathname = pathOf(request.path);
  let answer: string;
  if (PAGES_FOR_PEOPLE.test(pathname) && contentType.startsWith("text/html")) {
    // The pages people open in a browser answer in HTML, in their language.
    answer = text;
  } else {
    const body = JSON.parse(text);
    if (CAMARA_API.test(pathname)) {
      // CAMARA's own error body, byte for byte its contract.
      expect(contentType, where).toMatch(/^application\/json/);
      expect(body, where).toMatchObject({ status, code: expect.any(String), message: expect.any(String) });
    } else if (pathname === "/oauth/token") {
      expect(contentType, where).toMatch(/^application\/json/);
      expect(body, where).toMatchObject({ error: expect.any(String), error_description: expect.any(String) });
    } else {
      expect(contentType, where).toMatch(/^application\/problem\+json/);
      expect(body, where).toMatchObject({ status, code: expect.any(String), detail: expect.any(String) });
    }
    delete body.request_id;
    answer = JSON.stringify(body);
  }
  const said = numberTails(answer).join(" ");
  const asked = [
    decodeURIComponentSafe(request.path),
    request.body ? new TextDecoder().decode(request.body) : "",
    request.hidden ?? "",
    ...Object.entries(request.headers)
      .filter(([name]) => name !== "authorization" && name !== "x-request-id")
      .map(([, value]) => value),
  ].join(" ");
  for (const tail of numberTails(asked)) expect(said, `${where}: repeats ${tail}`).not.toContain(tail);
}

/** The path as the app routes it. */
function pathOf(path: string): string {
  try {
    return new URL(`http://localhost${path}`).pathname;
  } catch {
    return path.split("?")[0]!;
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "application/merge-patch+json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/x-ndjson",
      "",
      "application/json, text/plain",
    ),
  },
);
export const extraHeaders = fc.record(
  {
    "x-request-id": fc.oneof(
      fc.stringMatching(/^[\x21-\x7e]{0,200}$/),
      phoneNumber.map((n) => n.replace(/ /g, "")),
    ),
    "accept-language": fc.constantFrom("zh-CN", "en", "*", "xx;q=2", ""),
    accept: fc.constantFrom("application/json", "text/html", "*/*"),
  },
  { requiredKeys: [] },
);

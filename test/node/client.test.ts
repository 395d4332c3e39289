import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NumbindClient, NumbindError } from "../../src/client/index.js";
import { startRegistry } from "./running-registry.js";

// numbind/client against the real Node server over HTTP: every call an app or a carrier makes.

let registry: Awaited<ReturnType<typeof startRegistry>>;
let admin: NumbindClient;
beforeAll(async () => {
  registry = await startRegistry();
  admin = registry.admin;
});
afterAll(() => registry.close());
const register: (typeof registry)["register"] = (...args) => registry.register(...args);

/** A mobile number of its own for each test, under +86139 (or another carrier's prefix). */
let serial = 10_000_000;
const number = (prefix = "+86139") => `${prefix}${serial++}`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function refusal(promise: Promise<unknown>): Promise<NumbindError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(NumbindError);
  return error as NumbindError;
}

describe("an app's calls", () => {
  it("puts, gets, lists page by page and deletes its bindings", async () => {
    const { client: app } = await register("app");
    const phone = number();
    const first = await app.bindings.put({ phone_number: phone, account_ref: "user-1" });
    expect(first.created).toBe(true);
    expect(first.binding).toMatchObject({ account_ref: "user-1", status: "active", end_reason: null });
    expect(JSON.stringify(first.binding)).not.toContain(phone);
    const again = await app.bindings.put({ phone_number: phone, account_ref: "user-1" });
    expect(again).toMatchObject({ created: false, binding: { id: first.binding.id } });

    expect(await app.bindings.get(first.binding.id)).toMatchObject({ id: first.binding.id, status: "active" });

    for (const ref of ["user-2", "user-3", "user-4", "user-5"]) {
      await app.bindings.put({ phone_number: number(), account_ref: ref });
    }
    // Three pages of two: the iterator follows next_cursor to the end.
    const listed = await collect(app.bindings.list({ limit: 2 }));
    expect(listed.map((binding) => binding.account_ref).sort()).toEqual([
      "user-1",
      "user-2",
      "user-3",
      "user-4",
      "user-5",
    ]);
    expect(await collect(app.bindings.list({ account_ref: "user-3" }))).toHaveLength(1);

    await app.bindings.delete(first.binding.id);
    expect(await app.bindings.get(first.binding.id)).toMatchObject({ status: "unbound", end_reason: "APP_UNBOUND" });
    expect(await collect(app.bindings.list({ status: "active", limit: 100 }))).toHaveLength(4);
  });

  it("throws the registry's problem as a NumbindError", async () => {
    const { client: bank } = await register("app");
    const { client: shop } = await register("app");
    const { binding } = await shop.bindings.put({ phone_number: number(), account_ref: "shopper" });

    const notFound = await refusal(bank.bindings.get(binding.id));
    expect(notFound).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(notFound.requestId).toMatch(/\S/);
    expect(notFound.problem?.request_id).toBe(notFound.requestId);

    const invalid = await refusal(bank.bindings.put({ phone_number: "12", account_ref: "x" }));
    expect(invalid).toMatchObject({ status: 400, code: "INVALID_ARGUMENT" });
    expect(invalid.problem?.errors?.[0]?.pointer).toBe("/phone_number");
  });

  it("imports NDJSON rows and reports rejected lines by number, never the number itself", async () => {
    const { client: app } = await register("app");
    const phones = [number(), number(), number()];
    const rows = [
      { phone_number: phones[0]!, account_ref: "a-1", verified_at: "2025-06-01T00:00:00Z" },
      { phone_number: "not a number", account_ref: "a-2" },
      { phone_number: phones[1]!, account_ref: "a-3", last_seen_at: "2020-01-01T00:00:00Z" },
      { phone_number: phones[2]!, account_ref: "a-4" },
    ];
    const result = await app.bindings.import(rows);
    expect(result).toEqual({
      created: 2,
      refreshed: 0,
      unchanged: 0,
      expired: 1,
      rejected: 1,
      errors: [{ line: 2, code: "INVALID_ARGUMENT", detail: expect.any(String) }],
    });
    expect(JSON.stringify(result)).not.toMatch(/\+86139/);
    // Importing the same rows again changes nothing.
    expect(await app.bindings.import(rows)).toMatchObject({ created: 0, refreshed: 0, unchanged: 3, rejected: 1 });
  });

  it("follows the event feed from any id, and checks a number for recycling", async () => {
    const { id: carrierId, client: carrier } = await register("carrier", {
      number_prefixes: ["+86139"],
      reporting_since: "2020-01-01T00:00:00Z",
    });
    const { client: app } = await register("app");
    const phones = [number(), number(), number()];
    for (const [index, phone] of phones.entries()) {
      await app.bindings.put({
        phone_number: phone,
        account_ref: `acct-${index}`,
        verified_at: "2025-01-01T00:00:00Z",
      });
    }
    const reassignedAt = new Date(Date.now() - 60_000).toISOString();
    const reported = await carrier.numbers.reportEvents(
      phones.map((phone, index) => ({
        id: `${carrierId}-evt-${index}`,
        phone_number: phone,
        type: "reassigned" as const,
        occurred_at: reassignedAt,
      })),
    );
    expect(reported.results.map((result) => result.status)).toEqual(["recorded", "recorded", "recorded"]);
    const resent = await carrier.numbers.reportEvents([
      { id: `${carrierId}-evt-0`, phone_number: phones[0]!, type: "reassigned", occurred_at: reassignedAt },
    ]);
    expect(resent.results).toEqual([{ id: `${carrierId}-evt-0`, status: "duplicate" }]);

    // One event a page: the iterator follows next_cursor through all three.
    const events = await collect(app.events({ limit: 1 }));
    expect(events.map((event) => [event.type, event.data.reason])).toEqual([
      ["binding.unbound", "NUMBER_RECYCLED"],
      ["binding.unbound", "NUMBER_RECYCLED"],
      ["binding.unbound", "NUMBER_RECYCLED"],
    ]);
    const resumed = await collect(app.events({ after: events[0]!.id, limit: 1 }));
    expect(resumed.map((event) => event.id)).toEqual([events[1]!.id, events[2]!.id]);

    const recycled = await refusal(
      app.bindings.put({ phone_number: phones[0]!, account_ref: "acct-0", verified_at: "2025-01-01T00:00:00Z" }),
    );
    expect(recycled).toMatchObject({ status: 409, code: "NUMBER_RECYCLED" });
    expect(await app.checkRecycled({ phone_number: phones[0]!, since: "2025-01-01T00:00:00Z" })).toMatchObject({
      recycled: true,
      last_reassigned_at: reassignedAt,
    });
  });
});

describe("a carrier's calls", () => {
  it("checks which apps hold its numbers, with an attestation", async () => {
    const { client: carrier } = await register("carrier", { number_prefixes: ["+86138"] });
    const { id: appId, client: app } = await register("app");
    const held = number("+86138");
    const free = number("+86138");
    await app.bindings.put({ phone_number: held, account_ref: "someone" });
    const check = await carrier.numbers.check([held, free]);
    expect(check.results).toEqual([
      { phone_number: held, outstanding: 1, apps: [expect.objectContaining({ app_id: appId })] },
      { phone_number: free, outstanding: 0, apps: [] },
    ]);
    expect(check.attestation.split(".")).toHaveLength(3);

    const outOfRange = await refusal(carrier.numbers.check([number()]));
    expect(outOfRange).toMatchObject({ status: 403, code: "NUMBER_NOT_IN_RANGE" });
  });
});

describe("the access token", () => {
  it("is fetched once, kept, and renewed before it expires", async () => {
    let now = Date.now();
    let tokenRequests = 0;
    const counting = (request: Request) => {
      if (new URL(request.url).pathname === "/oauth/token") tokenRequests++;
      return fetch(request);
    };
    const { client: app } = await register("app", {}, { now: () => now, fetch: counting });
    await Promise.all([app.bindings.put({ phone_number: number(), account_ref: "a" }), app.accessToken()]);
    expect(tokenRequests).toBe(1);
    now += 8 * 60_000;
    await app.bindings.put({ phone_number: number(), account_ref: "b" });
    expect(tokenRequests).toBe(1);
    // Within a minute of its 10-minute life: a new one.
    now += 90_000;
    await app.bindings.put({ phone_number: number(), account_ref: "c" });
    expect(tokenRequests).toBe(2);
  });

  it("stops coming once the operator disables the client: the token endpoint's error is thrown", async () => {
    const { id, client: app } = await register("app");
    await app.bindings.put({ phone_number: number(), account_ref: "a" });
    await admin.api.PATCH("/v1/admin/clients/{id}", { params: { path: { id } }, body: { disabled: true } });
    // The old token is refused, the client asks for a new one, and the registry refuses that.
    const refused = await refusal(app.bindings.put({ phone_number: number(), account_ref: "b" }));
    expect(refused).toMatchObject({ status: 401, code: "invalid_client" });
  });
});

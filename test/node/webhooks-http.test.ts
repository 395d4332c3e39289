import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { nodeWebhookTransport, type ResolveAll } from "../../src/runtime/node/webhook-transport.js";
import { DeliveryPump } from "../../src/webhooks/dispatch.js";
import { RESPONSE_BODY_LIMIT } from "../../src/webhooks/transport.js";
import { webhookDeliveryScenarios } from "../contract/webhook-scenarios.js";
import { createHarness } from "../support/harness.js";
import { httpReceiver } from "./webhook-receiver.js";

// The delivery scenarios over real HTTP: a node:http receiver on 127.0.0.1, the Node transport.
webhookDeliveryScenarios(httpReceiver);

/** A DNS that answers what the test says, changing its mind when told (rebinding). */
function fakeDns(answers: Record<string, string[]>): ResolveAll {
  return async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

async function productionApp(dns: ResolveAll) {
  const h = await createHarness({ config: { production: true } });
  const transport = nodeWebhookTransport(dns);
  // The same stores, keys and clock as the harness, with the Node transport and its resolver.
  const app = createApp({ db: h.db, shards: h.shards, config: h.config, clock: h.now, webhooks: transport });
  const bank = await h.client("app", "Bank");
  const register = async (url: string) => {
    const response = await app.request("/v1/webhooks", {
      method: "POST",
      headers: { authorization: `Bearer ${await bank.bearer()}`, "content-type": "application/json" },
      body: JSON.stringify({ url }),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  return { h, transport, bank, register };
}

describe("webhook destinations on Node (SSRF, DNS)", () => {
  it("refuses at registration a host that resolves, even in part, to a private address, or not at all", async () => {
    const { register } = await productionApp(
      fakeDns({
        "hooks.bank.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        "loop.example": ["127.0.0.1"],
        "mixed.example": ["93.184.216.34", "10.0.0.5"],
        "meta.example": ["169.254.169.254"],
        "cgnat.example": ["100.64.1.1"],
        "ula.example": ["fd12:3456::1"],
        "mapped.example": ["::ffff:192.168.0.1"],
      }),
    );
    expect((await register("https://hooks.bank.example/numbind")).status).toBe(201);
    for (const [host, said] of [
      ["loop.example", "resolves to a loopback address"],
      ["mixed.example", "resolves to a private address"],
      ["meta.example", "resolves to a cloud metadata address"],
      ["cgnat.example", "resolves to a carrier-grade NAT address"],
      ["ula.example", "resolves to a unique local address"],
      ["mapped.example", "resolves to a private address"],
      ["nowhere.example", "does not resolve"],
    ]) {
      const refused = await register(`https://${host}/x`);
      expect([host, refused.status, refused.json.errors[0].pointer]).toEqual([host, 400, "/url"]);
      expect(refused.json.detail).toContain(said);
      // The answer names the kind of address, never the address itself.
      expect(refused.json.detail).not.toMatch(/\d+\.\d+\.\d+\.\d+|fd12/);
    }
  });

  it("resolves again at delivery and refuses a host rebound to a private address, without connecting", async () => {
    let connections = 0;
    const local = createServer((_request, response) => {
      connections++;
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => local.listen(0, "127.0.0.1", resolve));
    const { port } = local.address() as { port: number };
    const answers: Record<string, string[]> = { "rebind.example": ["93.184.216.34"] };
    const { h, transport, bank, register } = await productionApp(fakeDns(answers));
    const endpoint = await register(`https://rebind.example:${port}/hooks`);
    expect(endpoint.status).toBe(201);
    answers["rebind.example"] = ["127.0.0.1"];
    const put = await h.request("PUT", "/v1/bindings", {
      token: await bank.bearer(),
      json: { phone_number: "+8613912345678", account_ref: "a" },
    });
    await h.request("DELETE", `/v1/bindings/${put.json.id}`, { token: await bank.bearer() });
    await new DeliveryPump({ db: h.db, clock: h.now, transport, guarded: true, maxInFlight: 1 }).drain();
    const attempts = await h.request("GET", `/v1/webhooks/${endpoint.json.id}/attempts`, {
      token: await bank.bearer(),
    });
    expect(attempts.json.items).toEqual([
      expect.objectContaining({
        status: "failed",
        response_status: null,
        error: "refused: the host resolves to a loopback address",
      }),
    ]);
    expect(connections).toBe(0);
    local.close();
  });
});

describe("what the Node transport reads of an answer", () => {
  it("does not follow a redirect, and keeps only the first KiB of a large body", async () => {
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url ?? "");
      request.resume();
      request.on("end", () => {
        if (request.url === "/moved") response.writeHead(307, { location: "/elsewhere" }).end();
        else response.writeHead(500, { "content-type": "text/plain" }).end("x".repeat(100_000));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const h = await createHarness();
    const token = await (await h.client("app", "Bank")).bearer();
    const moved = await h.request("POST", "/v1/webhooks", { token, json: { url: `${base}/moved` } });
    const big = await h.request("POST", "/v1/webhooks", { token, json: { url: `${base}/big` } });
    const put = await h.request("PUT", "/v1/bindings", {
      token,
      json: { phone_number: "+8613912345678", account_ref: "a" },
    });
    await h.request("DELETE", `/v1/bindings/${put.json.id}`, { token });
    const transport = nodeWebhookTransport();
    await new DeliveryPump({ db: h.db, clock: h.now, transport, guarded: false, maxInFlight: 2 }).drain();
    const [redirected] = (await h.request("GET", `/v1/webhooks/${moved.json.id}/attempts`, { token })).json.items;
    expect(redirected).toMatchObject({
      status: "failed",
      response_status: 307,
      error: expect.stringMatching(/^redirects are not followed/),
    });
    const [failed] = (await h.request("GET", `/v1/webhooks/${big.json.id}/attempts`, { token })).json.items;
    expect(failed).toMatchObject({ status: "failed", response_status: 500 });
    expect(failed.response_body).toBe("x".repeat(RESPONSE_BODY_LIMIT));
    expect(paths.sort()).toEqual(["/big", "/moved"]);
    server.closeAllConnections();
    server.close();
  });
});

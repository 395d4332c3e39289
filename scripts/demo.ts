/**
 * `npm run demo`: the story numbind exists for, told against a real server on a fresh in-memory
 * database. A clock of the demo's own lets five months pass in seconds; every step is an HTTP call.
 */
import { pathToFileURL } from "node:url";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { signWithJwk } from "../src/client/assertion.js";
import { type ApiClient, type LocalRegistry, startLocalRegistry } from "./lib/local-registry.js";

const NUMBER = "+8613912345678";
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 1, 0);
const SIGN_IN_URL = "https://login.example-mobile.cn/numbind";

const tty = process.stdout.isTTY;
const style = (code: string) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = style("1");
const dim = style("2");
const green = style("32");
const red = style("31");

class Story {
  now = START;
  readonly clock = () => this.now;
  constructor(private readonly write: (line: string) => void) {}

  day(n: number, title: string) {
    this.now = START + n * DAY + ((this.now - START) % DAY);
    this.write("");
    this.write(bold(`Day ${n} (${new Date(this.now).toISOString().slice(0, 10)}): ${title}`));
  }
  say(line: string) {
    this.write(`  ${line}`);
  }
  show(line: string) {
    this.write(dim(`    ${line}`));
  }
}

function expectStatus(what: string, answer: { status: number; json: any }, status: number) {
  if (answer.status !== status)
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.json)}`);
}

/** A person's browser for the page: cookies kept by hand, redirects looked at one by one. */
class PersonBrowser {
  readonly #cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async send(method: string, path: string, form?: Record<string, string | string[]>, crossSite = false) {
    const headers: Record<string, string> = { "accept-language": "zh-CN,zh;q=0.9" };
    if (!crossSite && this.#cookies.size > 0) {
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(form)) for (const each of [value].flat()) params.append(name, each);
      body = params.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const response = await fetch(new URL(path, this.base), { method, headers, body, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (/max-age=0/i.test(line)) this.#cookies.delete(pair.slice(0, at));
      else this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { status: response.status, location: response.headers.get("location"), html: await response.text() };
  }
}

const appNames = (html: string) => [...html.matchAll(/<h3>([^<]+)<\/h3>/g)].map((match) => match[1]!);
const bindingIds = (html: string) => [...html.matchAll(/data-binding="([^"]+)"/g)].map((match) => match[1]!);

async function feed(story: Story, app: ApiClient, name: string) {
  const events = await app.call("GET", "/v1/events");
  story.say(`${name}'s feed (GET /v1/events):`);
  for (const event of events.json.items) {
    const reason = event.data.reason ? ` ${event.data.reason}` : "";
    story.show(
      `${event.occurred_at.slice(0, 10)} ${event.type}${reason}  ${event.data.phone_number_hint} ${event.data.account_ref}`,
    );
  }
}

export async function runDemo(write: (line: string) => void = console.log): Promise<void> {
  const started = performance.now();
  const story = new Story(write);
  const registry: LocalRegistry = await startLocalRegistry({
    clock: story.clock,
    // A 180-day window, so that the bindings outlast China's 60 days of arrears and 90-day freeze.
    env: { NUMBIND_INACTIVITY: "P180D" },
  });
  try {
    write(bold("numbind demo: a recycled number, from the old owner's accounts to the new owner's page"));
    write(dim(`registry at ${registry.base}, fresh in-memory database, bindings end after 180 days without a login`));

    story.day(0, "an operator registers a carrier and two apps");
    const carrier = await registry.register("carrier", "China Example Mobile", ["+86139"]);
    expectStatus(
      "sign-in URL",
      await registry.admin.call("PATCH", `/v1/admin/clients/${carrier.id}`, { person_sign_in_url: SIGN_IN_URL }),
      200,
    );
    const bank = await registry.register("app", "Example Bank");
    const loans = await registry.register("app", "Quick Loans");
    story.say(`carrier ${carrier.id} (+86139…, signs people in at ${SIGN_IN_URL}); apps ${bank.id}, ${loans.id}`);

    story.say(`Wang binds ${NUMBER} to his bank account and a loan account (PUT /v1/bindings):`);
    for (const [app, ref] of [
      [bank, "wang-0042"],
      [loans, "W-77"],
    ] as const) {
      const bound = await app.call("PUT", "/v1/bindings", { phone_number: NUMBER, account_ref: ref });
      expectStatus("bind", bound, 201);
      story.show(`${bound.status} ${bound.json.id} ${bound.json.phone_number_hint} account ${ref}`);
    }

    story.day(30, "Wang stops paying; the number goes silent, no app sees a login");
    const report = (id: string, type: string) =>
      carrier.call("POST", "/v1/numbers/events", {
        events: [{ id, phone_number: NUMBER, type, occurred_at: new Date(story.now).toISOString() }],
      });
    expectStatus("suspended", await report("ev-1", "suspended"), 200);
    story.say("the carrier reports `suspended` (POST /v1/numbers/events)");

    story.day(60, "after 60 days of arrears the carrier deactivates the number");
    expectStatus("deactivated", await report("ev-2", "deactivated"), 200);
    story.say("the carrier reports `deactivated`; the apps hear of it and can ask Wang for a new number");
    await feed(story, bank, "Example Bank");

    story.day(150, "the 90-day freeze is over: the carrier checks before reselling the number");
    const check = await carrier.call("POST", "/v1/numbers/bindings", { phone_numbers: [NUMBER] });
    expectStatus("check", check, 200);
    const [result] = check.json.results;
    story.say(`POST /v1/numbers/bindings: ${result.outstanding} apps still have it bound:`);
    for (const app of result.apps)
      story.show(`${app.app_name} (${app.app_id}), last seen ${app.last_seen_at.slice(0, 10)}`);
    const jwks = createRemoteJWKSet(new URL(`${registry.base}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(check.json.attestation, jwks, {
      issuer: registry.base,
      typ: "binding-check+jwt",
      currentDate: new Date(story.now),
    });
    story.say(green(`receipt verified with the registry's JWKS (${protectedHeader.alg}, kid ${protectedHeader.kid}):`));
    story.show(JSON.stringify({ iss: payload.iss, sub: payload.sub, iat: payload.iat, results: payload.results }));

    story.day(151, "the carrier sells the number to Li");
    const holderSince = new Date(story.now).toISOString().slice(0, 10);
    story.say(`Li's contract begins ${holderSince}; the carrier will report the reassignment in tonight's batch`);
    story.say("that evening Li gets a debt-collection SMS for Wang from Quick Loans, and opens /me:");
    const li = new PersonBrowser(registry.base);
    const page = await li.send("GET", "/me");
    story.show(`GET /me → ${page.status}, ${/<title>([^<]+)<\/title>/.exec(page.html)?.[1]}`);
    const start = await li.send("POST", "/me/sign-in", { carrier: carrier.id, lang: "zh-CN" });
    const toCarrier = new URL(start.location!);
    story.show(
      `chooses China Example Mobile → ${start.status} to ${toCarrier.origin}${toCarrier.pathname}?state=…&nonce=…`,
    );
    // The carrier's side: it checks Li its own way (an SMS code), then posts its signed word back.
    const iat = Math.floor(story.now / 1000);
    const assertion = await signWithJwk(carrier.privateJwk, {
      iss: carrier.id,
      sub: `tel:${NUMBER}`,
      aud: registry.base,
      iat,
      exp: iat + 120,
      jti: crypto.randomUUID(),
      nonce: toCarrier.searchParams.get("nonce"),
      holder_since: holderSince,
    });
    story.show(`the carrier posts an assertion back: ${JSON.stringify({ ...decodeJwt(assertion), jti: "…" })}`);
    const back = await li.send(
      "POST",
      toCarrier.searchParams.get("return_to")!,
      { state: toCarrier.searchParams.get("state")!, assertion },
      true,
    );
    const signedIn = await li.send("GET", back.location!);
    const previous = /<section class="previous"[\s\S]*?<\/section>/.exec(signedIn.html)?.[0] ?? "";
    const hint = /<dd class="hint">([^<]+)<\/dd>/.exec(signedIn.html)?.[1];
    story.say(`Li is signed in as ${hint}; marked 在你使用此号码之前绑定 (from before you held this number):`);
    for (const name of appNames(previous)) story.show(name);
    if (appNames(previous).length !== 2) throw new Error("expected both of Wang's bindings to be marked");
    const csrf = /name="csrf" value="([^"]+)"/.exec(signedIn.html)![1]!;
    const cut = await li.send("POST", "/me/cut", { csrf, id: bindingIds(previous) });
    const after = await li.send("GET", cut.location!);
    story.say(`Li presses 解除这 2 个之前的绑定 → ${cut.status} ${cut.location}`);
    story.show(/<p class="notice" role="status">([^<]+)<\/p>/.exec(after.html)?.[1] ?? "");
    story.show(/<p class="empty">([^<]+)<\/p>/.exec(after.html)?.[1] ?? "");

    story.say("at night the carrier reports the reassignment");
    expectStatus("reassigned", await report("ev-3", "reassigned"), 200);

    story.day(152, "Wang's old bank account logs in on the old number");
    const login = await bank.call("PUT", "/v1/bindings", { phone_number: NUMBER, account_ref: "wang-0042" });
    story.say(`PUT /v1/bindings for account wang-0042 → ${red(`${login.status} ${login.json.code}`)}`);
    story.show(login.json.detail);
    if (login.status !== 409) throw new Error("expected the old account's login to be refused");
    story.say("the bank does not send Wang's codes to Li: it asks its customer to verify a number again");
    await feed(story, bank, "Example Bank");
    await feed(story, loans, "Quick Loans");

    write("");
    write(green(`the story took ${((performance.now() - started) / 1000).toFixed(1)} s`));
  } finally {
    await registry.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runDemo().catch((error: unknown) => {
    console.error(red(error instanceof Error ? error.message : String(error)));
    process.exitCode = 1;
  });
}

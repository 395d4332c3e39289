import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { listAudit } from "../../src/admin/audit.js";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { runCli } from "../../src/cli/main.js";
import { parseEnvironment, resolveConfig } from "../../src/config.js";
import { openSqlite } from "../../src/db/better-sqlite3.js";
import { type NodeServer, startNodeServer } from "../../src/runtime/node/server.js";

// The numbind command as a user runs it, in-process: its exit status and what it prints.

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...parts) => void out.push(parts.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...parts) => void err.push(parts.join(" ")));
  try {
    const code = await runCli(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const json = (run: Run) => JSON.parse(run.out);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "numbind-cli-"));
  vi.stubEnv("NUMBIND_DB_PATH", join(dir, "data", "numbind.sqlite"));
  vi.stubEnv("NODE_ENV", "development");
});
afterEach(() => vi.unstubAllEnvs());

/** A key pair as keygen makes it: the private JWK in a file, the public JWKS in another. */
async function keyPair(name: string) {
  const keyFile = join(dir, `${name}-key.json`);
  const jwksFile = join(dir, `${name}-jwks.json`);
  const made = await cli("keygen", "--out", keyFile);
  expect(made.code).toBe(0);
  writeFileSync(jwksFile, made.out);
  return { keyFile, jwksFile, kid: JSON.parse(made.out).keys[0].kid as string };
}

describe("--help and wrong command lines", () => {
  it("prints each command's usage for --help and exits 0", async () => {
    const cases: [string[], RegExp][] = [
      [["--help"], /numbind <command>/],
      [["help", "clients"], /clients add --kind app\|carrier\|admin/],
      [["serve", "--help"], /--host ADDRESS/],
      [["migrate", "--help"], /numbind migrate/],
      [["sweep", "--help"], /numbind sweep/],
      [["backup", "--help"], /online backup/],
      [["clients", "add", "--help"], /--person-sign-in-url URL/],
      [["clients", "update", "x", "-h"], /--enable\|--disable/],
      [["keys", "rotate", "--help"], /--retire KID/],
      [["keygen", "--help"], /numbind keygen --out FILE/],
      [["token", "--help"], /--key FILE/],
      [["person-token", "--help"], /--carrier ID/],
      [["import", "--help"], /numbind import FILE/],
    ];
    for (const [argv, usage] of cases) {
      const run = await cli(...argv);
      expect(run, argv.join(" ")).toMatchObject({ code: 0, err: "" });
      expect(run.out, argv.join(" ")).toMatch(usage);
    }
  });

  it("answers an unknown option, command or action with the usage and exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["clients", "add", "--bogus"], /^numbind: unknown option --bogus\n\nnumbind clients/],
      [["serve", "--port", "1"], /^numbind: unknown option --port\n\nnumbind serve/],
      [["clients", "add", "--name"], /^numbind: --name needs a value/],
      [["launch"], /^numbind: unknown command launch\n\nnumbind <command>/],
      [["clients", "remove", "x"], /^numbind: unknown action remove/],
      [["clients"], /^numbind: name an action: add, list, update or disable/],
      [["clients", "disable"], /^numbind: clients disable needs a client ID/],
      [["clients", "add", "--kind", "app", "--name", "A"], /^numbind: --jwks FILE is required/],
      [["clients", "update", "app_1"], /^numbind: nothing to change: give at least one option/],
      [["clients", "update", "app_1", "--enable", "--disable"], /--enable or --disable, not both/],
      [["keys"], /^numbind: name an action: rotate/],
      [["keys", "rotate", "--client", "app_1"], /give --out FILE for a new key, or --retire KID/],
      [["keygen"], /^numbind: --out FILE is required/],
      [["token", "--key", "k.json"], /^numbind: --client ID is required/],
      [["migrate", "now"], /^numbind: unexpected argument now/],
      [["backup"], /^numbind: FILE is required/],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(...argv);
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.err, argv.join(" ")).toMatch(message);
    }
  });
});

describe("clients on the local file", () => {
  it("registers, lists, updates and disables a client, each change in the audit log as the CLI's", async () => {
    const app = await keyPair("app");
    const added = await cli(
      "clients",
      "add",
      "--kind",
      "carrier",
      "--name",
      "CM",
      "--jwks",
      app.jwksFile,
      "--prefix",
      "+86139",
    );
    expect(added.code).toBe(0);
    const client = json(added);
    expect(client).toMatchObject({ kind: "carrier", name: "CM", number_prefixes: ["+86139"], disabled: false });

    const updated = await cli(
      "clients",
      "update",
      client.id,
      "--name",
      "China Mobile",
      "--prefix",
      "+86138",
      "--prefix",
      "+86139",
      "--person-sign-in-url",
      "https://carrier.example/sign-in",
      "--reporting-since",
      "2026-01-01",
      "--rate-limit",
      "300/s",
    );
    expect(updated.code, updated.err).toBe(0);
    expect(json(updated)).toMatchObject({
      name: "China Mobile",
      number_prefixes: ["+86138", "+86139"],
      person_sign_in_url: "https://carrier.example/sign-in",
      reporting_since: "2026-01-01T00:00:00.000Z",
      rate_limit: "300/s",
    });
    const cleared = await cli(
      "clients",
      "update",
      client.id,
      "--person-sign-in-url",
      "none",
      "--rate-limit",
      "default",
    );
    expect(json(cleared)).toMatchObject({ person_sign_in_url: null, rate_limit: null });
    expect(json(await cli("clients", "disable", client.id)).disabled).toBe(true);
    expect(json(await cli("clients", "update", client.id, "--enable")).disabled).toBe(false);
    expect(json(await cli("clients", "list")).map((listed: { id: string }) => listed.id)).toEqual([client.id]);

    const db = openSqlite(process.env.NUMBIND_DB_PATH!);
    try {
      const entries = await listAudit(db, undefined, 100);
      expect(entries.map((entry) => [entry.action, entry.actorKind])).toEqual([
        ["client.created", "cli"],
        ["client.updated", "cli"],
        ["client.updated", "cli"],
        ["client.updated", "cli"],
        ["client.updated", "cli"],
      ]);
      expect(entries[0]!.actorId).not.toBe("");
      expect(entries[1]!.detail).toMatchObject({ client_id: client.id });
    } finally {
      db.close();
    }
  });

  it("refuses what the admin API refuses, naming the option", async () => {
    const app = await keyPair("app");
    writeFileSync(join(dir, "not-json.json"), "app-jwks");
    const cases: [string[], RegExp][] = [
      [["--kind", "bank", "--name", "B", "--jwks", app.jwksFile], /--kind bank: the kinds are app, carrier, admin/],
      [
        ["--kind", "app", "--name", "B", "--jwks", app.keyFile],
        /--jwks .*app-key\.json: this is a private key: pass the public JWKS that `numbind keygen` printed/,
      ],
      [["--kind", "app", "--name", "B", "--jwks", join(dir, "nope.json")], /--jwks .*nope\.json: no such file/],
      [["--kind", "app", "--name", "B", "--jwks", join(dir, "not-json.json")], /--jwks .*not-json\.json is not JSON/],
      [["--kind", "app", "--name", " ", "--jwks", app.jwksFile], /--name: a name is 1 to 200 characters/],
      [
        ["--kind", "app", "--name", "B", "--jwks", app.jwksFile, "--prefix", "+86139"],
        /--prefix: only carriers have number prefixes/,
      ],
      [
        ["--kind", "carrier", "--name", "B", "--jwks", app.jwksFile, "--prefix", "86139"],
        /--prefix 86139: an E\.164 prefix is \+ and 1 to 15 digits/,
      ],
      [
        ["--kind", "app", "--name", "B", "--jwks", app.jwksFile, "--rate-limit", "fast"],
        /--rate-limit: a budget is a count per s, min or h/,
      ],
      [
        ["--kind", "app", "--name", "B", "--jwks", app.jwksFile, "--person-sign-in-url", "https://x.example"],
        /--person-sign-in-url: only carriers sign people in/,
      ],
      [
        ["--kind", "carrier", "--name", "B", "--jwks", app.jwksFile, "--person-sign-in-url", "ftp://x"],
        /--person-sign-in-url: must be an absolute http\(s\) URL/,
      ],
      [
        ["--kind", "carrier", "--name", "B", "--jwks", app.jwksFile, "--reporting-since", "last year"],
        /--reporting-since last year: give a date \(2026-01-01\) or an RFC 3339 time/,
      ],
    ];
    for (const [options, message] of cases) {
      const run = await cli("clients", "add", ...options);
      expect(run.code, options.join(" ")).toBe(1);
      expect(run.err, options.join(" ")).toMatch(message);
    }
    const taken = await cli(
      "clients",
      "add",
      "--kind",
      "carrier",
      "--name",
      "A",
      "--jwks",
      app.jwksFile,
      "--prefix",
      "+86139",
    );
    expect(taken.code).toBe(0);
    const again = await cli(
      "clients",
      "add",
      "--kind",
      "carrier",
      "--name",
      "B",
      "--jwks",
      app.jwksFile,
      "--prefix",
      "+86139",
    );
    expect(again.err).toBe(
      "numbind: a prefix already belongs to another carrier; each block has one carrier\n  --prefix +86139: already another carrier's",
    );
    expect((await cli("clients", "update", "app_nope", "--name", "X")).err).toMatch(
      /no client app_nope in this database; `numbind clients list` shows the ids/,
    );
    expect((await cli("clients", "update", json(taken).id, "--kind", "app")).err).toMatch(
      /--kind: a client's kind cannot change/,
    );
  });
});

describe("keys", () => {
  it("keygen writes the private JWK 0600 and never overwrites a file", async () => {
    const { keyFile } = await keyPair("app");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const again = await cli("keygen", "--out", keyFile);
    expect(again).toMatchObject({ code: 1 });
    expect(again.err).toMatch(/--out .*app-key\.json exists; choose another file \(a key is never overwritten\)/);
  });

  it("rotate adds a new key beside the old ones, then retires the old one", async () => {
    const app = await keyPair("app");
    const client = json(await cli("clients", "add", "--kind", "app", "--name", "Bank", "--jwks", app.jwksFile));
    const newKey = join(dir, "new-key.json");
    const added = await cli("keys", "rotate", "--client", client.id, "--out", newKey);
    expect(added.code, added.err).toBe(0);
    const addedKid = JSON.parse(readFileSync(newKey, "utf8")).kid;
    expect(statSync(newKey).mode & 0o777).toBe(0o600);
    expect(json(added)).toEqual({
      client: client.id,
      added: addedKid,
      private_key_file: newKey,
      keys: [app.kid, addedKid],
    });

    expect((await cli("keys", "rotate", "--client", client.id, "--out", newKey)).err).toMatch(
      /exists; choose another file/,
    );
    expect((await cli("keys", "rotate", "--client", client.id, "--retire", "kid-x")).err).toMatch(
      new RegExp(`client ${client.id} has no key kid-x; its keys are ${app.kid}, ${addedKid}`),
    );
    const retired = await cli("keys", "rotate", "--client", client.id, "--retire", app.kid);
    expect(json(retired)).toEqual({ client: client.id, retired: [app.kid], keys: [addedKid] });
    expect((await cli("keys", "rotate", "--client", client.id, "--retire", addedKid)).err).toMatch(
      /would leave client .* no key/,
    );
    expect((await cli("keys", "rotate", "--client", "app_nope", "--out", join(dir, "x.json"))).err).toMatch(
      /no client app_nope/,
    );
    expect(existsSync(join(dir, "x.json"))).toBe(false);
  });
});

describe("the server command", () => {
  it("says a busy port is in use, in one line", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    vi.stubEnv("PORT", String(port));
    try {
      const run = await cli("serve");
      expect(run).toEqual({
        code: 1,
        out: "",
        err: `numbind: port ${port} is in use; set PORT=… or stop the other server`,
      });
    } finally {
      busy.close();
    }
  });

  it("says an address that is not this machine's is not, and a bad setting before anything starts", async () => {
    vi.stubEnv("PORT", "0");
    const run = await cli("serve", "--host", "203.0.113.7");
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /--host 203\.0\.113\.7 is not an address of this machine; use 127\.0\.0\.1 .* or 0\.0\.0\.0/,
    );
    vi.stubEnv("NUMBIND_ISSUER", "localhost:8787");
    const misconfigured = await cli("serve");
    expect(misconfigured.code).toBe(1);
    expect(misconfigured.err).toMatch(
      /^numbind: Invalid configuration:\n {2}NUMBIND_ISSUER: "localhost:8787" is not an http\(s\) URL/,
    );
  });

  it("backup copies the database 0600, and refuses to overwrite or to copy nothing", async () => {
    expect((await cli("backup", join(dir, "copy.sqlite"))).err).toMatch(
      /no database at .*numbind\.sqlite; set NUMBIND_DB_PATH to the file the server uses/,
    );
    const app = await keyPair("app");
    const client = json(await cli("clients", "add", "--kind", "app", "--name", "Bank", "--jwks", app.jwksFile));
    const copy = join(dir, "copy.sqlite");
    const run = await cli("backup", copy);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/Keep the pepper with it/);
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    vi.stubEnv("NUMBIND_DB_PATH", copy);
    expect(json(await cli("clients", "list"))[0].id).toBe(client.id);
    expect((await cli("backup", copy)).err).toMatch(/copy\.sqlite exists; a backup never overwrites a file/);
  });
});

describe("against a running registry (--url)", () => {
  let server: NodeServer;
  let base: string;
  let admin: { keyFile: string; jwksFile: string };
  let adminDir: string;

  beforeAll(async () => {
    adminDir = mkdtempSync(join(tmpdir(), "numbind-cli-admin-"));
    const adminKey = await generateSigningJwk();
    admin = { keyFile: join(adminDir, "admin-key.json"), jwksFile: join(adminDir, "admin-jwks.json") };
    writeFileSync(admin.keyFile, JSON.stringify(adminKey));
    writeFileSync(admin.jwksFile, JSON.stringify({ keys: [publicJwk(adminKey)] }));
    const env = {
      NODE_ENV: "production",
      PORT: "0",
      NUMBIND_DB_PATH: ":memory:",
      NUMBIND_ISSUER: "http://127.0.0.1",
      NUMBIND_PEPPER: "cli-test-pepper-cli-test-pepper-cli-test",
      NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
    };
    server = await startNodeServer(resolveConfig(parseEnvironment(env)));
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  const remote = () => ["--url", base, "--admin-key", admin.keyFile];

  it("adds, lists, updates and disables clients through the admin API", async () => {
    const app = await keyPair("app");
    const added = await cli(
      "clients",
      "add",
      ...remote(),
      "--kind",
      "carrier",
      "--name",
      "CU",
      "--jwks",
      app.jwksFile,
      "--prefix",
      "+86130",
    );
    expect(added.code, added.err).toBe(0);
    const client = json(added);
    expect(client).toMatchObject({ kind: "carrier", number_prefixes: ["+86130"] });
    const updated = await cli(
      "clients",
      "update",
      client.id,
      ...remote(),
      "--name",
      "China Unicom",
      "--rate-limit",
      "50/s",
    );
    expect(json(updated)).toMatchObject({ name: "China Unicom", rate_limit: "50/s" });
    expect(json(await cli("clients", "disable", client.id, ...remote())).disabled).toBe(true);
    const listed = json(await cli("clients", "list", ...remote()));
    expect(listed.map((each: { id: string }) => each.id)).toEqual(expect.arrayContaining(["admin", client.id]));

    // The registry's own refusals come back in the CLI's words.
    const refused = await cli(
      "clients",
      "add",
      ...remote(),
      "--kind",
      "carrier",
      "--name",
      "X",
      "--jwks",
      app.jwksFile,
      "--prefix",
      "86",
    );
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toMatch(/--prefix 86: an E\.164 prefix is \+ and 1 to 15 digits/);
    expect((await cli("clients", "update", "app_nope", ...remote(), "--name", "X")).err).toMatch(
      new RegExp(`no client app_nope at ${base}`),
    );
    // And the CLI's own checks hold before anything is sent.
    expect(
      (await cli("clients", "add", ...remote(), "--kind", "bank", "--name", "X", "--jwks", app.jwksFile)).err,
    ).toMatch(/--kind bank: the kinds are app, carrier, admin/);
  });

  it("says what is wrong with the address or the admin key", async () => {
    const app = await keyPair("app");
    const stranger = await keyPair("stranger");
    expect((await cli("clients", "list", "--url", base, "--admin-key", stranger.keyFile)).err).toMatch(
      new RegExp(`numbind: ${base} refused a token to client admin \\(invalid_client`),
    );
    expect((await cli("clients", "list", "--url", base, "--admin-key", app.jwksFile)).err).toMatch(
      /--admin-key .*app-jwks\.json is not a private JWK; give the file `numbind keygen --out` wrote/,
    );
    expect((await cli("clients", "list", "--url", base)).err).toMatch(/--admin-key FILE .* is required/);
    expect((await cli("clients", "list", "--admin-key", app.keyFile)).err).toMatch(
      /--admin-client and --admin-key go with --url/,
    );
    expect((await cli("clients", "list", "--url", "localhost:8787", "--admin-key", app.keyFile)).err).toMatch(
      /--url localhost:8787 is not an http\(s\) URL; give the registry's address, like http:\/\/localhost:8787/,
    );
  });

  it("token prints an access token, and says when the server cannot be reached", async () => {
    const run = await cli("token", "--client", "admin", "--key", admin.keyFile, "--url", base);
    expect(run.code, run.err).toBe(0);
    expect(run.out.split(".")).toHaveLength(3);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const dead = await cli(
      "token",
      "--client",
      "admin",
      "--key",
      admin.keyFile,
      "--url",
      `http://127.0.0.1:${deadPort}`,
    );
    expect(dead).toEqual({
      code: 1,
      out: "",
      err: `numbind: could not reach http://127.0.0.1:${deadPort} (ECONNREFUSED); is \`npm start\` running there?`,
    });
    expect((await cli("token", "--client", "admin", "--key", admin.jwksFile, "--url", base)).err).toMatch(
      /--key .*admin-jwks\.json is not a private JWK/,
    );
  });

  it("rotates a client's keys through the admin API", async ({ skip }) => {
    const app = await keyPair("app");
    const client = json(
      await cli("clients", "add", ...remote(), "--kind", "app", "--name", "Bank", "--jwks", app.jwksFile),
    );
    // The admin API shows a client's public keys from 0.2.0 on; until it does, a remote rotation says so.
    if (!("jwks" in client)) skip();
    const newKey = join(dir, "new-key.json");
    const added = await cli("keys", "rotate", ...remote(), "--client", client.id, "--out", newKey);
    expect(added.code, added.err).toBe(0);
    const addedKid = JSON.parse(readFileSync(newKey, "utf8")).kid;
    expect(json(added).keys).toEqual([app.kid, addedKid]);
    // The client signs with the new key while the old one is still registered: no downtime.
    expect((await cli("token", "--client", client.id, "--key", newKey, "--url", base)).code).toBe(0);
    expect((await cli("token", "--client", client.id, "--key", app.keyFile, "--url", base)).code).toBe(0);
    expect(json(await cli("keys", "rotate", ...remote(), "--client", client.id, "--retire", app.kid)).keys).toEqual([
      addedKid,
    ]);
    expect((await cli("token", "--client", client.id, "--key", app.keyFile, "--url", base)).code).toBe(1);
  });
});

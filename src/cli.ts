import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { JWK } from "jose";
import { purgeUsedAssertions } from "./auth/assertion.js";
import { clientView, createClient, findClient, listClients, updateClient } from "./auth/clients.js";
import { generateSigningJwk, publicJwk } from "./auth/keys.js";
import type { ClientKind } from "./auth/scopes.js";
import { sweep } from "./bindings/sweep.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "./client/assertion.js";
import { systemClock } from "./clock.js";
import { ConfigError } from "./config.js";
import { Problem } from "./http/problems.js";
import { serveNode } from "./node.js";
import { loadNodeConfig, openNodeDatabase } from "./runtime/node/setup.js";
import { localShards } from "./runtime/node/shards.js";

const USAGE = `numbind <command>

  serve [--host 127.0.0.1]           serve the API (PORT, NUMBIND_* from the environment)
  migrate                            create or migrate the SQLite file
  sweep                              record inactivity expiries now
  clients add --kind app|carrier|admin --name NAME --jwks FILE [--prefix +86139]...
  clients list
  clients disable ID
  keygen --out FILE                  write a private Ed25519 JWK to FILE, print its public JWKS
  token --client ID --key FILE [--url http://localhost:8787] [--scope S]
                                     print an access token from a running server`;

const print = (value: unknown) => console.log(typeof value === "string" ? value : JSON.stringify(value, null, 2));

async function clientsCommand(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kind: { type: "string" },
      name: { type: "string" },
      jwks: { type: "string" },
      prefix: { type: "string", multiple: true },
    },
  });
  const config = await loadNodeConfig();
  const db = await openNodeDatabase(config);
  try {
    const [action, id] = positionals;
    if (action === "add") {
      if (!values.kind || !values.name || !values.jwks)
        throw new Error("clients add needs --kind, --name and --jwks FILE");
      const jwks = JSON.parse(readFileSync(values.jwks, "utf8")) as unknown;
      print(
        clientView(
          await createClient(db, systemClock, {
            kind: values.kind as ClientKind,
            name: values.name,
            jwks,
            numberPrefixes: values.prefix,
          }),
        ),
      );
    } else if (action === "list") {
      print((await listClients(db, undefined, 10_000)).map(clientView));
    } else if (action === "disable" && id) {
      const client = await findClient(db, id);
      if (!client) throw new Error(`no client ${id}`);
      print(clientView(await updateClient(db, systemClock, client, { disabled: true })));
    } else {
      throw new Error(USAGE);
    }
  } finally {
    db.close();
  }
}

async function keygen(args: string[]) {
  const { values } = parseArgs({ args, options: { out: { type: "string" } } });
  if (!values.out) throw new Error("keygen needs --out FILE");
  const jwk = await generateSigningJwk();
  writeFileSync(values.out, JSON.stringify(jwk, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  print({ keys: [publicJwk(jwk)] });
}

/** RFC 7523 client authentication against a running server, configured from its RFC 8414 metadata. */
async function token(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      client: { type: "string" },
      key: { type: "string" },
      url: { type: "string" },
      scope: { type: "string" },
    },
  });
  if (!values.client || !values.key) throw new Error("token needs --client ID and --key FILE");
  const base = (values.url ?? `http://localhost:${process.env.PORT ?? 8787}`).replace(/\/+$/, "");
  const metadata = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as {
    issuer: string;
    token_endpoint: string;
  };
  const privateJwk = JSON.parse(readFileSync(values.key, "utf8")) as JWK;
  const assertion = await signClientAssertion({ clientId: values.client, privateJwk, audience: metadata.issuer });
  const response = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      ...(values.scope ? { scope: values.scope } : {}),
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`token refused: ${JSON.stringify(body)}`);
  print(body.access_token);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case "serve": {
      const { values } = parseArgs({ args, options: { host: { type: "string" } } });
      return serveNode(values.host);
    }
    case "migrate": {
      const config = await loadNodeConfig();
      (await openNodeDatabase(config)).close();
      console.log(`migrated ${config.dbPath}`);
      return;
    }
    case "sweep": {
      const config = await loadNodeConfig();
      const db = await openNodeDatabase(config);
      console.log(`sweeping bindings unseen for ${config.inactivityMs / 86_400_000} days ...`);
      const started = performance.now();
      const swept = await sweep({ shards: localShards(db), clock: systemClock, inactivityMs: config.inactivityMs });
      await purgeUsedAssertions({ db, clock: systemClock });
      const elapsedMs = performance.now() - started;
      db.close();
      console.log(`expired ${swept} bindings in ${elapsedMs.toFixed(0)} ms`);
      return;
    }
    case "clients":
      return clientsCommand(args);
    case "keygen":
      return keygen(args);
    case "token":
      return token(args);
    default:
      console.log(USAGE);
      if (command && command !== "help" && command !== "--help") process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof Problem) console.error(error.message);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

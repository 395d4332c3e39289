import { ConfigError } from "../config.js";
import { Problem } from "../http/problems.js";
import { StartError } from "../node.js";
import { CliError, HelpRequested, UsageError } from "./args.js";
import { CLIENTS_USAGE, clientsCommand } from "./clients.js";
import { IMPORT_USAGE, importCommand } from "./import.js";
import { KEYGEN_USAGE, KEYS_USAGE, keygenCommand, keysCommand } from "./keys.js";
import { PERSON_TOKEN_USAGE, personTokenCommand } from "./person-token.js";
import {
  BACKUP_USAGE,
  backupCommand,
  MIGRATE_USAGE,
  migrateCommand,
  SERVE_USAGE,
  SWEEP_USAGE,
  serveCommand,
  sweepCommand,
} from "./server.js";
import { TOKEN_USAGE, tokenCommand } from "./token.js";

const USAGE = `numbind <command> [options]        numbind <command> --help for a command's options

The server
  serve [--host 127.0.0.1]           serve the API and its sweeper (PORT, NUMBIND_* from the environment)
  migrate                            create or migrate the SQLite file
  sweep                              record inactivity expiries now
  backup FILE                        copy the database while the server runs

Clients: on the local SQLite file, or a running registry with --url URL --admin-key FILE
  clients add --kind app|carrier|admin --name NAME --jwks FILE [--prefix +86139]...
  clients list
  clients update ID [--name NAME] [--jwks FILE] [--prefix P]... [--enable|--disable] ...
  clients disable ID
  keys rotate --client ID (--out FILE | --retire KID)

Keys and tokens
  keygen --out FILE                  write a private Ed25519 JWK to FILE, print its public JWKS
  token --client ID --key FILE [--url http://localhost:8787] [--scope S]
                                     print an access token from a running server
  person-token --carrier ID --key FILE --number +86...
                                     a person's token, attested by a carrier

Apps
  import FILE --client ID --key FILE bind an app's existing accounts from a CSV file`;

const print = (value: unknown) => console.log(typeof value === "string" ? value : JSON.stringify(value, null, 2));

const COMMANDS: Record<string, { usage: string; run: (args: string[]) => Promise<void> }> = {
  serve: { usage: SERVE_USAGE, run: serveCommand },
  migrate: { usage: MIGRATE_USAGE, run: migrateCommand },
  sweep: { usage: SWEEP_USAGE, run: sweepCommand },
  backup: { usage: BACKUP_USAGE, run: backupCommand },
  clients: { usage: CLIENTS_USAGE, run: (args) => clientsCommand(args, print) },
  keys: { usage: KEYS_USAGE, run: (args) => keysCommand(args, print) },
  keygen: { usage: KEYGEN_USAGE, run: (args) => keygenCommand(args, print) },
  token: { usage: TOKEN_USAGE, run: (args) => tokenCommand(args, print) },
  "person-token": { usage: PERSON_TOKEN_USAGE, run: (args) => personTokenCommand(args, print) },
  import: { usage: IMPORT_USAGE, run: (args) => importCommand(args) },
};

/** Runs one command line; resolves with the exit status (a server keeps the process alive itself). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    const [command, ...args] = argv;
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      const usage = args[0] ? COMMANDS[args[0]]?.usage : undefined;
      console.log(usage ?? USAGE);
      return 0;
    }
    const entry = COMMANDS[command];
    if (!entry) throw new UsageError(`unknown command ${command}`, USAGE);
    await entry.run(args);
    return 0;
  } catch (error) {
    return reportFailure(error);
  }
}

/** Errors a user can act on are one line (and the usage, for a wrong command line); anything else is a bug. */
function reportFailure(error: unknown): number {
  if (error instanceof HelpRequested) {
    console.log(error.usage);
    return 0;
  }
  if (error instanceof UsageError) {
    console.error(`numbind: ${error.message}\n\n${error.usage}`);
    return 2;
  }
  const known = [CliError, ConfigError, Problem, StartError].some((type) => error instanceof type);
  console.error(known ? `numbind: ${(error as Error).message}` : error);
  return 1;
}

import { type ParseArgsConfig, parseArgs } from "node:util";

/** A failure the user can fix: printed as one line, exit status 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** The command line itself is wrong: the message, then the command's usage, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** `--help` was asked for: the usage on standard output, exit status 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
  constructor(readonly usage: string) {
    super(usage);
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs's own messages, in the words of the usage text. */
function describe(error: NodeJS.ErrnoException): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  const argument = /argument '([^']*)'/i.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `${option} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${argument}`;
    default:
      return error.message;
  }
}

/**
 * Parses one command's arguments: `--help`/`-h` anywhere asks for its usage; an unknown option, a
 * missing value or too many positionals is a UsageError carrying that usage.
 */
export function parseCommand<T extends Options>(
  args: string[],
  usage: string,
  options: T,
  maxPositionals = 0,
): { values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>>["values"]; positionals: string[] } {
  if (args.includes("--help") || args.includes("-h")) throw new HelpRequested(usage);
  let parsed: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describe(error as NodeJS.ErrnoException), usage);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${parsed.positionals[maxPositionals]}`, usage);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A required option, or a UsageError naming it. */
export function required<V>(value: V | undefined, option: string, usage: string): V {
  if (value === undefined || value === "") throw new UsageError(`${option} is required`, usage);
  return value;
}

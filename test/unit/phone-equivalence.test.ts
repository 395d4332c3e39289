// The fast path of src/phone-fast.ts must give exactly libphonenumber-js/max's verdicts. This
// generates 1M inputs from the metadata itself (numbers sampled from every type pattern of every
// region, their E.164, national, IDD and prefix-less forms, perturbed and punctuated) and compares
// each verdict with plain libphonenumber-js, as src/phone.ts called it before the fast path.
// libphonenumber-js takes ~35 µs of CPU a number, so the reference runs in worker threads, one a
// core (~25 s on 2 idle cores). PHONE_EQUIVALENCE_CASES and PHONE_EQUIVALENCE_SEED vary the run.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import examplesJson from "libphonenumber-js/examples.mobile.json";
import metadataJson from "libphonenumber-js/metadata.max.json";
import { describe, expect, it } from "vitest";
import { hashPhone, normalizePhone, parsePhoneInput } from "../../src/phone.js";
import { parseFast } from "../../src/phone-fast.js";

const CASES = Number(process.env.PHONE_EQUIVALENCE_CASES) || 1_000_000;

/** Runs src/phone.ts's parseValid as it was before the fast path, verbatim, on plain libphonenumber-js/max. */
const REFERENCE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.libphonenumber).then(({ parsePhoneNumberWithError }) => {
  function parseValid(input, defaultRegion) {
    if (input.length > 32 || !/^\\+?[\\d\\s\\-().]+$/.test(input)) return undefined;
    try {
      const parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultRegion, extract: false });
      if (!parsed.isValid()) return undefined;
      return { e164: parsed.number, countryCallingCode: parsed.countryCallingCode, nationalNumber: parsed.nationalNumber };
    } catch {
      return undefined;
    }
  }
  const { inputs, regions } = workerData;
  parentPort.postMessage(inputs.map((input, i) => verdict(parseValid(input, regions[i]))));
});
${verdict.toString()}
`;

/** A verdict as one comparable string. */
function verdict(parsed: { e164: string; countryCallingCode: string; nationalNumber: string } | undefined): string {
  return parsed ? `${parsed.e164} ${parsed.countryCallingCode} ${parsed.nationalNumber}` : "invalid";
}

function referenceVerdicts(inputs: string[], regions: (string | undefined)[]): Promise<string[]> {
  const libphonenumber = pathToFileURL(
    join(dirname(createRequire(import.meta.url).resolve("libphonenumber-js/package.json")), "max/index.js"),
  ).href;
  const threads = Math.max(1, Math.min(availableParallelism(), 8));
  const size = Math.ceil(inputs.length / threads);
  const parts = Array.from(
    { length: threads },
    (_, t) =>
      new Promise<string[]>((resolve, reject) => {
        const workerData = {
          libphonenumber,
          inputs: inputs.slice(t * size, (t + 1) * size),
          regions: regions.slice(t * size, (t + 1) * size),
        };
        const worker = new Worker(REFERENCE_WORKER, { eval: true, workerData });
        worker.once("message", (verdicts: string[]) => {
          resolve(verdicts);
          void worker.terminate();
        });
        worker.once("error", reject);
      }),
  );
  return Promise.all(parts).then((all) => all.flat());
}

// ------------------------------------------------------------------------------------------
// Deterministic generation.

/** mulberry32: small, seeded, good enough to spread cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

// A sampler for the regular-expression subset libphonenumber's metadata uses: digits, [classes],
// \d, (?:groups), |, ?, {n}, {n,m}. Anchors ($) are dropped.
type Term = { chars: string } | { branches: Piece[][] };
interface Piece {
  term: Term;
  min: number;
  max: number;
}

function parsePattern(source: string): Piece[][] {
  let i = 0;
  const alternation = (): Piece[][] => {
    const branches: Piece[][] = [[]];
    while (i < source.length && source[i] !== ")") {
      if (source[i] === "|") {
        i++;
        branches.push([]);
        continue;
      }
      const term = atom();
      let min = 1,
        max = 1;
      if (source[i] === "?") {
        i++;
        min = 0;
      } else if (source[i] === "{") {
        const end = source.indexOf("}", i);
        const [low, high] = source.slice(i + 1, end).split(",");
        min = Number(low);
        max = high === undefined ? min : high === "" ? min + 3 : Number(high);
        i = end + 1;
      }
      if (term) branches.at(-1)!.push({ term, min, max });
    }
    return branches;
  };
  const atom = (): Term | undefined => {
    const c = source[i++]!;
    if (c === "(") {
      if (source.startsWith("?:", i)) i += 2;
      const branches = alternation();
      i++;
      return { branches };
    }
    if (c === "[") {
      let chars = "";
      while (source[i] !== "]") {
        if (source[i] === "\\") {
          chars += "0123456789";
          i += 2;
        } else if (source[i + 1] === "-" && source[i + 2] !== "]") {
          for (let d = source.charCodeAt(i); d <= source.charCodeAt(i + 2); d++) chars += String.fromCharCode(d);
          i += 3;
        } else chars += source[i++];
      }
      i++;
      return { chars };
    }
    if (c === "\\") {
      i++;
      return { chars: "0123456789" };
    }
    if (c === "$" || c === "^") return undefined;
    return { chars: c };
  };
  return alternation();
}

function sample(branches: Piece[][], rng: Rng): string {
  let out = "";
  for (const piece of rng.pick(branches)) {
    const count = piece.min + rng.int(piece.max - piece.min + 1);
    for (let k = 0; k < count; k++)
      out += "chars" in piece.term ? rng.pick([...piece.term.chars]) : sample(piece.term.branches, rng);
  }
  return out;
}

type PlanJson = [
  string,
  unknown,
  string,
  number[],
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
  ([string, number[]?] | 0)[]?,
];
const metadata = metadataJson as unknown as {
  countries: Record<string, PlanJson>;
  nonGeographic: Record<string, PlanJson>;
};
const examples = examplesJson as Record<string, string>;

interface Plan {
  name: string;
  callingCode: string;
  nationalPrefix: string;
  idd: Piece[][];
  prefixForParsing: Piece[][];
  transforms: boolean;
  types: Piece[][][];
  national: Piece[][];
  example?: string;
}
const plan = (name: string, json: PlanJson): Plan => ({
  name,
  callingCode: json[0],
  nationalPrefix: typeof json[5] === "string" ? json[5] : "",
  idd: parsePattern(typeof json[1] === "string" ? json[1] : "00"),
  prefixForParsing: parsePattern(String(json[7] || json[5] || "")),
  transforms: !!json[8],
  types: (json[11] ?? []).flatMap((type) => (Array.isArray(type) && type[0] ? [parsePattern(type[0])] : [])),
  national: parsePattern(json[2]),
  ...(examples[name] ? { example: examples[name] } : {}),
});
const REGIONS = Object.keys(metadata.countries).sort();
const PLANS = new Map(REGIONS.map((region) => [region, plan(region, metadata.countries[region]!)]));
const NON_GEOGRAPHIC = Object.entries(metadata.nonGeographic).map(([code, json]) => plan(code, json));
const MAIN = ["CN", "US", "GB", "DE", "IN", "BR", "JP", "FR", "RU", "NG"];
// Regions that share a calling code, use national-prefix transform rules or carrier codes, or
// whose national prefix is also a leading digit: the corners of libphonenumber's parser.
const TRICKY = [
  "CA",
  "AG",
  "JM",
  "DO",
  "PR",
  "KZ",
  "GG",
  "IM",
  "JE",
  "AR",
  "MX",
  "CO",
  "SM",
  "NF",
  "CC",
  "CX",
  "AU",
  "MG",
  "GA",
  "VA",
  "IT",
  "BY",
  "FI",
  "AX",
  "NO",
  "SJ",
  "MA",
  "EH",
  "RE",
  "YT",
  "GP",
  "BL",
  "MF",
  "CW",
  "BQ",
  "SH",
  "TA",
  "HU",
  "KR",
  "AT",
];
// Regions whose national_prefix_transform_rule rewrites local numbers (NANP islands, GG, AR, BR, ...).
const TRANSFORMING = [...PLANS.values()].filter((p) => p.transforms).map((p) => p.name);
const ODD_REGIONS = ["XX", "cn", "Cn", "001", "", "C", "CHN"];

function region(rng: Rng): string | undefined {
  const r = rng.next();
  if (r < 0.25) return "CN";
  if (r < 0.5) return rng.pick(MAIN);
  if (r < 0.6) return rng.pick(TRICKY);
  if (r < 0.65) return rng.pick(TRANSFORMING);
  if (r < 0.97) return rng.pick(REGIONS);
  if (r < 0.99) return undefined; // maskPhone's parse
  return rng.pick(ODD_REGIONS);
}

function nationalNumber(rng: Rng, p: Plan): string {
  const r = rng.next();
  if (r < 0.1 && p.example) return p.example;
  if (r < 0.8 && p.types.length) return sample(rng.pick(p.types), rng);
  if (r < 0.9) return sample(p.national, rng);
  let digits = String(1 + rng.int(9));
  for (let n = rng.int(14); n > 0; n--) digits += rng.int(10);
  return digits;
}

function perturb(rng: Rng, digits: string): string {
  const at = rng.int(digits.length + 1);
  const digit = String(rng.int(10));
  switch (rng.int(6)) {
    case 0:
      return digits.slice(0, at) + digit + digits.slice(at + 1); // replace
    case 1:
      return digits.slice(0, at) + digit + digits.slice(at); // insert
    case 2:
      return digits.slice(0, at) + digits.slice(at + 1); // delete
    case 3:
      return digits.slice(0, Math.max(1, digits.length - 1 - rng.int(4))); // truncate
    case 4:
      return digits + digit + (rng.chance(0.5) ? rng.int(10) : ""); // extend
    default:
      return digit + digits.slice(1); // another leading digit
  }
}

/** Writes digits the ways people and forms do: grouped, dashed, parenthesised, sloppy. */
function punctuate(rng: Rng, plus: boolean, digits: string, firstGroup: number): string {
  const lead = plus ? "+" : "";
  const r = rng.next();
  if (r < 0.4) return lead + digits;
  if (r < 0.7) {
    const separator = rng.pick([" ", " ", "-", ".", " - "]);
    const groups: string[] = [];
    let i = 0;
    if (firstGroup > 0 && rng.chance(0.7)) {
      groups.push(digits.slice(0, firstGroup));
      i = firstGroup;
    }
    while (i < digits.length) {
      const size = 2 + rng.int(3);
      groups.push(digits.slice(i, i + size));
      i += size;
    }
    return lead + (plus && rng.chance(0.3) ? " " : "") + groups.join(separator);
  }
  if (r < 0.85) {
    const cut = 2 + rng.int(3);
    return `${lead}(${digits.slice(0, cut)})${rng.pick(["", " "])}${digits.slice(cut, cut + 4)}${rng.pick(["-", " ", ""])}${digits.slice(cut + 4)}`;
  }
  if (r < 0.95) {
    let out = lead;
    for (const d of digits) out += (rng.chance(0.2) ? rng.pick([" ", "-", "(", ")", ".", "  "]) : "") + d;
    return out + (rng.chance(0.1) ? rng.pick([" ", ")", "."]) : "");
  }
  // Outside the fast path's alphabet: other whitespace, letters, symbols, non-ASCII digits, "+" inside.
  const at = rng.int(digits.length + 1);
  const odd = rng.pick([
    "\t",
    "\u00a0",
    "\u3000",
    "\n",
    "\u2009",
    "a",
    "x",
    "#",
    "+",
    "/",
    "*",
    "\uff11",
    "\u0661",
    ";ext=12",
    " ext 5",
  ]);
  return lead + digits.slice(0, at) + odd + digits.slice(at);
}

function generate(rng: Rng): [input: string, region: string | undefined] {
  const defaultRegion = region(rng);
  const home = defaultRegion ? PLANS.get(defaultRegion) : undefined;
  const p =
    home && rng.chance(0.6) ? home : rng.chance(0.05) ? rng.pick(NON_GEOGRAPHIC) : PLANS.get(rng.pick(REGIONS))!;
  let national = nationalNumber(rng, p);
  if (rng.chance(0.3)) national = perturb(rng, national);
  const r = p.transforms && rng.chance(0.2) ? 0.93 : rng.next();
  let input: string;
  if (r < 0.33) input = punctuate(rng, true, p.callingCode + national, p.callingCode.length);
  else if (r < 0.64) {
    const prefix = p.nationalPrefix && rng.chance(0.6) ? p.nationalPrefix : "";
    input = punctuate(rng, false, prefix + national, prefix.length + 2 + rng.int(2));
  } else if (r < 0.78) {
    const idd = sample((home ?? p).idd, rng);
    input = punctuate(rng, false, idd + p.callingCode + national, idd.length);
  } else if (r < 0.86) input = punctuate(rng, false, p.callingCode + national, p.callingCode.length);
  else if (r < 0.91)
    input = punctuate(rng, false, national.slice(-(5 + rng.int(4))), 0); // local number
  else if (r < 0.95) {
    // What national_prefix_for_parsing matches (carrier codes, area codes that transform rules move).
    // Some of those patterns end in "$": a local number that is all of the input.
    const prefix = sample(p.prefixForParsing, rng);
    const rest = rng.chance(0.3) ? "" : rng.chance(0.5) ? national : national.slice(-(4 + rng.int(7)));
    input = punctuate(rng, false, prefix + rest, prefix.length);
  } else if (r < 0.98) {
    let digits = "";
    for (let n = rng.int(20); n >= 0; n--) digits += rng.int(10);
    input = punctuate(rng, rng.chance(0.4), digits, 0);
  } else {
    input = rng.pick([
      "",
      "+",
      "1",
      "12",
      "+1",
      "+12",
      "+0",
      "+00",
      "00",
      "0",
      "(12)",
      "1-2",
      " 12",
      "12 ",
      "+ 1 2 3",
      "--",
      "()",
      "+()",
    ]);
    if (rng.chance(0.5)) input += String(rng.int(1000));
    if (rng.chance(0.1)) input = input.padEnd(33, "5");
  }
  return [input, defaultRegion];
}

/** Every region's example number in each written form, whatever the PRNG does. */
function fixedCases(): [string, string | undefined][] {
  const cases: [string, string | undefined][] = [];
  for (const p of [...PLANS.values(), ...NON_GEOGRAPHIC]) {
    const national = p.example ?? "";
    const intl = p.callingCode + national;
    for (const defaultRegion of PLANS.has(p.name) ? [p.name, "CN", "US", undefined] : ["CN", undefined]) {
      for (const input of [
        `+${intl}`,
        `+${p.callingCode} ${national}`,
        national,
        p.nationalPrefix + national,
        intl,
        `00${intl}`,
        `011${intl}`,
        `810${intl}`,
      ])
        cases.push([input, defaultRegion]);
    }
  }
  for (const input of [
    "+8613912345678",
    "13912345678",
    "139 1234 5678",
    "139-1234-5678",
    "+86 139 1234 5678",
    "(010) 1234-5678",
    "8613912345678",
    "008613912345678",
    "+86139",
    "+8619412345678",
    "139abcd5678",
  ])
    cases.push([input, "CN"]);
  return cases;
}

// ------------------------------------------------------------------------------------------

describe("the fast path agrees with libphonenumber-js/max", () => {
  it(`on ${CASES.toLocaleString("en")} generated numbers across regions`, async () => {
    const rng = prng(Number(process.env.PHONE_EQUIVALENCE_SEED) || 20260115);
    const inputs: string[] = [];
    const regions: (string | undefined)[] = [];
    for (const [input, defaultRegion] of fixedCases()) {
      inputs.push(input);
      regions.push(defaultRegion);
    }
    while (inputs.length < CASES) {
      const [input, defaultRegion] = generate(rng);
      inputs.push(input);
      regions.push(defaultRegion);
    }
    const expected = referenceVerdicts(inputs, regions);

    // While the workers run: the fast path as phone.ts calls it, with "unsupported" kept visible.
    const actual: string[] = [];
    const viaPublicApi: (string | undefined)[] = [];
    let fellBack = 0;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!,
        defaultRegion = regions[i];
      const fast = input.length > 32 ? undefined : parseFast(input, defaultRegion);
      if (fast === "unsupported" && /^\+?[\d\s\-().]+$/.test(input)) fellBack++; // the rest phone.ts refuses itself
      actual.push(fast === "unsupported" ? "unsupported" : verdict(fast === "invalid" ? undefined : fast));
      viaPublicApi.push(normalizePhone(input, defaultRegion as string));
    }

    const reference = await expected;
    const mismatches: string[] = [];
    let valid = 0;
    const validByRegionAndForm = new Map<string, number>();
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!,
        defaultRegion = regions[i],
        want = reference[i]!;
      const e164 = want === "invalid" ? undefined : want.split(" ")[0];
      if ((actual[i] !== want && actual[i] !== "unsupported") || viaPublicApi[i] !== e164) {
        if (mismatches.length < 20)
          mismatches.push(
            `${JSON.stringify(input)} in ${JSON.stringify(defaultRegion)}: libphonenumber ${want}, fast ${actual[i]}, normalizePhone ${viaPublicApi[i]}`,
          );
        continue;
      }
      if (e164) {
        valid++;
        const key = `${defaultRegion}/${input.startsWith("+") ? "e164" : "national"}`;
        validByRegionAndForm.set(key, (validByRegionAndForm.get(key) ?? 0) + 1);
      }
    }
    expect(mismatches).toEqual([]);
    // The mix is worth something only if both verdicts, both forms and the main regions are well represented.
    expect(valid).toBeGreaterThan(CASES * 0.25);
    expect(CASES - valid).toBeGreaterThan(CASES * 0.25);
    expect(fellBack).toBeLessThan(CASES * 0.03);
    for (const r of MAIN) {
      expect(validByRegionAndForm.get(`${r}/e164`), `${r} E.164`).toBeGreaterThan(CASES / 1000);
      expect(validByRegionAndForm.get(`${r}/national`), `${r} national`).toBeGreaterThan(CASES / 1000);
    }
  }, 300_000);

  it("hashes exactly as createHmac", () => {
    const rng = prng(7);
    const peppers = [
      "",
      "p",
      "a".repeat(32),
      "k".repeat(63),
      "k".repeat(64),
      "k".repeat(65),
      "k".repeat(200),
      "pepper-€-😀",
      "lone \ud800 surrogate",
    ];
    const messages = ["", "+8613912345678", "é", "+86 139", "\u0000"];
    for (let length = 0; length <= 80; length++) messages.push("+".padEnd(length, "7"));
    for (let i = 0; i < 20_000; i++) {
      let message = "+";
      for (let n = 1 + rng.int(16); n > 0; n--) message += rng.int(10);
      messages.push(message);
    }
    const mismatches: string[] = [];
    for (const pepper of peppers) {
      for (const message of messages) {
        const expected = createHmac("sha256", pepper).update(message).digest("base64url");
        if (hashPhone(pepper, message) !== expected)
          mismatches.push(`${JSON.stringify(pepper)} ${JSON.stringify(message)}`);
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    const parsed = parsePhoneInput("p".repeat(40), "139 1234 5678", "CN");
    expect(parsed?.hash).toBe(createHmac("sha256", "p".repeat(40)).update("+8613912345678").digest("base64url"));
  });
});

// Parse + validate + hash throughput on one core: plain libphonenumber-js/max (phone.ts before the
// fast path) against src/phone.ts now.
//
//   npx tsx bench/phone.ts [--n 1000000] [--rounds 3]
//
// Sets: 1M CN inputs (E.164 and national, mobile and fixed line, ~10% invalid), and 1M inputs
// across regions (each region's example number, digits varied, in E.164 and national form with
// that region as the default). Each figure is the median of --rounds timed passes after a warm-up.
import { createHmac } from "node:crypto";
import { parseArgs } from "node:util";
import examplesJson from "libphonenumber-js/examples.mobile.json";
import { type CountryCode, getCountryCallingCode, parsePhoneNumberWithError } from "libphonenumber-js/max";
import { hashPhone, normalizePhone, parsePhoneInput } from "../src/phone.js";

const { values } = parseArgs({
  options: { n: { type: "string", default: "1000000" }, rounds: { type: "string", default: "3" } },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const PEPPER = "bench-pepper-".padEnd(40, "x");

/** src/phone.ts's parsePhoneInput before the fast path. */
function plainParsePhoneInput(pepper: string, input: string, defaultRegion: string) {
  if (input.length > 32 || !/^\+?[\d\s\-().]+$/.test(input)) return undefined;
  try {
    const parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultRegion as CountryCode, extract: false });
    if (!parsed.isValid()) return undefined;
    const national = parsed.nationalNumber;
    const tail = national.length >= 8 ? 4 : 2;
    const head = national.length >= 10 ? 3 : national.length >= 7 ? 1 : 0;
    const hidden = national.length - head - tail;
    const hint = `+${parsed.countryCallingCode}${national.slice(0, head)}${"*".repeat(hidden)}${national.slice(head + hidden)}`;
    return { e164: parsed.number, hash: createHmac("sha256", pepper).update(parsed.number).digest("base64url"), hint };
  } catch {
    return undefined;
  }
}

let seed = 42;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
};
const digits = (n: number) => {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(random() * 10);
  return s;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function cnInput(): string {
  const r = random();
  const mobile = pick(["139", "138", "186", "150", "177", "199", "135", "158"]) + digits(8);
  if (r < 0.35) return `+86${mobile}`;
  if (r < 0.55) return mobile;
  if (r < 0.7) return `${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}`;
  if (r < 0.8) return `+86 ${mobile.slice(0, 3)}-${mobile.slice(3, 7)}-${mobile.slice(7)}`;
  if (r < 0.9) {
    const area = pick(["10", "21", "20", "755", "571", "28"]);
    const local = digits(area.length === 2 ? 8 : 7);
    return pick([`(0${area}) ${local.slice(0, 4)}-${local.slice(4)}`, `0${area}${local}`, `+86${area}${local}`]);
  }
  return pick([`+86${digits(6)}`, `+86194${digits(8)}`, `1${digits(12)}`, `${digits(5)}`, `139${digits(4)}abcd`]); // invalid
}

const examples = Object.entries(examplesJson as Record<string, string>);
const MAIN = ["CN", "US", "GB", "DE", "IN", "BR", "JP", "FR", "RU", "NG"];
function regionInput(): [string, string] {
  const [region, example] = random() < 0.5 ? pick(examples.filter(([r]) => MAIN.includes(r))) : pick(examples);
  const national = example.slice(0, -4) + digits(4);
  return [random() < 0.5 ? `+${getCountryCallingCode(region as CountryCode)}${national}` : national, region];
}

type Case = [input: string, region: string];
const sets: [string, Case[]][] = [
  ["CN, E.164 + national", Array.from({ length: N }, (): Case => [cnInput(), "CN"])],
  ["mixed regions", Array.from({ length: N }, regionInput)],
];

/**
 * Median numbers/s over `rounds` passes, by wall clock and by CPU time (the machine is shared; one
 * thread runs). Each pass has its own loop, so that no call site sees two functions.
 */
function rate(count: number, pass: (count: number) => void, rounds: number): { wall: number; cpu: number } {
  pass(Math.min(count, 50_000)); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    pass(count);
    const used = process.cpuUsage(startCpu);
    wall.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
    cpu.push(count / ((used.user + used.system) / 1e6));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(wall), cpu: median(cpu) };
}

const format = ({ wall, cpu }: { wall: number; cpu: number }) =>
  `${Math.round(wall).toLocaleString("en").padStart(11)}/s  (${Math.round(cpu).toLocaleString("en")}/CPU-s)`;
console.log(
  `node ${process.version}, ${N.toLocaleString("en")} inputs a set, median of ${ROUNDS} passes (plain: 1 pass)`,
);
for (const [name, cases] of sets) {
  const valid = cases.filter(([input, region]) => normalizePhone(input, region)).length;
  console.log(`\n${name}: ${Math.round((100 * valid) / cases.length)}% valid`);
  const e164s = cases.map(([input, region]) => normalizePhone(input, region) ?? "+8613912345678");
  const plain = rate(
    N,
    (n) => {
      for (let i = 0; i < n; i++) plainParsePhoneInput(PEPPER, cases[i]![0], cases[i]![1]);
    },
    1,
  );
  const fast = rate(
    N,
    (n) => {
      for (let i = 0; i < n; i++) parsePhoneInput(PEPPER, cases[i]![0], cases[i]![1]);
    },
    ROUNDS,
  );
  const parseOnly = rate(
    N,
    (n) => {
      for (let i = 0; i < n; i++) normalizePhone(cases[i]![0], cases[i]![1]);
    },
    ROUNDS,
  );
  const hashOnly = rate(
    N,
    (n) => {
      for (let i = 0; i < n; i++) hashPhone(PEPPER, e164s[i]!);
    },
    ROUNDS,
  );
  console.log(`  plain libphonenumber-js + createHmac         ${format(plain)}`);
  console.log(
    `  src/phone.ts parsePhoneInput                 ${format(fast)}   ${(fast.wall / plain.wall).toFixed(1)}× plain`,
  );
  console.log(`    parse + validate only (normalizePhone)     ${format(parseOnly)}`);
  console.log(`    hash only (hashPhone)                      ${format(hashOnly)}`);
}

import type { ZodError } from "zod";
import { type PhoneNumber, parsePhoneInput } from "../phone.js";
import type { Runtime } from "./context.js";
import { type FieldError, invalidField, Problem } from "./problems.js";
import { jsonPointer } from "./strict-json.js";

const TARGET_PREFIX: Record<string, string> = { json: "", query: "?", param: ":", header: "header:" };

/** Turns a zod failure into one INVALID_ARGUMENT naming each offending field by JSON pointer. */
export function validationProblem(error: ZodError, target: string): Problem {
  const prefix = TARGET_PREFIX[target] ?? "";
  // A body's member names are the caller's: one that could hold a number is never repeated.
  const field = (path: PropertyKey[], detail: string, cutDetail: string): FieldError => {
    if (target !== "json") return { pointer: prefix + path.join("."), detail };
    const { pointer, cut } = jsonPointer(path);
    return { pointer, detail: cut ? cutDetail : detail };
  };
  const errors: FieldError[] = error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => field([...issue.path, key], "unknown member", "has an unknown member"))
      : [field(issue.path, issue.message, `a member: ${issue.message}`)],
  );
  const first = errors[0]!;
  const where = first.pointer === "" ? "the request body" : first.pointer;
  return new Problem("INVALID_ARGUMENT", `${where}: ${first.detail}`, errors);
}

/** Normalises a number from the body, or 400 pointing at the field. */
export function parsePhone(runtime: Runtime, input: string, pointer: string): PhoneNumber {
  const phone = parsePhoneInput(runtime.config.pepper, input, runtime.config.defaultRegion);
  if (!phone) throw invalidField(pointer, "is not a valid phone number");
  return phone;
}

/** Normalises many numbers, or one 400 naming every one that is not valid. */
export function parsePhones(
  runtime: Runtime,
  inputs: readonly string[],
  pointer: (index: number) => string,
): PhoneNumber[] {
  const errors: FieldError[] = [];
  const phones: PhoneNumber[] = [];
  for (const [index, input] of inputs.entries()) {
    const phone = parsePhoneInput(runtime.config.pepper, input, runtime.config.defaultRegion);
    if (phone) phones.push(phone);
    else errors.push({ pointer: pointer(index), detail: "is not a valid phone number" });
  }
  if (errors.length > 0)
    throw new Problem("INVALID_ARGUMENT", `${errors.length} phone number(s) are not valid`, errors);
  return phones;
}

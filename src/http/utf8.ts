import { Problem } from "./problems.js";

/**
 * Strict UTF-8 for every body a client sends (JSON, NDJSON lines, forms): a bad sequence is an
 * error, never U+FFFD, so two different byte strings can never become the same account or name.
 */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The text, or undefined when `bytes` are not UTF-8 (an encoded surrogate included). */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The text of the longest valid prefix of `bytes` (bytes known to be invalid) and where it ends. */
export function validUtf8Prefix(bytes: Uint8Array): { text: string; end: number } {
  // A valid prefix decodes in streaming mode (an unfinished last sequence is held back), and
  // every prefix of a valid prefix is valid: binary search for the longest one.
  let valid = 0;
  let invalid = bytes.length;
  while (invalid - valid > 1) {
    const middle = (valid + invalid) >>> 1;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      valid = middle;
    } catch {
      invalid = middle;
    }
  }
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, valid), { stream: true });
  return { text, end: valid };
}

/** Decodes UTF-8 strictly: INVALID_ARGUMENT naming the byte offset instead of U+FFFD. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  const text = utf8OrUndefined(bytes);
  if (text !== undefined) return text;
  throw new Problem("INVALID_ARGUMENT", `the body is not valid UTF-8 (byte ${validUtf8Prefix(bytes).end})`);
}

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * An opaque id whose leading characters grow with time, so rows inserted later sort later
 * (keyset pagination then never skips an older row), and whose 80 random bits make it unguessable.
 */
export function newId(prefix: string): string {
  let time = Date.now();
  let head = "";
  for (let i = 0; i < 9; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let tail = "";
  for (const byte of random) tail += ALPHABET[byte % 32];
  return `${prefix}_${head}${tail}`;
}

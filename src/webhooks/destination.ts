import { invalidField } from "../http/problems.js";
import { addressRefusal, hostRefusal, isIpLiteral } from "./ssrf.js";
import type { WebhookTransport } from "./transport.js";

/** How long registration waits for DNS before it refuses the URL. */
const RESOLVE_TIMEOUT_MS = 5_000;

function refuse(detail: string): never {
  throw invalidField("/url", detail);
}

async function addressesOf(resolve: (hostname: string) => Promise<string[]>, hostname: string): Promise<string[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), RESOLVE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([resolve(hostname), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The endpoint URL as it will be called, or a 400 saying why not. Any http(s) URL without
 * credentials or fragment; in production `https` only, and a host that is, or resolves to, an
 * address outside the public Internet is refused (it is checked again at every delivery). Which
 * block an address fell in is said, never the address: the answer must not map the network.
 */
export async function endpointUrl(text: string, production: boolean, transport: WebhookTransport): Promise<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse("is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") refuse("must be an https URL");
  if (url.username || url.password) refuse("must not carry credentials: authenticate with the signature");
  if (url.hash) refuse("must not have a fragment");
  if (!production) return url.href;
  if (url.protocol !== "https:") refuse("must be https");
  const refusal = hostRefusal(url.hostname);
  if (refusal) refuse(`must reach the public Internet; its host is ${refusal}`);
  if (transport.resolve && !isIpLiteral(url.hostname)) {
    let addresses: string[];
    try {
      addresses = await addressesOf(transport.resolve, url.hostname);
    } catch {
      return refuse("its host does not resolve");
    }
    if (addresses.length === 0) refuse("its host does not resolve");
    for (const address of addresses) {
      const blocked = addressRefusal(address);
      if (blocked) refuse(`must reach the public Internet; its host resolves to ${blocked}`);
    }
  }
  return url.href;
}

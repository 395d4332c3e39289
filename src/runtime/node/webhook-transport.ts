import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { addressRefusal, hostRefusal } from "../../webhooks/ssrf.js";
import {
  DELIVERY_TIMEOUT_MS,
  DeliveryFailed,
  RESPONSE_BODY_LIMIT,
  type ReceiverAnswer,
  type WebhookTransport,
} from "../../webhooks/transport.js";

/** Every address of a host (A and AAAA); tests give their own to play a DNS that lies. */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: ResolveAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Sockets kept open per receiver between deliveries; bounded, like the deliveries in flight. */
const SOCKETS_PER_HOST = 8;

class Refused extends Error {
  override name = "Refused";
}

/**
 * The socket's own DNS look-up, guarded: the addresses it connects to are the ones checked, so a
 * name that answered a public address at registration and a private one now (DNS rebinding) is
 * refused here, where no second look-up can differ from the first.
 */
function guardedLookup(resolveAll: ResolveAll): LookupFunction {
  return (hostname, options, callback) => {
    resolveAll(hostname).then(
      (addresses) => {
        const wanted = options.family ? addresses.filter((entry) => entry.family === options.family) : addresses;
        for (const entry of wanted) {
          const refusal = addressRefusal(entry.address);
          if (refusal) return callback(new Refused(`refused: the host resolves to ${refusal}`), "", 4);
        }
        if (wanted.length === 0) return callback(Object.assign(new Error("no address"), { code: "ENOTFOUND" }), "", 4);
        if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, wanted);
        return callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 4),
    );
  };
}

function failure(error: NodeJS.ErrnoException): DeliveryFailed {
  if (error instanceof Refused) return new DeliveryFailed(error.message);
  if (error.name === "TimeoutError" || error.name === "AbortError") {
    return new DeliveryFailed(`no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`);
  }
  switch (error.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new DeliveryFailed("the host does not resolve");
    case "ECONNREFUSED":
      return new DeliveryFailed("the connection was refused");
    case "ECONNRESET":
      return new DeliveryFailed("the connection was reset");
    default:
      return new DeliveryFailed(
        error.code?.startsWith("ERR_TLS") || error.code?.includes("CERT")
          ? `TLS: ${error.code}`
          : "the connection failed",
      );
  }
}

function readCapped(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString("utf8"));
    response.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      // The rest is never read: a receiver cannot make the registry hold a large answer.
      if (size >= RESPONSE_BODY_LIMIT) {
        response.destroy();
        done();
      }
    });
    response.on("end", done);
    response.on("error", done);
  });
}

/**
 * Webhooks over node:http(s): guarded (production), the destination is checked on the URL and on
 * every address the connection resolves; redirects are never followed (node:http does not), the
 * whole exchange has DELIVERY_TIMEOUT_MS, and at most RESPONSE_BODY_LIMIT bytes are read.
 */
export function nodeWebhookTransport(resolveAll: ResolveAll = systemResolve): WebhookTransport {
  const lookup = guardedLookup(resolveAll);
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST }),
    "https:": new HttpsAgent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST }),
  };
  return {
    async resolve(hostname) {
      return (await resolveAll(hostname)).map((entry) => entry.address);
    },
    send(message, guarded) {
      const url = new URL(message.url);
      const refusal = guarded ? hostRefusal(url.hostname) : undefined;
      if (refusal) return Promise.reject(new DeliveryFailed(`refused: the host is ${refusal}`));
      const secure = url.protocol === "https:";
      return new Promise<ReceiverAnswer>((resolve, reject) => {
        const request = (secure ? httpsRequest : httpRequest)(url, {
          method: "POST",
          headers: { ...message.headers, "content-length": Buffer.byteLength(message.body) },
          agent: agents[secure ? "https:" : "http:"],
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
          ...(guarded ? { lookup } : {}),
        });
        request.on("response", (response) => {
          readCapped(response).then((body) => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", (error) => reject(failure(error)));
        request.end(message.body);
      });
    },
  };
}

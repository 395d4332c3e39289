import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { CLIENT_ASSERTION_TYPE } from "../client/assertion.js";
import type { AppEnv } from "../http/context.js";
import type { Problem } from "../http/problems.js";
import { numbersOutsideResponsibility } from "../numbers/responsibility.js";
import { type PhoneNumber, parsePhoneInput } from "../phone.js";
import type { Principal } from "./access-token.js";
import { AssertionRejected, quoted, type VerifiedAssertion, verifyClientAssertion } from "./assertion.js";
import { grantScopes } from "./scopes.js";

export const CLIENT_CREDENTIALS = "client_credentials";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

export const TOKEN_PATH = "/oauth/token";
const PERSON_SUBJECT_EXAMPLE = "tel:+8613912345678";

type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "server_error";

/** RFC 6749 §5.2 errors: this endpoint speaks OAuth, not problem+json. */
class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
  ) {
    super(description);
  }
}

const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    scope: z.string(),
  })
  .openapi("TokenResponse");

const OAuthErrorBody = z
  .object({ error: z.string(), error_description: z.string() })
  .openapi("OAuthError", { description: "RFC 6749 §5.2 error response." });

const TokenRequest = z
  .object({
    grant_type: z.enum([CLIENT_CREDENTIALS, JWT_BEARER_GRANT]),
    client_assertion_type: z.literal(CLIENT_ASSERTION_TYPE).optional(),
    client_assertion: z
      .string()
      .optional()
      .openapi({ description: "client_credentials: JWT signed by the client's key." }),
    client_id: z.string().optional().openapi({ description: "Optional; must equal the assertion's iss." }),
    assertion: z.string().optional().openapi({ description: "jwt-bearer: a carrier-signed JWT with sub tel:+E164." }),
    scope: z.string().optional(),
  })
  .openapi("TokenRequest");

/** The token endpoint's URL: what metadata advertises, and an accepted assertion audience. */
export function tokenEndpoint(issuer: string): string {
  return `${issuer}${TOKEN_PATH}`;
}

/**
 * RFC 7523 §3: aud identifies this server. DESIGN names the issuer; OIDC Core §9 and CAMARA ICM
 * recommend the token endpoint's URL, which many client libraries send: both are accepted.
 */
function assertionAudiences(issuer: string): string[] {
  return [issuer, tokenEndpoint(issuer)];
}

/**
 * The form as bytes decoded here, not `c.req.text()`: workerd warns on every text() of a body
 * whose type is not text/*, and a fatal decoder turns bytes that are not UTF-8 into an error
 * instead of silently replacing them.
 */
async function formBody(c: Context<AppEnv>): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new OAuthError("invalid_request", "the form is not valid UTF-8");
  }
}

function formParameters(body: string): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    // RFC 6749 §3.2: request parameters must not be included more than once.
    if (parameters.has(name)) throw new OAuthError("invalid_request", `parameter ${quoted(name)} is repeated`);
    parameters.set(name, value);
  }
  return parameters;
}

async function clientCredentials(c: Context<AppEnv>, form: Map<string, string>): Promise<Principal> {
  if (form.get("client_assertion_type") !== CLIENT_ASSERTION_TYPE || !form.get("client_assertion")) {
    throw new OAuthError(
      "invalid_client",
      `authenticate with client_assertion_type=${CLIENT_ASSERTION_TYPE} and a signed client_assertion (private_key_jwt)`,
    );
  }
  let verified: VerifiedAssertion;
  try {
    verified = await verifyClientAssertion(c.var.runtime, form.get("client_assertion")!, {
      audiences: assertionAudiences(c.var.runtime.config.issuer),
    });
  } catch (error) {
    if (error instanceof AssertionRejected) throw new OAuthError("invalid_client", error.message);
    throw error;
  }
  const clientId = form.get("client_id");
  if (clientId !== undefined && clientId !== verified.client.id) {
    throw new OAuthError("invalid_client", "client_id does not match the assertion's iss");
  }
  const grant = grantScopes(verified.client.kind, form.get("scope"));
  if ("refusal" in grant) throw new OAuthError("invalid_scope", grant.refusal);
  return { kind: verified.client.kind, clientId: verified.client.id, scopes: grant.scopes };
}

/** RFC 7523 §2.1: a carrier attests that the person holds the number now. */
async function personGrant(c: Context<AppEnv>, form: Map<string, string>): Promise<Principal> {
  const { runtime } = c.var;
  const assertion = form.get("assertion");
  if (!assertion) throw new OAuthError("invalid_request", "the jwt-bearer grant needs an assertion");
  let phone: PhoneNumber | undefined;
  let verified: VerifiedAssertion;
  try {
    verified = await verifyClientAssertion(runtime, assertion, {
      audiences: assertionAudiences(runtime.config.issuer),
      // RFC 3966 global number: exactly the E.164 form, nothing to normalise.
      refuseSubject: (sub) => {
        const match = /^tel:(\+\d{2,16})$/.exec(sub);
        if (!match) {
          return `a person assertion's sub is the number as tel:+E164, like ${PERSON_SUBJECT_EXAMPLE}`;
        }
        phone = parsePhoneInput(runtime.config.pepper, match[1]!, runtime.config.defaultRegion);
        if (phone?.e164 !== match[1]) return "the number in the assertion's sub is not a valid phone number";
        return undefined;
      },
    });
  } catch (error) {
    if (error instanceof AssertionRejected) throw new OAuthError("invalid_grant", error.message);
    throw error;
  }
  if (verified.client.kind !== "carrier")
    throw new OAuthError("invalid_grant", "only a carrier may attest a person's number");
  if ((await numbersOutsideResponsibility(runtime, verified.client.id, [phone!])).length > 0) {
    throw new OAuthError("invalid_grant", "the carrier is not responsible for this number");
  }
  const grant = grantScopes("person", form.get("scope"));
  if ("refusal" in grant) throw new OAuthError("invalid_scope", grant.refusal);
  return {
    kind: "person",
    clientId: verified.client.id,
    scopes: grant.scopes,
    phoneHash: phone!.hash,
    phoneHint: phone!.hint,
  };
}

export function registerToken(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: TOKEN_PATH,
    tags: ["Authentication"],
    summary: "Get an access token",
    description:
      "client_credentials with private_key_jwt for apps, carriers and operators; the jwt-bearer grant with a " +
      "carrier-signed assertion for people. Errors follow RFC 6749 §5.2, not problem+json.",
    request: { body: { required: true, content: { "application/x-www-form-urlencoded": { schema: TokenRequest } } } },
    responses: {
      200: {
        description: "An access token (RFC 9068 JWT).",
        content: { "application/json": { schema: TokenResponse } },
      },
      400: {
        description: "invalid_request, invalid_grant, unsupported_grant_type or invalid_scope.",
        content: { "application/json": { schema: OAuthErrorBody } },
      },
      401: { description: "invalid_client.", content: { "application/json": { schema: OAuthErrorBody } } },
      413: {
        description: "invalid_request: the form is too large.",
        content: { "application/json": { schema: OAuthErrorBody } },
      },
      500: { description: "server_error.", content: { "application/json": { schema: OAuthErrorBody } } },
    },
  });

  app.post(TOKEN_PATH, async (c) => {
    c.header("Cache-Control", "no-store");
    try {
      if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header("content-type") ?? "")) {
        throw new OAuthError("invalid_request", "send the request as application/x-www-form-urlencoded");
      }
      const form = formParameters(await formBody(c));
      const grantType = form.get("grant_type");
      if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
      let principal: Principal;
      if (grantType === CLIENT_CREDENTIALS) principal = await clientCredentials(c, form);
      else if (grantType === JWT_BEARER_GRANT) principal = await personGrant(c, form);
      else
        throw new OAuthError(
          "unsupported_grant_type",
          `grant_type ${quoted(grantType)} is not supported; use client_credentials or ${JWT_BEARER_GRANT}`,
        );
      const { token, expiresIn } = await c.var.runtime.tokens.issue(principal);
      return c.json({
        access_token: token,
        token_type: "Bearer",
        expires_in: expiresIn,
        scope: principal.scopes.join(" "),
      });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return c.json(
        { error: error.error, error_description: error.message },
        error.error === "invalid_client" ? 401 : 400,
      );
    }
  });
}

/**
 * The token endpoint speaks RFC 6749 §5.2 for every failure, also those raised before or around
 * its handler (the body limit, a crash): the status stays, the body is an OAuth error.
 */
export function renderTokenEndpointProblem(c: Context<AppEnv>, problem: Problem): Response {
  c.header("Cache-Control", "no-store");
  const error: OAuthErrorCode = problem.status >= 500 ? "server_error" : "invalid_request";
  return c.json({ error, error_description: problem.message }, problem.status as 400);
}

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { SWAGGER_UI_LICENSES, SWAGGER_UI_SCRIPT, SWAGGER_UI_STYLES } from "./swagger-ui.generated.js";

/**
 * Everything /docs loads comes from this server: the page may be read offline or on an intranet,
 * and the policy tells the browser to fetch nothing from anywhere else. Swagger UI sets inline
 * styles and draws icons from data: URLs.
 */
const DOCS_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Relative URLs, so the page works behind a proxy that serves the registry under a path.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>numbind API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-url="openapi.json"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io for a badge.
const START = `const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: new URL(root.dataset.url, document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
`;

const ASSETS = new Map([
  ["swagger-ui.css", { type: "text/css; charset=utf-8", body: SWAGGER_UI_STYLES }],
  ["swagger-ui-bundle.js", { type: "text/javascript; charset=utf-8", body: SWAGGER_UI_SCRIPT }],
  ["swagger-ui-bundle.js.LICENSE.txt", { type: "text/plain; charset=utf-8", body: SWAGGER_UI_LICENSES }],
  ["start.js", { type: "text/javascript; charset=utf-8", body: START }],
]);

/** The contract as JSON, and an interactive reference over it served from the installed package. */
export function registerDocs(app: OpenAPIHono<AppEnv>, openApiDocument: () => unknown): void {
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", (c) => c.html(PAGE, 200, { "Content-Security-Policy": DOCS_POLICY }));
  app.get("/docs/:asset", (c) => {
    const asset = ASSETS.get(c.req.param("asset"));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { "Content-Type": asset.type, "Cache-Control": "public, max-age=3600" });
  });
}

// Swagger UI over this server's schema. Kept out of docs.html because the page's
// Content-Security-Policy allows no inline script.
"use strict";
window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The validator badge would call validator.swagger.io; nothing here leaves the server.
  validatorUrl: null,
  persistAuthorization: false,
});

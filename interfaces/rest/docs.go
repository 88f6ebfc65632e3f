package rest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// RegisterDocs serves the OpenAPI document at /openapi.json and Swagger UI at /docs. The
// document is assembled on first request, when every part of the API has registered its
// routes, so it may be called before or after the other Register functions.
func RegisterDocs(s *Server) {
	var once sync.Once
	var doc []byte
	var err error
	s.echo.GET("/openapi.json", func(c echo.Context) error {
		once.Do(func() { doc, err = json.Marshal(buildOpenAPI(s.echo)) })
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	})
	s.echo.GET("/docs", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", docsPolicy)
		h.Set("X-Frame-Options", "DENY")
		return c.HTML(http.StatusOK, swaggerPage)
	})
}

// swaggerInit is the page's one inline script, allowed by its hash.
const swaggerInit = `
window.onload = () => { window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"}); };
`

// docsPolicy lets the page run Swagger UI from the CDN and its own inline start, read the
// document and call the API on this origin, and be framed by nobody: it shares the
// console's origin, where tokens live.
var docsPolicy = func() string {
	sum := sha256.Sum256([]byte(swaggerInit))
	return "default-src 'none'; script-src https://cdn.jsdelivr.net 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'; style-src https://cdn.jsdelivr.net 'unsafe-inline'; " +
		"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// swaggerPage loads Swagger UI from the jsDelivr CDN: the binary stays small, and the
// page needs a browser with network access anyway. The version is pinned and each file
// carries its Subresource Integrity hash (of the files of the npm package
// swagger-ui-dist@5.35.0, which jsDelivr serves as published), so a changed or
// compromised file on the CDN is refused by the browser instead of running on the API's
// origin, where a token pasted into Authorize lives. No referrer is sent to the CDN.
const swaggerPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>Lottery API</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui.css"
  integrity="sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I" crossorigin="anonymous">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui-bundle.js"
  integrity="sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9" crossorigin="anonymous"></script>
<script>` + swaggerInit + `</script>
</body>
</html>
`

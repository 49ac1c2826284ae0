package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// redocJS is Redoc's standalone bundle, vendored from npm at the version
// .ci/openapi/package.json pins (license: docs/LICENSE and
// docs/redoc.standalone.js.LICENSE.txt), so /docs needs no CDN.
//
//go:embed docs/redoc.standalone.js
var redocJS []byte

// docsPage renders /openapi.json with the embedded Redoc.
const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard API</title>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
`

// docsPolicy lets Redoc run from this origin only: it injects its styles
// and starts its search worker from a blob.
const docsPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"

// docsRoutes serves the API's documentation page and its script.
func (s *Server) docsRoutes(root *gin.RouterGroup) {
	s.handle(root, route{Method: "GET", Path: "/docs", Public: true, Summary: "This API's documentation (Redoc, rendering /openapi.json)", Tag: "probes", Status: http.StatusOK, ContentType: "text/html"},
		func(c *gin.Context) {
			c.Header("Content-Security-Policy", docsPolicy)
			c.Header("X-Content-Type-Options", "nosniff")
			c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(docsPage))
		})
	s.handle(root, route{Method: "GET", Path: "/docs/redoc.standalone.js", Public: true, Summary: "The documentation page's script (Redoc's standalone bundle)", Tag: "probes", Status: http.StatusOK, ContentType: "text/javascript"},
		func(c *gin.Context) {
			c.Header("X-Content-Type-Options", "nosniff")
			c.Header("Cache-Control", "public, max-age=86400")
			c.Data(http.StatusOK, "text/javascript; charset=utf-8", redocJS)
		})
}

package rest

import "net/http"

func init() {
	addOpenAPIPart("ops", opsOpenAPI)
	addOpenAPIPart("docs", docsOpenAPI)
}

func opsOpenAPI(d *apiDoc) {
	d.op(http.MethodGet, "/healthz", map[string]any{
		"operationId": "healthz", "tags": []string{"operations"}, "summary": "The process is alive",
		"responses": responses(http.StatusOK, "alive", object([]string{"status"}, map[string]any{"status": enum("ok")})),
	})
	d.op(http.MethodGet, "/readyz", map[string]any{
		"operationId": "readyz", "tags": []string{"operations"},
		"summary": "SQL, Redis and the message queue are reachable",
		"responses": responses(http.StatusOK, "ready", object([]string{"status", "checks"}, map[string]any{
			"status": enum("ready"),
			"checks": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "dependency → ok or its error"},
		}), http.StatusServiceUnavailable),
	})
	d.op(http.MethodHead, "/healthz", map[string]any{
		"operationId": "healthzHead", "tags": []string{"operations"}, "summary": "The process is alive (no body)",
		"responses": map[string]any{"200": map[string]any{"description": "alive"}},
	})
	d.op(http.MethodHead, "/readyz", map[string]any{
		"operationId": "readyzHead", "tags": []string{"operations"}, "summary": "Dependencies reachable (no body)",
		"responses": map[string]any{"200": map[string]any{"description": "ready"}, "503": map[string]any{"description": "a dependency is unreachable"}},
	})
	d.op(http.MethodGet, "/metrics", map[string]any{
		"operationId": "metrics", "tags": []string{"operations"}, "summary": "Prometheus metrics",
		"responses": map[string]any{"200": map[string]any{
			"description": "metrics in the Prometheus text format",
			"content":     map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}},
		}},
	})
}

func docsOpenAPI(d *apiDoc) {
	d.op(http.MethodGet, "/openapi.json", map[string]any{
		"operationId": "openapi", "tags": []string{"operations"}, "summary": "This OpenAPI document",
		"responses": responses(http.StatusOK, "the document", freeObject("OpenAPI 3 document")),
	})
	d.op(http.MethodGet, "/docs", map[string]any{
		"operationId": "docs", "tags": []string{"operations"}, "summary": "Swagger UI for this document",
		"responses": map[string]any{"200": map[string]any{
			"description": "an HTML page",
			"content":     map[string]any{"text/html": map[string]any{"schema": map[string]any{"type": "string"}}},
		}},
	})
}

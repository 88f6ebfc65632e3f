package rest

import (
	"maps"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// The OpenAPI document is assembled from parts, one per area of the API, each in its own
// openapi_*.go file that registers itself from init. A server publishes a part when at
// least one of its operations is routed on it, so a binary without some area does not
// advertise it, and a part documented but only half routed shows up in the route test.

// openapiPart documents one area. Parts without operations (shared schemas) are always
// published.
type openapiPart struct {
	name string
	add  func(d *apiDoc)
}

var openapiParts []openapiPart

func addOpenAPIPart(name string, add func(d *apiDoc)) {
	openapiParts = append(openapiParts, openapiPart{name: name, add: add})
}

// apiDoc collects operations by path and lower-case method, and component schemas.
type apiDoc struct {
	paths   map[string]map[string]any
	schemas map[string]any
}

func newAPIDoc() *apiDoc {
	return &apiDoc{paths: map[string]map[string]any{}, schemas: map[string]any{}}
}

func (d *apiDoc) op(method, path string, o map[string]any) {
	if d.paths[path] == nil {
		d.paths[path] = map[string]any{}
	}
	d.paths[path][strings.ToLower(method)] = o
}

func (d *apiDoc) schema(name string, s map[string]any) { d.schemas[name] = s }

// buildOpenAPI assembles the document for the routes registered on e.
func buildOpenAPI(e *echo.Echo) map[string]any {
	routed := map[string]bool{}
	for _, r := range e.Routes() {
		routed[strings.ToLower(r.Method)+" "+openapiPath(r.Path)] = true
	}
	all := newAPIDoc()
	for _, part := range openapiParts {
		d := newAPIDoc()
		part.add(d)
		if len(d.paths) > 0 && !d.routedOn(routed) {
			continue
		}
		for p, ops := range d.paths {
			if all.paths[p] == nil {
				all.paths[p] = map[string]any{}
			}
			maps.Copy(all.paths[p], ops)
		}
		maps.Copy(all.schemas, d.schemas)
	}
	return all.document()
}

func (d *apiDoc) routedOn(routed map[string]bool) bool {
	for p, ops := range d.paths {
		for m := range ops {
			if routed[m+" "+p] {
				return true
			}
		}
	}
	return false
}

// openapiPath turns echo's /awards/:id into OpenAPI's /awards/{id}.
func openapiPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + name + "}"
		}
	}
	return strings.Join(segs, "/")
}

func (d *apiDoc) document() map[string]any {
	paths := make(map[string]any, len(d.paths))
	for p, ops := range d.paths {
		paths[p] = ops
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Lottery API",
			"version":     "1",
			"description": "Marketing lucky draws: users draw, marketers and admins run campaigns.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": d.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
		},
	}
}

// jsonContent is a JSON body of the given schema.
func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{echo.MIMEApplicationJSON: map[string]any{"schema": schema}}
}

// responses builds an operation's responses: the success status with its schema (nil for
// no body) and the error statuses, all in the one error shape.
func responses(status int, desc string, schema map[string]any, errors ...int) map[string]any {
	ok := map[string]any{"description": desc}
	if schema != nil {
		ok["content"] = jsonContent(schema)
	}
	out := map[string]any{itoa(int64(status)): ok}
	for _, code := range errors {
		out[itoa(int64(code))] = map[string]any{
			"description": http.StatusText(code),
			"content":     jsonContent(ref("Error")),
		}
	}
	return out
}

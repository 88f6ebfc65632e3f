package rest

import "github.com/lottery-go/lottery/domain/activity"

// Small constructors for JSON Schema fragments, so the parts read like the API.

func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func object(required []string, props map[string]any) map[string]any {
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func str(desc string) map[string]any {
	return map[string]any{"type": "string", "description": desc}
}

func enum(values ...string) map[string]any {
	return map[string]any{"type": "string", "enum": values}
}

func integer(desc string, minimum int64) map[string]any {
	return map[string]any{"type": "integer", "format": "int64", "minimum": minimum, "description": desc}
}

// count is an integer input of at most activity.MaxCount: a stock, a quota, a limit.
func count(desc string, minimum int64) map[string]any {
	c := integer(desc, minimum)
	c["maximum"] = activity.MaxCount
	return c
}

// signedInt is a count that is negative only when something went wrong, e.g. stock
// left after an oversell; it is shown as it is rather than hidden.
func signedInt(desc string) map[string]any {
	return map[string]any{"type": "integer", "format": "int64", "description": desc}
}

func number(desc string) map[string]any {
	return map[string]any{"type": "number", "format": "double", "description": desc}
}

func boolean(desc string) map[string]any {
	return map[string]any{"type": "boolean", "description": desc}
}

func dateTime(desc string) map[string]any {
	return map[string]any{"type": "string", "format": "date-time", "description": desc}
}

// withDescription adds a description to a schema.
func withDescription(schema map[string]any, desc string) map[string]any {
	schema["description"] = desc
	return schema
}

func array(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

func idSchema(desc string) map[string]any {
	return map[string]any{"type": "string", "pattern": "^[0-9]+$", "description": desc + " (a 64-bit id as a string)"}
}

func decimal(desc string) map[string]any {
	return map[string]any{"type": "string", "pattern": `^[0-9]+(\.[0-9]+)?$`, "description": desc + " (an exact decimal string, at most 6 places)", "example": "0.015"}
}

// freeObject is an object whose keys are not fixed.
func freeObject(desc string) map[string]any {
	return map[string]any{"type": "object", "additionalProperties": true, "description": desc}
}

// pathParam is a required string path parameter.
func pathParam(name, desc string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "description": desc, "schema": map[string]any{"type": "string"}}
}

func queryParam(name, desc string, schema map[string]any) map[string]any {
	return map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

// pageQuery is ?limit= and ?cursor= of every list.
func pageQuery() []any {
	return []any{
		queryParam("limit", "page size, 1 to 100 (larger is capped)", map[string]any{"type": "integer", "minimum": 1, "default": defaultPageSize}),
		queryParam("cursor", "next_cursor of the previous page, passed back unchanged", map[string]any{"type": "string"}),
	}
}

// pageOfSchema is the list response {"items":[…],"next_cursor":"…"}.
func pageOfSchema(item string) map[string]any {
	return object([]string{"items"}, map[string]any{
		"items":       array(ref(item)),
		"next_cursor": str("present when more items follow"),
	})
}

var bearer = []any{map[string]any{"bearer": []any{}}}

// operation builds an operation that needs a bearer token when secured is set. body is
// the JSON request schema, or nil.
func operation(tag, id, summary string, secured bool, params []any, body, resps map[string]any) map[string]any {
	o := map[string]any{"operationId": id, "tags": []string{tag}, "summary": summary, "responses": resps}
	if secured {
		o["security"] = bearer
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if body != nil {
		o["requestBody"] = map[string]any{"required": true, "content": jsonContent(body)}
	}
	return o
}

package testkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Contract holds API replies to the OpenAPI document a server serves.
type Contract struct{ router routers.Router }

// NewContract reads an OpenAPI document (the body of GET /openapi.json).
func NewContract(doc []byte) (*Contract, error) {
	d, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, err
	}
	d.Servers = nil // the document names none: match paths alone
	r, err := legacy.NewRouter(d)
	if err != nil {
		return nil, err
	}
	return &Contract{router: r}, nil
}

// Check says how a reply departs from what the document says its operation answers: an
// undocumented status, a body its schema refuses, or an answer other than 404 or 405 from
// a route the document does not have. Replies outside /api/, and 500s (which any
// operation may answer), pass.
func (c *Contract) Check(req *http.Request, status int, header http.Header, body []byte) error {
	if !strings.HasPrefix(req.URL.Path, "/api/") || status == http.StatusInternalServerError {
		return nil
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // an unknown path or method, answered as such
		}
		return fmt.Errorf("%s %s answered %d, but the OpenAPI document has no such operation: %w", req.Method, req.URL.Path, status, err)
	}
	if strings.HasPrefix(header.Get("Content-Type"), "text/csv") {
		// The validator's CSV reader takes a byte order mark for data; spreadsheets and
		// CSV libraries skip it.
		body = bytes.TrimPrefix(body, []byte("\ufeff"))
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		return fmt.Errorf("%s %s answered %d, unlike the OpenAPI document says: %w; body: %s", req.Method, req.URL.Path, status, err, body)
	}
	return nil
}

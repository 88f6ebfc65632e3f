package rest_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/interfaces/rest"
)

// contract is the served OpenAPI document, draw routes included, with a router over it:
// built once, then every API reply of the harness is held to it.
var contract struct {
	once   sync.Once
	router routers.Router
	err    error
}

func contractRouter(t *testing.T) routers.Router {
	contract.once.Do(func() {
		h := newDeskHarness(t)
		rest.RegisterUserGrants(h.srv, h.keys, granting.New(granting.Deps{Log: slog.New(slog.DiscardHandler)}))
		stubDrawRoutes(h.srv.Echo())
		rec := httptest.NewRecorder()
		h.srv.Echo().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
		var doc *openapi3.T
		doc, contract.err = openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
		if contract.err == nil {
			doc.Servers = nil // the document names none; match paths alone
			contract.router, contract.err = legacy.NewRouter(doc)
		}
	})
	require.NoError(t, contract.err)
	return contract.router
}

// checkContract fails the test when an API reply is not what the document says the
// operation answers: an undocumented status, or a body its schema refuses. Requests to
// routes the document does not have (the 404s and 405s of unknown paths) and 500s are not
// checked.
func (h *harness) checkContract(req *http.Request, status int, header http.Header, body []byte) {
	h.t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/") || status == http.StatusInternalServerError {
		return // a 500 may come from any operation; the document lists what clients can act on
	}
	route, params, err := contractRouter(h.t).FindRoute(req)
	if err != nil {
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	require.NoError(h.t, err, "%s %s answered %d, unlike the OpenAPI document says: %s", req.Method, req.URL.Path, status, body)
}

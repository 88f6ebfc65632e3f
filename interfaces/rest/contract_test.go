package rest_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/granting"
	"github.com/lottery-go/lottery/interfaces/rest"
	"github.com/lottery-go/lottery/internal/testkit"
)

// contract is the served OpenAPI document, every part included: built once, then every
// API reply of the harness is held to it.
var contract struct {
	once sync.Once
	c    *testkit.Contract
	err  error
}

func (h *harness) checkContract(req *http.Request, status int, header http.Header, body []byte) {
	h.t.Helper()
	contract.once.Do(func() {
		full := newDeskHarness(h.t)
		rest.RegisterUserGrants(full.srv, full.keys, granting.New(granting.Deps{Log: slog.New(slog.DiscardHandler)}))
		stubDrawRoutes(full.srv.Echo())
		rec := httptest.NewRecorder()
		full.srv.Echo().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
		contract.c, contract.err = testkit.NewContract(rec.Body.Bytes())
	})
	require.NoError(h.t, contract.err)
	require.NotNil(h.t, contract.c, "the OpenAPI document was not built (the test that first asked failed)")
	require.NoError(h.t, contract.c.Check(req, status, header, body))
}

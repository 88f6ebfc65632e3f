package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/interfaces/rest"
)

// Probes that check with HEAD get the status of GET and no body.
func TestHealthAnswersHead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do(http.MethodHead, "/healthz", who{}, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/healthz", who{}, nil).status)
	assert.Equal(t, http.StatusMethodNotAllowed, h.do(http.MethodPost, "/healthz", who{}, nil).status)
}

// HEAD on any GET path, behind a real HTTP server, answers GET's status and headers with
// no body; a path with no GET stays 405.
func TestHeadIsAnsweredAsGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := httptest.NewServer(h.srv.Handler())
	t.Cleanup(srv.Close)
	tok, err := h.keys.Mint(alice.sub, alice.roles, nil, time.Hour)
	require.NoError(t, err)
	for path, status := range map[string]int{
		"/healthz": http.StatusOK, "/api/v1/admin/activities": http.StatusOK,
		"/api/v1/admin/awards/1": http.StatusNotFound, "/api/v1/admin/activities/1/transitions": http.StatusMethodNotAllowed,
	} {
		get, getBody := request(t, http.MethodGet, srv.URL+path, tok)
		head, headBody := request(t, http.MethodHead, srv.URL+path, tok)
		assert.Equal(t, status, get.StatusCode, path)
		assert.Equal(t, get.StatusCode, head.StatusCode, path)
		assert.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"), path)
		assert.NotEmpty(t, getBody, path)
		assert.Empty(t, headBody, path)
	}
}

func request(t *testing.T, method, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

// The API's answers hold personal data: no cache may store them, no browser sniff them,
// no Referer carry their URLs. The probes keep their plain answers.
func TestAPIAnswersAreNotStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, r := range []reply{
		h.do(http.MethodGet, "/api/v1/admin/activities", alice, nil),
		h.do(http.MethodGet, "/api/v1/admin/activities", who{}, nil), // errors too
	} {
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"), "%d", r.status)
		assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
		assert.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"))
	}
	assert.Empty(t, h.do(http.MethodGet, "/healthz", who{}, nil).header.Get("Cache-Control"))
}

// A client that sends headers promising a body and then nothing is cut off once the
// request's read timeout passes, rather than holding its connection for ever; headers
// over the limit are refused.
func TestSlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	require.Equal(t, rest.RequestReadTimeout, h.srv.SetReadTimeout(200*time.Millisecond))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = h.srv.Serve(ln) }()
	t.Cleanup(func() { _ = h.srv.Shutdown(context.Background()) })

	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /api/v1/admin/awards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(conn)
	require.NoError(t, err, "the server closed the connection (a timeout here means it still waits)")

	req, err := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/healthz", nil)
	require.NoError(t, err)
	req.Header.Set("X-Padding", strings.Repeat("a", rest.MaxHeaderBytes+8<<10))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
}

// A load balancer's request id is kept; a client's long or odd one is replaced by a new id.
func TestOnlyPlausibleRequestIDsAreKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for id, kept := range map[string]bool{
		"3f2c9a1e-7b4d-4c1a-9e8f-0a1b2c3d4e5f": true, "lb.1:abc_DEF": true,
		strings.Repeat("a", 65): false, "a b": false, "id\x01": false, "<script>": false, "é": false,
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header.Set("X-Request-Id", id)
		got := h.send(req).header.Get("X-Request-Id")
		if kept {
			assert.Equal(t, id, got)
		} else {
			assert.Regexp(t, `^[0-9a-f]{24}$`, got, "%q replaced", id)
		}
	}
}

// A query string Go cannot read whole is refused rather than read in part.
func TestAnUnreadableQueryIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, q := range []string{"limit=2;x=1", "limit=%zz"} {
		r := h.send(httptest.NewRequest(http.MethodGet, "/api/v1/admin/awards?"+q, nil))
		assert.Equal(t, http.StatusBadRequest, r.status, q)
		assert.Contains(t, string(r.raw), `"code":"malformed"`, q)
		assert.Contains(t, string(r.raw), "the query string cannot be read", q)
	}
	assert.Equal(t, http.StatusOK, h.send(httptest.NewRequest(http.MethodGet, "/healthz?a=1&b=%20", nil)).status)
}

// A made-up method is counted as "other": clients cannot add series at will.
func TestMadeUpMethodsShareOneSeries(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	srv := rest.New(rest.Options{Logger: slog.New(slog.DiscardHandler), Registry: reg, BodyLimit: 1 << 10})
	for _, m := range []string{"FOO", "BAR", "BAZ", http.MethodGet} {
		srv.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/healthz", nil))
	}
	families, err := reg.Gather()
	require.NoError(t, err)
	methods := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" {
					methods[l.GetValue()] = true
				}
			}
		}
	}
	assert.Equal(t, map[string]bool{"GET": true, "other": true}, methods)
}

// Readiness: a required dependency down takes the process out (503); an optional one down
// leaves it serving, named as degraded.
func TestReadinessTellsRequiredFromOptional(t *testing.T) {
	t.Parallel()
	down := func(context.Context) error { return errors.New("connection refused") }
	up := func(context.Context) error { return nil }
	ready := func(checks ...rest.Check) (int, map[string]any) {
		srv := rest.New(rest.Options{Logger: slog.New(slog.DiscardHandler), BodyLimit: 1 << 10, Checks: checks})
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		return rec.Code, body
	}
	code, body := ready(rest.Check{Name: "sql", Ping: up}, rest.Check{Name: "nats", Ping: down, Optional: true})
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "degraded", body["status"])
	assert.Equal(t, []any{"nats"}, body["failed"])

	code, body = ready(rest.Check{Name: "sql", Ping: down}, rest.Check{Name: "nats", Ping: down, Optional: true})
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "not_ready", body["error"].(map[string]any)["code"])

	code, body = ready(rest.Check{Name: "sql", Ping: up}, rest.Check{Name: "nats", Ping: up, Optional: true})
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ready", body["status"])
}

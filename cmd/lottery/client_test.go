package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/internal/testkit"
)

// client talks to a started server as one token holder.
type client struct {
	t     *testing.T
	base  string
	token string
}

func newClient(t *testing.T, base string, cfg config.Config, sub string, roles ...string) *client {
	t.Helper()
	return newUserWithFacts(t, base, cfg, sub, nil, roles...)
}

// newUserWithFacts is newClient whose token carries trusted facts, as an identity provider
// would set them.
func newUserWithFacts(t *testing.T, base string, cfg config.Config, sub string, facts map[string]any, roles ...string) *client {
	t.Helper()
	tok, err := token.NewKeys(cfg.Auth.Secret).Mint(sub, roles, facts, time.Hour)
	require.NoError(t, err)
	return &client{t: t, base: base, token: tok}
}

// testHTTP bounds every request, so a server that hangs fails the test instead of
// stalling it until the test binary's timeout.
var testHTTP = &http.Client{Timeout: time.Minute}

// do sends a JSON request and decodes the JSON answer into a map. It may be called from
// goroutines of a test: what goes wrong is reported (t.Errorf), not stopped at (FailNow
// must be called from the test's own goroutine), and answers status 0.
func (c *client) do(method, path string, body any, header ...string) (int, map[string]any, http.Header) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if !assert.NoError(c.t, err) {
			return 0, nil, nil
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if !assert.NoError(c.t, err) {
		return 0, nil, nil
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := testHTTP.Do(req)
	if !assert.NoError(c.t, err) {
		return 0, nil, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	contract, err := contractOf(c.t, c.base)
	if !assert.NoError(c.t, err) || !assert.NoError(c.t, contract.Check(req, resp.StatusCode, resp.Header, raw)) {
		return 0, nil, nil
	}
	if len(raw) > 0 && !assert.NoError(c.t, json.Unmarshal(raw, &out), "body: %s", raw) {
		return 0, nil, nil
	}
	return resp.StatusCode, out, resp.Header
}

// must sends and requires the status.
func (c *client) must(status int, method, path string, body any, header ...string) map[string]any {
	c.t.Helper()
	code, out, _ := c.do(method, path, body, header...)
	require.Equal(c.t, status, code, "%s %s → %v", method, path, out)
	return out
}

// contracts holds the OpenAPI document of each server a test talks to, by base URL.
var contracts sync.Map

// contractOf is the API contract the server at base serves: every reply a client gets is
// held to it.
func contractOf(t *testing.T, base string) (*testkit.Contract, error) {
	t.Helper()
	if c, ok := contracts.Load(base); ok {
		return c.(*testkit.Contract), nil
	}
	resp, err := testHTTP.Get(base + "/openapi.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	c, err := testkit.NewContract(doc)
	if err != nil {
		return nil, err
	}
	contracts.Store(base, c)
	return c, nil
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// newHTTPClient keeps one idle connection per worker open, so a closed-loop worker never
// pays for a TCP handshake: the load is the server's work, not the client's dialling.
func newHTTPClient(concurrency int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: 2 * concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// answer is what one request came back with: Code is "" for a 2xx, an API error code, or a
// name for what went wrong below the API (transport_error, timeout, http_502, …).
type answer struct {
	Status int
	Code   string
	Draw   drawAnswer
}

// unknownOutcome reports whether the server may or may not have done the work: a 5xx or
// no answer at all. 503 try_again promises nothing was taken, yet is counted here too,
// because a promise is what the invariant checks are there to test.
func (a answer) unknownOutcome() bool { return a.Status == 0 || a.Status >= 500 }

type drawAnswer struct {
	OrderID string `json:"order_id"`
	Outcome string `json:"outcome"`
	Award   *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"award"`
}

type errorBody struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// do sends req and classifies the answer; into, when not nil, receives a 2xx JSON body.
func do(c *http.Client, req *http.Request, into any) answer {
	resp, err := c.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return answer{Code: "timeout"}
		}
		return answer{Code: "transport_error"}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{Code: "transport_error"}
	}
	a := answer{Status: resp.StatusCode}
	if resp.StatusCode/100 == 2 {
		if into != nil && json.Unmarshal(body, into) != nil {
			a.Code = "malformed_response"
		}
		return a
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
		a.Code = eb.Error.Code
	} else {
		a.Code = fmt.Sprintf("http_%d", resp.StatusCode)
	}
	return a
}

// drawRequest builds POST /api/v1/draws for one user and key.
func drawRequest(ctx context.Context, base string, body []byte, bearer, key string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/draws", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build draw request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer)
	req.Header.Set("Idempotency-Key", key)
	return req, nil
}

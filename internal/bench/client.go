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

// sender sends one worker's requests: a wire for plain http, net/http for https.
type sender interface {
	do(ctx context.Context, method, path string, body []byte, hdr ...string) (status int, answer []byte, err error)
}

// newSenders gives each of n workers a sender to base.
func newSenders(base string, n int, timeout time.Duration) ([]sender, func()) {
	out := make([]sender, n)
	first, err := newWire(base, timeout)
	if err != nil {
		h := &httpSender{client: newHTTPClient(n, timeout), base: base}
		for i := range out {
			out[i] = h
		}
		return out, h.client.CloseIdleConnections
	}
	wires := make([]*wire, n)
	for i := range out {
		w := *first // same address, its own connection and buffers
		wires[i], out[i] = &w, &w
	}
	return out, func() {
		for _, w := range wires {
			w.close()
		}
	}
}

// httpSender is net/http's client, for what a wire does not speak (TLS).
type httpSender struct {
	client *http.Client
	base   string
}

func (h *httpSender) do(ctx context.Context, method, path string, body []byte, hdr ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

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
// no answer at all. 503 try_again included: when a commit's outcome is unknown, the order
// may have been made (a retry with the same key answers with it).
func (a answer) unknownOutcome() bool { return a.Status == 0 || a.Status >= 500 }

type drawAnswer struct {
	OrderID string       `json:"order_id"`
	Outcome string       `json:"outcome"`
	Award   *awardAnswer `json:"award"`
}

type awardAnswer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func decodeAnswer(body []byte, into any) error {
	if d, ok := into.(*drawAnswer); ok {
		return decodeDraw(body, d)
	}
	return json.Unmarshal(body, into)
}

type errorBody struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// classify turns what a sender returned into an answer; into, when not nil, receives a
// 2xx JSON body.
func classify(status int, body []byte, err error, into any) answer {
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return answer{Code: "timeout"}
		}
		return answer{Code: "transport_error"}
	}
	a := answer{Status: status}
	if status/100 == 2 {
		if into != nil && decodeAnswer(body, into) != nil {
			a.Code = "malformed_response"
		}
		return a
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
		a.Code = eb.Error.Code
	} else {
		a.Code = fmt.Sprintf("http_%d", status)
	}
	return a
}

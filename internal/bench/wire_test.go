package bench

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawServer answers every request read on a connection with the next of answers (the
// last repeats), written as is; an answer that starts with "!" is written without the
// "!" and the connection closed after it, "" closes it at once. It counts the
// connections it accepted.
func rawServer(t *testing.T, answers ...string) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go serveRaw(c, answers)
		}
	}()
	return "http://" + ln.Addr().String(), &conns
}

func serveRaw(c net.Conn, answers []string) {
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; ; i++ {
		req, err := http.ReadRequest(r)
		if err != nil {
			return
		}
		_ = req.Body.Close()
		a := answers[min(i, len(answers)-1)]
		if a == "" { // hang up without answering
			return
		}
		last := strings.HasPrefix(a, "!")
		if _, err := c.Write([]byte(strings.TrimPrefix(a, "!"))); err != nil || last {
			return
		}
	}
}

func TestWireReadsEveryBodyFraming(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		answer string
		status int
		body   string
		conns  int32 // connections used by three requests
	}{
		"length, kept alive": {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello", 1},
		"chunked": {"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n",
			201, "abcde", 1},
		"connection close":    {"!HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno", 409, "no", 3},
		"no length, HTTP/1.0": {"!HTTP/1.0 200 OK\r\n\r\nuntil close", 200, "until close", 3},
		"no body":             {"HTTP/1.1 204 No Content\r\n\r\n", 204, "", 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base, conns := rawServer(t, c.answer)
			w, err := newWire(base, 2*time.Second)
			require.NoError(t, err)
			defer w.close()
			for range 3 {
				status, body, err := w.do(context.Background(), http.MethodPost, "/x", []byte(`{}`), "A", "b")
				require.NoError(t, err)
				assert.Equal(t, c.status, status)
				assert.Equal(t, c.body, string(body))
			}
			assert.Equal(t, c.conns, conns.Load())
		})
	}
}

func TestWireFailuresAreTransportErrorsAndRedial(t *testing.T) {
	t.Parallel()
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
	base, conns := rawServer(t, ok, "", ok)
	w, err := newWire(base, 2*time.Second)
	require.NoError(t, err)
	defer w.close()

	status, body, err := w.do(context.Background(), http.MethodGet, "/", nil)
	assert.Equal(t, answer{Status: 200}, classify(status, body, err, nil))
	status, body, err = w.do(context.Background(), http.MethodGet, "/", nil)
	assert.Equal(t, answer{Code: "transport_error"}, classify(status, body, err, nil), "hung up without answer")
	status, body, err = w.do(context.Background(), http.MethodGet, "/", nil)
	assert.Equal(t, answer{Status: 200}, classify(status, body, err, nil), "the next request dials again")
	assert.Equal(t, int32(2), conns.Load())

	half, _ := rawServer(t, "!HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
	w2, err := newWire(half, 2*time.Second)
	require.NoError(t, err)
	defer w2.close()
	status, body, err = w2.do(context.Background(), http.MethodGet, "/", nil)
	assert.Equal(t, answer{Code: "transport_error"}, classify(status, body, err, nil), "a body cut short")
}

func TestWireTimesOutAndHonoursCancel(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)

	w, err := newWire(srv.URL, 100*time.Millisecond)
	require.NoError(t, err)
	status, body, err := w.do(context.Background(), http.MethodGet, "/", nil)
	assert.Equal(t, answer{Code: "timeout"}, classify(status, body, err, nil))

	w2, err := newWire(srv.URL, time.Minute)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	begun := time.Now()
	_, _, err = w2.do(ctx, http.MethodGet, "/", nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(begun), 4*time.Second, "a cancelled run does not wait out the timeout")
}

func TestSendersFallBackToNetHTTPForTLS(t *testing.T) {
	t.Parallel()
	s, closeAll := newSenders("https://127.0.0.1:1", 2, time.Second)
	defer closeAll()
	_, isHTTP := s[0].(*httpSender)
	assert.True(t, isHTTP)
	s, closeAll2 := newSenders("http://127.0.0.1:1", 2, time.Second)
	defer closeAll2()
	assert.NotSame(t, s[0], s[1], "one connection per worker")
	assert.True(t, strings.HasPrefix(s[0].(*wire).addr, "127.0.0.1:"))
}

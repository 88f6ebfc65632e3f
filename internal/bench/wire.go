package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// wire is one worker's keep-alive HTTP/1.1 connection. The load generator shares the
// cores of the server it measures, so what it spends per request is taken from the
// server: net/http's client costs ~60 µs of CPU a request here (two goroutines per
// connection, header maps, a body reader), this costs a few. It understands what an HTTP
// server may answer: Content-Length or chunked bodies, and Connection: close.
//
// A wire is used by one goroutine at a time. A request that fails below HTTP closes the
// connection and is not retried: a draw whose answer was lost has an unknown outcome,
// which is what the invariant checks account for. The next request dials again.
type wire struct {
	addr    string // host:port to dial
	host    string // Host header
	timeout time.Duration
	conn    net.Conn
	r       *bufio.Reader
	req     []byte // the request being written, reused
	body    []byte // the last answer's body, reused: valid until the next request
	unwatch func() bool
}

// newWire prepares a connection to base, an http:// URL; https is left to net/http.
func newWire(base string, timeout time.Duration) (*wire, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", base, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("server URL %q: not plain http", base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &wire{addr: addr, host: u.Host, timeout: timeout}, nil
}

// errWire marks a failure below HTTP: nothing, or not all, of an answer arrived.
var errWire = errors.New("connection failed")

// do sends method path with body and the header lines hdr ("Name", "value", ...), and
// returns the answer's status and body. ctx ending aborts a request in flight.
func (w *wire) do(ctx context.Context, method, path string, body []byte, hdr ...string) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if w.conn == nil {
		if err := w.dial(ctx); err != nil {
			return 0, nil, err
		}
	}
	if err := w.conn.SetDeadline(time.Now().Add(w.timeout)); err != nil {
		w.close()
		return 0, nil, fmt.Errorf("%w: %w", errWire, err)
	}
	status, keep, err := w.exchange(method, path, body, hdr)
	if err != nil || !keep {
		w.close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, err
	}
	return status, w.body, nil
}

func (w *wire) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: min(w.timeout, 3*time.Second), KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", w.addr)
	if err != nil {
		return fmt.Errorf("%w: %w", errWire, err)
	}
	w.conn = c
	if w.r == nil {
		w.r = bufio.NewReaderSize(c, 4096)
	} else {
		w.r.Reset(c)
	}
	// Cancelling the run unblocks a request in flight instead of waiting out its timeout.
	w.unwatch = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return nil
}

func (w *wire) close() {
	if w.conn != nil {
		w.unwatch()
		_ = w.conn.Close()
		w.conn = nil
	}
}

// exchange writes one request and reads its answer into w.body; keep is false when the
// server said it closes the connection.
func (w *wire) exchange(method, path string, body []byte, hdr []string) (status int, keep bool, err error) {
	b := append(w.req[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, w.host...)
	b = append(b, "\r\nUser-Agent: lottery-bench\r\n"...)
	for i := 0; i+1 < len(hdr); i += 2 {
		b = append(append(append(append(b, hdr[i]...), ": "...), hdr[i+1]...), "\r\n"...)
	}
	if body != nil || method == "POST" || method == "PUT" {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	w.req = b
	if _, err := w.conn.Write(b); err != nil {
		return 0, false, fmt.Errorf("%w: %w", errWire, err)
	}
	status, length, chunked, keep, err := w.readHead()
	if err != nil {
		return 0, false, err
	}
	switch {
	case method == "HEAD" || status == 204 || status == 304 || status/100 == 1:
		w.body = w.body[:0]
	case chunked:
		err = w.readChunked()
	case length >= 0:
		err = w.readN(length)
	default: // the body ends with the connection
		w.body, err = io.ReadAll(w.r)
		keep = false
	}
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", errWire, err)
	}
	return status, keep, nil
}

// readHead reads the status line and the headers the client needs.
func (w *wire) readHead() (status int, length int64, chunked, keep bool, err error) {
	line, err := w.r.ReadSlice('\n')
	if err != nil {
		return 0, 0, false, false, fmt.Errorf("%w: status line: %w", errWire, err)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, 0, false, false, fmt.Errorf("%w: bad status line %q", errWire, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, false, fmt.Errorf("%w: bad status line %q", errWire, line)
	}
	length, keep = -1, line[7] == '1' // HTTP/1.0 closes unless told otherwise
	for {
		line, err = w.r.ReadSlice('\n')
		if err != nil {
			return 0, 0, false, false, fmt.Errorf("%w: headers: %w", errWire, err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return status, length, chunked, keep, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return 0, 0, false, false, fmt.Errorf("%w: bad Content-Length %q", errWire, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keep = true
			}
		}
	}
}

// maxBody bounds what the client reads of one answer.
const maxBody = 1 << 20

func (w *wire) readN(n int64) error {
	if n > maxBody {
		return fmt.Errorf("answer of %d bytes is too large", n)
	}
	if int64(cap(w.body)) < n {
		w.body = make([]byte, n)
	}
	w.body = w.body[:n]
	_, err := io.ReadFull(w.r, w.body)
	return err
}

func (w *wire) readChunked() error {
	w.body = w.body[:0]
	for {
		line, err := w.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 || int64(len(w.body))+n > maxBody {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			return w.skipTrailer()
		}
		start := len(w.body)
		w.body = append(w.body, make([]byte, n)...)
		if _, err := io.ReadFull(w.r, w.body[start:]); err != nil {
			return err
		}
		if _, err := w.r.Discard(2); err != nil { // the chunk's CRLF
			return err
		}
	}
}

func (w *wire) skipTrailer() error {
	for {
		line, err := w.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}

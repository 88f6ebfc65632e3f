package testkit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lottery-go/lottery/infrastructure/embedded"
	"github.com/lottery-go/lottery/infrastructure/messaging"
)

// NATSEnv is one NATS backend set aside for one test: every stream and consumer the test
// creates must be named with Prefix, and cleanup deletes those streams on the real server.
type NATSEnv struct {
	Name   string // "embedded" or "real"
	URL    string
	Conn   *messaging.Conn
	Prefix string // upper-case letters, digits and underscores: valid in stream names and subjects
}

// EachNATS runs fn once per available NATS backend.
func EachNATS(t *testing.T, fn func(t *testing.T, env NATSEnv)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, EmbeddedNATS(t)) })
	if url := os.Getenv("LOTTERY_TEST_NATS_URL"); url != "" {
		t.Run("real", func(t *testing.T) { fn(t, RealNATS(t, url)) })
	}
}

// EmbeddedNATS starts an in-process server with JetStream on a free port.
func EmbeddedNATS(t testing.TB) NATSEnv {
	t.Helper()
	srv, err := embedded.StartNATS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return connectNATS(t, "embedded", srv.URL())
}

// RealNATS connects to a shared server; the test's streams are removed afterwards.
func RealNATS(t testing.TB, url string) NATSEnv {
	t.Helper()
	return connectNATS(t, "real", url)
}

func connectNATS(t testing.TB, name, url string) NATSEnv {
	t.Helper()
	conn, err := messaging.Connect(url, "lottery-test")
	if err != nil {
		t.Fatal(err)
	}
	env := NATSEnv{Name: name, URL: url, Conn: conn, Prefix: upper(UniqueName("T"))}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		names := conn.JS.StreamNames(ctx)
		var mine []string
		for n := range names.Name() {
			if len(n) >= len(env.Prefix) && n[:len(env.Prefix)] == env.Prefix {
				mine = append(mine, n)
			}
		}
		for _, n := range mine {
			_ = conn.JS.DeleteStream(ctx, n)
		}
		conn.Close()
	})
	return env
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

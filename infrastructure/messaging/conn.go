// Package messaging carries grant events over NATS JetStream.
package messaging

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Conn is a NATS connection with its JetStream handle.
type Conn struct {
	NC *nats.Conn
	JS jetstream.JetStream
}

// Connect dials url and fails within a few seconds when nothing answers.
func Connect(url, name string) (*Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.Timeout(3*time.Second),
		nats.RetryOnFailedConnect(false),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("nats unreachable: %w", err) // the caller names the server, its password hidden
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Conn{NC: nc, JS: js}, nil
}

// Ping checks the server answers and JetStream is enabled.
func (c *Conn) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.NC.FlushWithContext(ctx); err != nil {
		return err
	}
	_, err := c.JS.AccountInfo(ctx)
	return err
}

// PingStream is Ping, and checks that the grant stream exists: a server that came back
// without its data answers pings but takes no grant event until a granter makes the
// stream again.
func (c *Conn) PingStream(ctx context.Context, prefix string) error {
	if err := c.Ping(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := c.JS.Stream(ctx, StreamName(prefix)); err != nil {
		return fmt.Errorf("grant stream %s: %w", StreamName(prefix), err)
	}
	return nil
}

// Close drains nothing and closes the connection.
func (c *Conn) Close() { c.NC.Close() }

package embedded

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATS is an in-process NATS server with JetStream, its streams kept in a file store.
type NATS struct {
	srv   *server.Server
	token string
}

// StartNATS starts a server on a free loopback port storing JetStream data under storeDir.
// It takes clients with a token of its own only: any process on the machine can reach the
// port.
func StartNATS(storeDir string) (*NATS, error) {
	token := rand.Text()
	opts := &server.Options{
		Host:          "127.0.0.1",
		Port:          server.RANDOM_PORT,
		JetStream:     true,
		StoreDir:      storeDir,
		NoLog:         true,
		NoSigs:        true,
		Authorization: token,
		// The HTTP monitor and cluster ports stay off: nothing else listens.
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after 10s")
	}
	return &NATS{srv: srv, token: token}, nil
}

// URL is the client URL of the server, its token included: not for logs.
func (n *NATS) URL() string {
	u, err := url.Parse(n.srv.ClientURL())
	if err != nil {
		return n.srv.ClientURL()
	}
	u.User = url.User(n.token)
	return u.String()
}

// Address is the client URL of the server without its token.
func (n *NATS) Address() string { return n.srv.ClientURL() }

// Close stops the server and waits for it.
func (n *NATS) Close() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

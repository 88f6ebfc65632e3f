package messaging

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DedupeWindow is how long JetStream remembers a message id. It covers the republishing
// of an entry whose send succeeded but whose bookkeeping did not (compensation picks it up
// after 30 s); later duplicates are absorbed by the grants table instead.
const DedupeWindow = 5 * time.Minute

// StreamName is the one stream of grant events: PREFIX_GRANTS.
func StreamName(prefix string) string { return prefix + "_GRANTS" }

// grantSubjects matches every grant subject of GrantSubject.
func grantSubjects(prefix string) string { return prefix + ".grant.>" }

// EnsureStream creates the grant stream or updates it to this configuration. It is a work
// queue: an event is kept on disk until the granter acknowledges it, then dropped.
func EnsureStream(ctx context.Context, js jetstream.JetStream, prefix string) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName(prefix),
		Description: "grant events of won orders",
		Subjects:    []string{grantSubjects(prefix)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.WorkQueuePolicy,
		Duplicates:  DedupeWindow,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", StreamName(prefix), err)
	}
	return nil
}

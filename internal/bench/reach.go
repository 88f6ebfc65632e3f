package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Reach makes sure a server answers GET /healthz at base before a run, so that a wrong
// URL or a server not started is one clear error, not a run of transport failures.
func Reach(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := strings.TrimRight(base, "/") + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("server URL %q: %w", base, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no server answers at %s: %w", base, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %s: is this a Lottery server?", url, resp.Status)
	}
	return nil
}

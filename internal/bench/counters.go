package bench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/infrastructure/token"
)

const countersName = "7 counters: Redis = SQL once quiet (from the admin stats)"

// statsAnswer is the part of GET /admin/activities/{id}/stats the check reads.
type statsAnswer struct {
	StockLeft int64 `json:"stock_left"`
	Live      *struct {
		StockLeft int64 `json:"stock_left"`
		Drift     int64 `json:"drift"`
	} `json:"live"`
	LiveError string `json:"live_error"`
}

// checkCounters asks the server whether its live stock counter equals SQL's. Admissions
// whose orders are still being committed make a passing difference, so it polls until the
// drift is 0 or wait is over.
func checkCounters(ctx context.Context, base string, keys *token.Keys, activityID int64, wait time.Duration) Check {
	a, err := newAdminClient(base, keys)
	if err != nil {
		return Check{Name: countersName, Status: StatusNotChecked, Detail: err.Error()}
	}
	path := "/activities/" + strconv.FormatInt(activityID, 10) + "/stats"
	deadline := time.Now().Add(wait)
	for {
		var st statsAnswer
		err := a.call(ctx, a.admin, http.MethodGet, path, nil, &st)
		switch {
		case err != nil:
			return Check{Name: countersName, Status: StatusNotChecked, Detail: err.Error()}
		case st.Live == nil:
			return Check{Name: countersName, Status: StatusNotChecked, Detail: "live counters not loaded " + st.LiveError}
		case st.Live.Drift == 0:
			return Check{Name: countersName, Status: StatusOK, Detail: fmt.Sprintf("stock left %d in SQL and in Redis", st.StockLeft)}
		case !time.Now().Before(deadline):
			return Check{Name: countersName, Status: StatusViolated, Detail: fmt.Sprintf(
				"stock left %d in SQL, %d in Redis after waiting %s for quiet", st.StockLeft, st.Live.StockLeft, wait)}
		}
		select {
		case <-ctx.Done():
			return Check{Name: countersName, Status: StatusNotChecked, Detail: ctx.Err().Error()}
		case <-time.After(500 * time.Millisecond):
		}
	}
}

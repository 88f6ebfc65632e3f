package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/interfaces/rest"
	"github.com/lottery-go/lottery/internal/testkit"
)

const testSecret = "component-test-secret-0123456789"

// harness is the admin API over a fresh SQLite database, spoken to through HTTP.
type harness struct {
	t    *testing.T
	srv  *rest.Server
	keys *token.Keys
	db   *persistence.DB
}

// inTheWindow is the admin service's clock: within the window of activityBody.
var inTheWindow = time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, with ...func(*admin.Deps)) *harness {
	t.Helper()
	env := testkit.SQLite(t)
	gen, err := idgen.New(1)
	require.NoError(t, err)
	deps := admin.Deps{
		Awards:     persistence.NewAwardRepo(env.DB),
		Activities: persistence.NewActivityRepo(env.DB, gen.Next),
		Blacklist:  persistence.NewBlacklistRepo(env.DB),
		Orders:     persistence.NewOrderStats(env.DB),
		RuleTrees:  persistence.NewRuleTreeRepo(env.DB),
		Profiles:   persistence.NewProfileRepo(env.DB),
		IDs:        gen.Next,
		Now:        func() time.Time { return inTheWindow },
		Logger:     slog.New(slog.DiscardHandler),
	}
	for _, w := range with {
		w(&deps)
	}
	app := admin.New(deps)
	srv := rest.New(rest.Options{Logger: slog.New(slog.DiscardHandler), BodyLimit: 64 << 10})
	keys := token.NewKeys(testSecret)
	rest.RegisterAdmin(srv, keys, app)
	rest.RegisterRuleTrees(srv, keys, app)
	rest.RegisterProfiles(srv, keys, app)
	rest.RegisterDocs(srv)
	return &harness{t: t, srv: srv, keys: keys, db: env.DB}
}

// who is a caller: a subject and its roles; the zero value sends no token.
type who struct {
	sub   string
	roles []string
}

var (
	anonymous = who{}
	alice     = who{"alice", []string{token.RoleMarketer}}
	bob       = who{"bob", []string{token.RoleAdmin}}
	carol     = who{"carol", []string{token.RoleAdmin}}
	dave      = who{"dave", []string{token.RoleUser}}
)

// reply is a response with its body decoded when it is JSON.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r reply) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// do sends body (a string is sent as is, anything else as JSON) and returns the reply.
func (h *harness) do(method, path string, as who, body any, contentType ...string) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if len(contentType) > 0 {
		req.Header.Set("Content-Type", contentType[0])
	}
	if as.sub != "" {
		tok, err := h.keys.Mint(as.sub, as.roles, nil, time.Hour)
		require.NoError(h.t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return h.send(req)
}

func (h *harness) send(req *http.Request) reply {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	r := reply{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	h.checkContract(req, rec.Code, rec.Header(), rec.Body.Bytes())
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && rec.Body.Len() > 0 {
		require.NoError(h.t, json.Unmarshal(rec.Body.Bytes(), &r.body), rec.Body.String())
	}
	return r
}

// must asserts the status and returns the reply.
func (h *harness) must(status int, r reply) reply {
	h.t.Helper()
	require.Equal(h.t, status, r.status, "body: %s", r.raw)
	return r
}

// award creates an award of the given kind and returns its id.
func (h *harness) award(kind string, content map[string]any) string {
	h.t.Helper()
	r := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/awards", alice,
		map[string]any{"name": "Prize " + kind, "kind": kind, "content": content}))
	return r.body["id"].(string)
}

// activityBody is a valid activity body over the given award.
func activityBody(awardID string) map[string]any {
	return map[string]any{
		"name": "Double 11 wheel", "kind": "lottery",
		"begin_at": "2026-11-11T00:00:00+08:00", "end_at": "2026-11-12T00:00:00+08:00",
		"time_zone": "Asia/Shanghai", "stock": 1000,
		"limits": map[string]any{"per_user_total": 5, "per_user_daily": 1},
		"strategy": map[string]any{"mode": "fixed", "prizes": []any{
			map[string]any{"award_id": awardID, "probability": "0.01", "stock": 100, "daily_quota": 10, "release": map[string]any{"plan": "even"}},
			map[string]any{"award_id": awardID, "probability": "0.2", "stock": 200},
		}},
	}
}

// activity creates an activity as alice and returns its id.
func (h *harness) activity() string {
	h.t.Helper()
	awardID := h.award("text", map[string]any{"text": "well done"})
	r := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, activityBody(awardID)))
	return r.body["id"].(string)
}

func (h *harness) transition(id string, as who, action, reason string) reply {
	h.t.Helper()
	return h.do(http.MethodPost, "/api/v1/admin/activities/"+id+"/transitions", as,
		map[string]any{"action": action, "reason": reason})
}

// problemFields lists the field paths of a 422 reply.
func problemFields(r reply) map[string]string {
	out := map[string]string{}
	details, _ := r.body["error"].(map[string]any)["details"].(map[string]any)
	list, _ := details["problems"].([]any)
	for _, p := range list {
		m := p.(map[string]any)
		out[m["field"].(string)] = m["code"].(string)
	}
	return out
}

package rest

import "net/http"

// The user-facing draw API of API.md. It is published once its routes are registered.
func init() { addOpenAPIPart("draws", drawsOpenAPI) }

func drawsOpenAPI(d *apiDoc) {
	drawSchemas(d)
	const tag = "draws"
	// An activity's public view needs a valid token of any role; drawing, reading one's
	// own draws and one's chances need the user role (403 without it), and drawing a user
	// not blacklisted.
	userErrors := []int{http.StatusUnauthorized, http.StatusForbidden}
	anyRole := []int{http.StatusUnauthorized}
	idem := map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
		"description": "the same key returns the same order, never a second draw: also once its activity is paused, closed or ended, and when the repeat names another running activity",
		"schema":      map[string]any{"type": "string", "maxLength": 64}}
	draw := operation(tag, "draw", "Draw once: in the given activity, by the given rule tree, or by the published default tree "+
		"(an empty body or {})", true,
		[]any{idem}, ref("DrawRequest"), responses(http.StatusOK, "the outcome", ref("Draw"),
			with(userErrors, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge,
				http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable)...))
	explainDrawAnswers(draw["responses"].(map[string]any))
	draw["requestBody"].(map[string]any)["required"] = false
	d.op(http.MethodPost, "/api/v1/draws", draw)
	list := append(pageQuery(), queryParam("activity_id", "only draws in this activity", map[string]any{"type": "string"}))
	d.op(http.MethodGet, "/api/v1/draws", operation(tag, "listDraws", "The caller's own draws, newest first", true, list,
		nil, responses(http.StatusOK, "a page of draws", pageOfSchema("Draw"), with(userErrors, http.StatusBadRequest)...)))
	d.op(http.MethodGet, "/api/v1/draws/{order_id}", operation(tag, "getDraw", "One of the caller's draws with its current grant state (chances left: GET /api/v1/activities/{id}/quota)", true,
		[]any{pathParam("order_id", "order id")}, nil, responses(http.StatusOK, "the draw", ref("Draw"), with(userErrors, http.StatusNotFound)...)))
	act := []any{pathParam("id", "activity id")}
	d.op(http.MethodGet, "/api/v1/activities/{id}", operation(tag, "getPublicActivity", "Public view of an activity", true, act,
		nil, responses(http.StatusOK, "the activity", ref("PublicActivity"), with(anyRole, http.StatusNotFound)...)))
	d.op(http.MethodGet, "/api/v1/activities/{id}/quota", operation(tag, "getQuota", "The caller's chances left in an activity under its per-user limits (none once it is closed or its window has ended). "+
		"They count the user's draws only: an activity whose stock ran out still shows them, and its draws answer 409 activity_sold_out", true, act,
		nil, responses(http.StatusOK, "chances left", ref("Quota"), with(userErrors, http.StatusNotFound)...)))
}

// explainDrawAnswers names, for each status of POST /draws, the error codes it carries and
// the headers a client acts on.
func explainDrawAnswers(resps map[string]any) {
	retryAfter := map[string]any{"Retry-After": map[string]any{"description": "seconds to wait before trying again",
		"schema": map[string]any{"type": "integer"}}}
	for status, desc := range map[int]string{
		http.StatusOK: "the outcome; a repeated Idempotency-Key answers with its first order and the header Idempotent-Replayed: true",
		http.StatusBadRequest: "malformed: the body is not a JSON object of the fields below, or names both activity_id and tree_id; invalid_idempotency_key: " +
			"over 64 characters or not printable ASCII",
		http.StatusForbidden: "forbidden: the token lacks the user role; blacklisted: the user may not draw",
		http.StatusNotFound:  "not_found: the activity or rule tree named is unknown to users; no_matching_activity: no tree is published as the default, or the tree's walk ended without a leaf (a fact missing and no default edge)",
		http.StatusConflict: "activity_not_running (not started, paused, closed or ended; also where a rule tree routed the user), " +
			"activity_sold_out, user_quota_exhausted (the total or today's limit)",
		http.StatusRequestEntityTooLarge: "body_too_large",
		http.StatusUnprocessableEntity:   "invalid: an id that cannot name anything (details.problems names the field)",
		http.StatusTooManyRequests:       "rate_limited: the user draws too often; details.retry_after_ms and Retry-After say when to try again",
		http.StatusServiceUnavailable:    "try_again: a store could not be reached; retry with the same Idempotency-Key",
	} {
		r, ok := resps[itoa(int64(status))].(map[string]any)
		if !ok {
			continue
		}
		r["description"] = desc
		switch status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			r["headers"] = retryAfter
		case http.StatusOK:
			r["headers"] = map[string]any{"Idempotent-Replayed": map[string]any{
				"description": "true when the answer is the order of an earlier request with this Idempotency-Key",
				"schema":      map[string]any{"type": "string", "enum": []string{"true"}}}}
		}
	}
}

func drawSchemas(d *apiDoc) {
	d.schema("DrawRequest", object(nil, map[string]any{
		"activity_id": idSchema("draw in this activity"),
		"tree_id":     idSchema("let this rule tree pick the activity"),
	}))
	d.schema("Quota", object([]string{"left_total", "left_today"}, map[string]any{
		"left_total":  signedInt("draws left in total; -1 for unlimited"),
		"left_today":  signedInt("draws left today under the daily limit, never more than left_total; -1 when there is no daily limit and left_total is not 0"),
		"sold_out":    map[string]any{"type": "boolean", "description": "GET …/quota only, and only when true: the activity's stock is gone, so no draw is left whatever the user's limits say; draws answer 409 activity_sold_out"},
		"blacklisted": map[string]any{"type": "boolean", "description": "GET …/quota only, and only when true: the user may not draw in this activity (left_total and left_today are 0); draws answer 403 blacklisted"},
	}))
	d.schema("Draw", object([]string{"order_id", "activity_id", "outcome", "grant_state", "created_at"}, map[string]any{
		"order_id":    idSchema("order id"),
		"activity_id": idSchema("activity id"),
		"outcome":     enum("win", "lose"),
		"award": object([]string{"id", "name", "kind"}, map[string]any{
			"id": idSchema("award id"), "name": str("award name"), "kind": str("award kind"),
			"content": freeObject("once granted: what the user received, e.g. {\"code\":\"X7K2-…\"} or {\"points\":100}"),
		}),
		"quota": ref("Quota"),
		"grant_state": map[string]any{"type": "string", "enum": []string{"pending", "granted", "awaiting_address", "failed", "none"},
			"description": "a win: pending, granted, awaiting_address or failed; a lose: none, as there is nothing to grant"},
		"grant_error": str("set when grant_state is failed: what the user should do (the operators' reason stays in the server's records)"),
		"created_at":  dateTime("draw time"),
	}))
	d.schema("PublicActivity", object([]string{"id", "name", "kind", "begin_at", "end_at", "state"}, map[string]any{
		"id": idSchema("activity id"), "name": str("name"), "kind": str("kind"),
		"begin_at": dateTime("window start"), "end_at": dateTime("window end"),
		"time_zone": str("IANA zone"), "state": ref("State"),
	}))
}

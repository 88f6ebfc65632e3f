package rest

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
)

// The order desk: support finds orders and sends failed grants again.
func init() { addOpenAPIPart("admin-orders", adminOrdersOpenAPI) }

func adminOrdersOpenAPI(d *apiDoc) {
	required := []string{"order_id", "activity_id", "user_id", "outcome", "grant_state", "event_state", "day", "created_at"}
	props := map[string]any{
		"order_id":    idSchema("order id"),
		"activity_id": idSchema("activity id"),
		"user_id":     str("who drew"),
		"outcome":     enum("win", "lose"),
		"prize_id":    idSchema("the prize won (wins only)"),
		"award": object([]string{"id", "name", "kind"}, map[string]any{
			"id": idSchema("award id"), "name": str("award name"), "kind": str("award kind"),
			"content": freeObject("what was delivered so far: a code, points, a text; for a physical prize the shipping address once given. A redeem code is shown whole to admins only; marketers see all but its last four characters as *"),
		}),
		"grant_state": enum(names(draw.GrantStates)...),
		"grant_error": str("when grant_state is failed: why, as the granter reported it (a webhook's answer, an empty code pool)"),
		"event_state": map[string]any{"type": "string", "enum": []string{"none", "pending", "sent", "failed"},
			"description": "the grant event: none (a lose), pending (on its way), sent (a granter took it), failed (its last publish failed; compensation retries)"},
		"idempotency_key": str("the Idempotency-Key the draw was sent with"),
		"day":             str("the activity's local day of the draw, YYYY-MM-DD"),
		"created_at":      dateTime("draw time"),
	}
	d.schema("AdminOrder", object(required, props))
	// The detail is the order and its retries, in one closed object: allOf over two closed
	// schemas would refuse every answer, each half forbidding the other's fields.
	detail := maps.Clone(props)
	detail["retries"] = array(object([]string{"by", "at", "previous_error"}, map[string]any{
		"by":             str("the admin who sent the grant again"),
		"at":             dateTime("when"),
		"previous_error": str("the failure the grant had then"),
	}))
	detail["delivery"] = deliverySchema()
	d.schema("AdminOrderDetail", object(append(slices.Clone(required), "retries"), detail))
	const tag = "admin: orders"
	filters := append(pageQuery(),
		queryParam("activity_id", "only orders of this activity", idSchema("activity id")),
		queryParam("user_id", "only this user's orders", map[string]any{"type": "string", "minLength": 1, "maxLength": 64}),
		queryParam("outcome", "only wins or only loses", enum("win", "lose")),
		queryParam("grant_state", "only orders in this grant state, e.g. failed", enum(names(draw.GrantStates)...)),
		queryParam("award_kind", "only wins of this kind of award", enum(names(award.Kinds)...)),
		queryParam("drawn_after", "only orders drawn at or after this time (RFC 3339)", map[string]any{"type": "string", "format": "date-time"}),
		queryParam("drawn_before", "only orders drawn before this time (RFC 3339)", map[string]any{"type": "string", "format": "date-time"}),
	)
	d.op(http.MethodGet, adminPrefix+"/orders", operation(tag, "searchOrders",
		"Orders newest first, by activity, user, outcome, grant state, award kind and draw time; name the activity or the user for speed on a large table. "+
			"On MySQL/MariaDB a search ends after 10 s with 422 search_too_slow: drawn_after starts the read at the order ids of its time, but outcome, grant state, award kind and drawn_before are checked order by order",
		true, filters, nil, responses(http.StatusOK, "a page of orders", pageOfSchema("AdminOrder"), with(adminReadErrors, http.StatusBadRequest, http.StatusUnprocessableEntity)...)))
	export := operation(tag, "exportOrders",
		"Every order the filters select, newest first, as CSV (columns: "+strings.Join(exportHeader, ", ")+
			"); activity_id or user_id is required; cells that a spreadsheet would read as a formula start with an apostrophe. "+
			"Orders drawn in the last seconds (the reload grace, the commit deadline and a margin for clocks: 17 s by default) may still be on their way to the database and are left out: "+
			"drawn_before is capped there, and the X-Drawn-Before header says the bound used, so the next export can start at it (drawn_after) and miss nothing. "+
			"Orders are read 500 at a time, each read bounded (on MySQL/MariaDB) to 5 minutes: a first read that runs out of time answers 422 search_too_slow, a later one breaks the download off",
		true, append(slices.Clip(filters[2:]), queryParam("bom", "start the file with a UTF-8 byte order mark, which Excel needs to read non-ASCII text as UTF-8",
			map[string]any{"type": "boolean", "default": false})), nil,
		responses(http.StatusOK, "the orders as CSV", nil, with(adminReadErrors, http.StatusBadRequest, http.StatusUnprocessableEntity)...))
	export["responses"].(map[string]any)["200"].(map[string]any)["content"] = map[string]any{
		"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}}
	export["responses"].(map[string]any)["200"].(map[string]any)["headers"] = map[string]any{
		"X-Drawn-Before": map[string]any{"description": "the draw time up to which (excluded) the export is complete (RFC 3339)",
			"schema": map[string]any{"type": "string", "format": "date-time"}}}
	d.op(http.MethodGet, adminPrefix+"/orders/export", export)
	order := []any{pathParam("order_id", "order id")}
	d.op(http.MethodGet, adminPrefix+"/orders/{order_id}", operation(tag, "getOrder", "One order, whoever drew it, with every time its grant was sent again and, while the grant is pending, how its delivery is going", true, order,
		nil, responses(http.StatusOK, "the order", ref("AdminOrderDetail"), with(adminReadErrors, http.StatusNotFound)...)))
	d.op(http.MethodPost, adminPrefix+"/orders/{order_id}/retry-grant", operation(tag, "retryGrant",
		"Admins only: deliver a failed grant again once its cause is fixed, at once and still once per order (a coupon webhook gets the same order id); "+
			"409 grant_not_failed, with details.grant_state, for an order whose grant has not failed. It takes no body, or an empty object; anything else is 400 malformed",
		true, order, nil, responses(http.StatusOK, "the order after the delivery: granted or awaiting_address; failed with the new reason when the cause is still there; "+
			"pending when the delivery met a passing error (a merchant answering 503) and goes on through the outbox's retries", ref("AdminOrderDetail"),
			with(adminReadErrors, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict)...)))
	bulk := append([]any{queryParam("limit", "the most grants sent again by this call", map[string]any{
		"type": "integer", "minimum": 1, "default": defaultRetryBatch, "description": "larger than 500 gives 500"})},
		filters[2:]...)
	d.op(http.MethodPost, adminPrefix+"/orders/retry-grants", operation(tag, "retryGrants",
		"Admins only: send again the failed grants of one activity (activity_id is required) that the filters select, newest first, up to limit, once the cause is fixed "+
			"(a merchant's webhook repaired, codes uploaded). Each is made pending with its event back in the outbox, as retry-grant does, and the outbox job publishes it "+
			"within a minute; each is still delivered once per order. Call again while more is true: those sent are no longer failed. "+
			"outcome and grant_state may only be win and failed. It takes no body, or an empty object; anything else is 400 malformed",
		true, bulk, nil, responses(http.StatusOK, "what was sent again", object([]string{"reopened", "order_ids", "more"}, map[string]any{
			"reopened":  integer("how many failed grants were sent again", 0),
			"order_ids": array(idSchema("an order whose grant was sent again")),
			"more":      map[string]any{"type": "boolean", "description": "more failed grants are selected: call again for the next ones"},
		}), with(adminReadErrors, http.StatusBadRequest, http.StatusUnprocessableEntity)...)))
}

// deliverySchema is how a pending grant's delivery is going, as its outbox entry tells.
func deliverySchema() map[string]any {
	return withDescription(object([]string{"attempts"}, map[string]any{
		"attempts": integer("the deliveries made so far; each met a passing error (a merchant answering 503, a timeout) and the grant was handed back to the outbox", 0),
		"last_error": str("why the last attempt failed: a delivery's passing error as the granter reported it (e.g. \"coupon webhook answered 503 Service Unavailable\"), " +
			"or a publish of the grant event that failed; kept while the grant is on its way again, left out when none has failed"),
		"next_attempt_at": dateTime("when the grant is tried again (UTC), while it waits after a failed delivery; " +
			"left out while it is queued or being delivered"),
		"gives_up_at": dateTime("when the grant gives up (UTC): a delivery that fails from then on fails it for good with reason gave_up, " +
			"even with attempts left; grants.give_up_after after the win, or after the grant was last sent again. Left out when grants never give up"),
	}), "only while grant_state is pending and the grant's event is in the outbox: how its delivery is going. "+
		"Left out for any other grant state, and in the order list")
}

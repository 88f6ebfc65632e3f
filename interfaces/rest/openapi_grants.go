package rest

import "net/http"

// The winner routes of API.md: a shipping address for a physical prize and the points
// ledger. Published once RegisterUserGrants has routed them.
func init() { addOpenAPIPart("grants", grantsOpenAPI) }

func grantsOpenAPI(d *apiDoc) {
	drawSchemas(d) // the address answer is a Draw, also when no draw route is served
	const tag = "grants"
	userErrors := []int{http.StatusUnauthorized, http.StatusForbidden}
	d.schema("AddressRequest", object([]string{"address"}, map[string]any{
		"address": map[string]any{"type": "string", "minLength": 1, "maxLength": 1000,
			"description": "where to ship the prize; line breaks allowed"},
	}))
	d.schema("PointsEntry", object([]string{"id", "delta", "reason", "created_at"}, map[string]any{
		"id":         idSchema("entry id"),
		"delta":      signedInt("points added (negative: taken)"),
		"reason":     str("why"),
		"order_id":   idSchema("the draw that credited them, when one did"),
		"created_at": dateTime("when"),
	}))
	d.schema("Points", object([]string{"balance", "items"}, map[string]any{
		"balance":     signedInt("the caller's points"),
		"items":       array(ref("PointsEntry")),
		"next_cursor": str("present when more entries follow"),
	}))
	d.op(http.MethodPost, "/api/v1/draws/{order_id}/address", operation(tag, "submitAddress",
		"Ship a physical prize: the caller's win awaiting its address (or whose grant is still pending) is granted. The same address sent again answers as the first time; another one is 409 address_not_expected", true,
		[]any{pathParam("order_id", "order id")}, ref("AddressRequest"),
		responses(http.StatusOK, "the draw, now granted", ref("Draw"), with(userErrors, http.StatusBadRequest,
			http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)...)))
	d.op(http.MethodGet, "/api/v1/me/points", operation(tag, "getPoints", "The caller's points balance and entries, newest first", true,
		pageQuery(), nil, responses(http.StatusOK, "balance and a page of entries", ref("Points"), with(userErrors, http.StatusBadRequest)...)))
}

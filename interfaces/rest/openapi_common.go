package rest

import "net/http"

func init() { addOpenAPIPart("common", commonOpenAPI) }

// commonOpenAPI holds what every area shares: the error shape of API.md and the states of
// an activity.
func commonOpenAPI(d *apiDoc) {
	d.schema("State", enum("draft", "pending_review", "approved", "rejected", "running", "paused", "closed"))
	d.schema("Error", object([]string{"error"}, map[string]any{
		"error": object([]string{"code", "message", "details"}, map[string]any{
			"code":    str("machine-readable snake_case code, e.g. invalid, not_found, illegal_transition"),
			"message": str("human sentence"),
			"details": map[string]any{
				"type":                 "object",
				"additionalProperties": true,
				"description": "for 422 invalid: problems (every problem with its field path) and omitted (problems beyond the first 100); " +
					"for 403 forbidden: scope, reason and roles; for 409 illegal_transition and activity_not_editable: state, " +
					"action (of a transition) and allowed_actions (what the state allows); for 409 concurrent_change: version; " +
					"for 409 award_in_use: activity_ids (up to 100); for 409 grant_not_failed: grant_state",
				"properties": map[string]any{
					"problems": array(ref("Problem")),
					"omitted":  integer("problems not listed", 1),
					"scope": map[string]any{"type": "string", "enum": []any{"route", "action"},
						"description": "403 forbidden only. route: the token lacks a role this route needs, so no request to it can succeed with this token; " +
							"action: the token may use the route but not for this action on this object (the reason says why)"},
					"reason": map[string]any{"type": "string", "enum": []any{"role", "separation_of_duties"},
						"description": "403 forbidden with scope action only. role: the action needs a role the token lacks (roles lists it), " +
							"e.g. a marketer approving an activity or publishing a rule tree; separation_of_duties: an admin may not approve or reject an activity they created or last edited"},
					"roles": array(str("a role name")),
				},
			},
		}),
	}))
	d.schema("Problem", object([]string{"field", "code", "message"}, map[string]any{
		"field": str(`path of the offending field, e.g. "strategy.prizes[1].probability"; empty for the input as a whole`),
		"code": str("problem code: required, too_long, out_of_range, too_precise, invalid_decimal, unknown, not_allowed, duplicate, invalid, invalid_url, invalid_time_zone, invalid_character, sum_exceeds_one, exceeds_stock, below_stock, exceeds_total, unsorted, too_many, " +
			"not_enough_codes, coupons_unavailable; rule trees have codes of their own, such as duplicate_node_id or expression_syntax"),
		"message": str("human sentence"),
	}))
}

// Error statuses shared by operations of the admin API.
var (
	adminReadErrors  = []int{http.StatusUnauthorized, http.StatusForbidden}
	adminWriteErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
)

func with(codes []int, more ...int) []int {
	return append(append([]int(nil), codes...), more...)
}

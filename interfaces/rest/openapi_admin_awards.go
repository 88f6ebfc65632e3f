package rest

import "net/http"

func init() { addOpenAPIPart("admin-awards", adminAwardsOpenAPI) }

func adminAwardsOpenAPI(d *apiDoc) {
	awardSchemas(d)
	const tag = "admin: awards"
	id := []any{pathParam("id", "award id")}
	d.op(http.MethodPost, adminPrefix+"/awards", operation(tag, "createAward", "Create an award", true, nil,
		ref("AwardInput"), responses(http.StatusCreated, "the award", ref("Award"), with(adminWriteErrors, http.StatusServiceUnavailable)...)))
	d.op(http.MethodGet, adminPrefix+"/awards", operation(tag, "listAwards", "List awards in id order", true, pageQuery(),
		nil, responses(http.StatusOK, "a page of awards", pageOfSchema("Award"), with(adminReadErrors, http.StatusBadRequest)...)))
	d.op(http.MethodGet, adminPrefix+"/awards/{id}", operation(tag, "getAward", "One award", true, id,
		nil, responses(http.StatusOK, "the award", ref("Award"), with(adminReadErrors, http.StatusNotFound)...)))
	d.op(http.MethodPut, adminPrefix+"/awards/{id}", operation(tag, "updateAward",
		"Change an award's name and content (its kind stays). Once an activity giving it has been submitted, grants deliver "+
			"what its reviewer saw, so only an admin may change it (to repair a merchant's webhook, say); a marketer's edit is 409 award_in_use.", true, id,
		ref("AwardUpdate"), responses(http.StatusOK, "the award", ref("Award"), with(adminWriteErrors, http.StatusNotFound, http.StatusConflict)...)))
	d.op(http.MethodPost, adminPrefix+"/awards/{id}/codes", codesOperation(tag, id))
}

func codesOperation(tag string, id []any) map[string]any {
	o := operation(tag, "uploadCodes",
		"Upload redeem codes to a redeem_code award; duplicates within the upload and against stored codes, and codes another award holds, are skipped and counted",
		true, id, nil, responses(http.StatusOK, "how many were added and how many were duplicates", ref("CodesResult"),
			with(adminWriteErrors, http.StatusNotFound, http.StatusConflict, http.StatusUnsupportedMediaType)...))
	resps := o["responses"].(map[string]any)
	resps["409"].(map[string]any)["description"] = "wrong_award_kind: the award is not a redeem_code award"
	resps["415"].(map[string]any)["description"] = "unsupported_media_type: the body is not application/json, text/csv or text/plain"
	csv := map[string]any{"schema": map[string]any{"type": "string", "description": "one code per line; blank lines are skipped, and so is a first line naming the column (code, codes, redeem_code)"}}
	o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
		"application/json": map[string]any{"schema": ref("CodesUpload")},
		"text/csv":         csv,
		"text/plain":       csv,
	}}
	return o
}

func awardSchemas(d *apiDoc) {
	d.schema("AwardContent", map[string]any{
		"type": "object", "additionalProperties": false,
		"description": "by kind: text {text} · coupon {webhook_url, template_id} · redeem_code {} · points {points} · physical {sku}",
		"properties": map[string]any{
			"text":        str("text awards: what the winner is shown (≤ 2000 characters)"),
			"webhook_url": str("coupon awards: absolute http(s) URL called to issue the coupon"),
			"template_id": str("coupon awards: the merchant's coupon template"),
			"points":      integer("points awards: points credited (1 to 10⁹)", 1),
			"sku":         str("physical awards: the article shipped"),
		},
	})
	kind := enum("text", "coupon", "redeem_code", "points", "physical")
	d.schema("AwardInput", object([]string{"name", "kind"}, map[string]any{
		"name":    str("1 to 100 characters"),
		"kind":    kind,
		"content": ref("AwardContent"),
	}))
	d.schema("AwardUpdate", object([]string{"name"}, map[string]any{
		"name":    str("1 to 100 characters"),
		"kind":    withDescription(enum("text", "coupon", "redeem_code", "points", "physical"), "may be left out; if given, the award's own kind"),
		"content": ref("AwardContent"),
	}))
	d.schema("Award", object([]string{"id", "name", "kind", "content", "created_at"}, map[string]any{
		"id":         idSchema("award id"),
		"name":       str("name"),
		"kind":       kind,
		"content":    ref("AwardContent"),
		"created_at": dateTime("creation time"),
	}))
	d.schema("CodesUpload", object([]string{"codes"}, map[string]any{
		"codes": map[string]any{"type": "array", "items": map[string]any{"type": "string", "maxLength": 64}, "maxItems": 100000},
	}))
	d.schema("CodesResult", object([]string{"added", "duplicates"}, map[string]any{
		"added":           integer("codes added to the pool", 0),
		"duplicates":      integer("codes skipped: repeated in the upload or already in the pool", 0),
		"in_other_awards": integer("codes skipped because another award's pool holds them: each code is worth its prize to whoever redeems it first", 0),
	}))
}

package rest

import "net/http"

func init() { addOpenAPIPart("admin-users", adminUsersOpenAPI) }

func adminUsersOpenAPI(d *apiDoc) {
	d.schema("ProfileRequest", object([]string{"attributes"}, map[string]any{"attributes": profileAttributes()}))
	d.schema("Profile", object([]string{"user_id", "attributes", "updated_at"}, map[string]any{
		"user_id":    str("the user, as in token subjects"),
		"attributes": profileAttributes(),
		"updated_at": dateTime("when the profile was last stored"),
	}))
	d.schema("ImportResult", object([]string{"imported"}, map[string]any{"imported": integer("profiles stored", 0)}))
	const tag = "admin: users"
	const path = adminPrefix + "/users/{user_id}/profile"
	user := []any{pathParam("user_id", "user id as in token subjects")}
	d.op(http.MethodPut, path, operation(tag, "putProfile",
		"Replace a user's trusted attributes. Rule trees read them merged with the token's facts claim (the token wins); "+
			"draws see the change within a second", true, user,
		ref("ProfileRequest"), responses(http.StatusOK, "the profile", ref("Profile"), adminWriteErrors...)))
	d.op(http.MethodGet, path, operation(tag, "getProfile", "A user's stored attributes", true, user,
		nil, responses(http.StatusOK, "the profile", ref("Profile"), with(adminReadErrors, http.StatusNotFound, http.StatusUnprocessableEntity)...)))
	d.op(http.MethodPost, adminPrefix+"/users/import", importOperation(tag))
}

func profileAttributes() map[string]any {
	return freeObject("up to 100 attributes named like identifiers (age, vip_level); values are strings, numbers, booleans, " +
		"RFC 3339 times or lists of those. registered_at (a time) yields the derived fact registered_days")
}

func importOperation(tag string) map[string]any {
	o := operation(tag, "importProfiles",
		"Import profiles from CSV, all or nothing: any problem stores nothing and 422 lists every problem at rows[<line>].<column> "+
			"(the header is line 1). The header row is user_id followed by one column per attribute, named name or name:type "+
			"with type int, float, string (the default), bool, time (RFC 3339) or []string (items separated by |). "+
			"Each row replaces that user's whole profile; an empty cell leaves the attribute out.", true, nil, nil,
		responses(http.StatusOK, "how many profiles were stored", ref("ImportResult"),
			with(adminWriteErrors, http.StatusUnsupportedMediaType)...))
	o["responses"].(map[string]any)["415"].(map[string]any)["description"] = "unsupported_media_type: the body is not text/csv or text/plain"
	o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
		"text/csv": map[string]any{"schema": map[string]any{"type": "string",
			"example": "user_id,age:int,gender,tags:[]string,registered_at:time\nu1,30,female,vip|gold,2026-01-31T09:00:00Z\n"}},
		"text/plain": map[string]any{"schema": map[string]any{"type": "string", "description": "the same CSV"}},
	}}
	return o
}

package rest

import "net/http"

func init() { addOpenAPIPart("admin-blacklist", adminBlacklistOpenAPI) }

func adminBlacklistOpenAPI(d *apiDoc) {
	d.schema("BlacklistRequest", object(nil, map[string]any{"reason": str("why, up to 500 characters")}))
	d.schema("BlacklistEntry", object([]string{"user_id", "reason", "created_at"}, map[string]any{
		"user_id":    str("the user"),
		"reason":     str("why"),
		"created_at": dateTime("when the user was first listed"),
	}))
	const tag = "admin: blacklist"
	const path = adminPrefix + "/blacklist/{user_id}"
	user := []any{pathParam("user_id", "user id as in token subjects; one no token could carry is 422")}
	put := operation(tag, "blacklistUser", "List a user (or change the reason); listed users cannot draw. "+
		"A body without reason (or none) keeps the reason of a user already listed. "+
		"503 try_again when the change is saved but the draw engine could not be told: repeat the request", true, user,
		nil, responses(http.StatusOK, "the entry", ref("BlacklistEntry"), with(adminWriteErrors, http.StatusServiceUnavailable)...))
	put["requestBody"] = map[string]any{"required": false, "content": jsonContent(ref("BlacklistRequest"))}
	d.op(http.MethodPut, path, put)
	d.op(http.MethodGet, path, operation(tag, "getBlacklistEntry", "Whether and why a user is listed", true, user,
		nil, responses(http.StatusOK, "the entry", ref("BlacklistEntry"), with(adminReadErrors, http.StatusNotFound, http.StatusUnprocessableEntity)...)))
	d.op(http.MethodDelete, path, operation(tag, "unblacklistUser", "Unlist a user; unlisting an unlisted user also answers 204. "+
		"503 try_again when the change is saved but the draw engine could not be told: repeat the request", true, user,
		nil, responses(http.StatusNoContent, "unlisted", nil, with(adminReadErrors, http.StatusUnprocessableEntity, http.StatusServiceUnavailable)...)))
}

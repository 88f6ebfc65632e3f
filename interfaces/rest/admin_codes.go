package rest

import (
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// uploadCodes takes redeem codes as CSV (text/csv or text/plain: one code per line, blank
// lines skipped) or as JSON {"codes":[…]}.
func (h *adminAPI) uploadCodes(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	codes, err := readCodes(c)
	if err != nil {
		return err
	}
	up, err := h.app.UploadCodes(c.Request().Context(), id, codes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, codesResponse{Added: up.Added, Duplicates: up.Duplicates, InOtherAwards: up.InOtherAwards})
}

func readCodes(c echo.Context) ([]string, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	media, _, _ := mime.ParseMediaType(ct)
	switch media {
	case "", echo.MIMEApplicationJSON:
		var req codesRequest
		if err := decodeJSON(c, &req); err != nil {
			return nil, err
		}
		return req.Codes, nil
	case "text/csv", echo.MIMETextPlain:
		return readCSVCodes(c.Request().Body)
	}
	return nil, Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type",
		"send codes as text/csv, text/plain or application/json, not %s", ct)
}

// readCSVCodes reads one code per record. A quoted field is unquoted, as a spreadsheet
// export would have it; a line with more than one field is refused, not guessed at. A
// first line that names the column (code, codes, redeem_code or redeem code, in any case)
// is a header, not a code.
func readCSVCodes(body io.Reader) ([]string, error) {
	r := csv.NewReader(body)
	r.FieldsPerRecord = 1
	r.ReuseRecord = true
	var codes []string
	header := false
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return codes, nil
		}
		if err != nil {
			if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
				return nil, echo.ErrStatusRequestEntityTooLarge
			}
			return nil, malformed("CSV: %s; expected one code per line", err.Error())
		}
		if len(codes) == 0 && !header && isCodesHeader(rec[0]) {
			header = true
			continue
		}
		codes = append(codes, rec[0])
	}
}

func isCodesHeader(field string) bool {
	name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(field), "\ufeff")))
	return name == "code" || name == "codes" || name == "redeem_code" || name == "redeem code"
}

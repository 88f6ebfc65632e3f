package persistence

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
)

func TestWhichWriteErrorsAreRetried(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{&mysql.MySQLError{Number: 1213, Message: "Deadlock found"}, true},
		{fmt.Errorf("insert orders: %w", &mysql.MySQLError{Number: 1205}), true},
		{&mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, false},
		{errors.New("connection reset"), false},
		{nil, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, isRetryableConflict(tc.err), "%v", tc.err)
	}
}

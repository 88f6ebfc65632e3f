package strategy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

var wantCode = map[error]string{
	strategy.ErrTooPrecise: check.CodeTooPrecise,
	strategy.ErrBadDecimal: check.CodeInvalidDecimal,
	strategy.ErrOutOfRange: check.CodeOutOfRange,
}

func TestParsePPM(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    strategy.PPM
		wantErr error
	}{
		{"0", 0, nil},
		{"0.0", 0, nil},
		{"000", 0, nil},
		{"1", strategy.One, nil},
		{"1.0", strategy.One, nil},
		{"1.000000000", strategy.One, nil},
		{"01", strategy.One, nil},
		{"0.015", 15_000, nil},
		{"0.5", 500_000, nil},
		{"0.000001", 1, nil},
		{"0.999999", 999_999, nil},
		{"0.1000000", 100_000, nil}, // trailing zeros are not precision
		{"0.0000001", 0, strategy.ErrTooPrecise},
		{"0.1234567", 0, strategy.ErrTooPrecise},
		{"1.0000001", 0, strategy.ErrOutOfRange},
		{"1.5", 0, strategy.ErrOutOfRange},
		{"2", 0, strategy.ErrOutOfRange},
		{"10", 0, strategy.ErrOutOfRange},
		{"99999999999999999999999", 0, strategy.ErrOutOfRange},
		{"", 0, strategy.ErrBadDecimal},
		{".", 0, strategy.ErrBadDecimal},
		{".5", 0, strategy.ErrBadDecimal},
		{"0.", 0, strategy.ErrBadDecimal},
		{"-0.1", 0, strategy.ErrBadDecimal},
		{"+0.1", 0, strategy.ErrBadDecimal},
		{"1e-3", 0, strategy.ErrBadDecimal},
		{"0.1.2", 0, strategy.ErrBadDecimal},
		{" 0.1", 0, strategy.ErrBadDecimal},
		{"0,1", 0, strategy.ErrBadDecimal},
		{"NaN", 0, strategy.ErrBadDecimal},
		{"０.1", 0, strategy.ErrBadDecimal}, // full-width digit
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := strategy.ParsePPM(tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, wantCode[tt.wantErr], strategy.ParseProblemCode(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPPMString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   strategy.PPM
		want string
	}{
		{0, "0"},
		{1, "0.000001"},
		{15_000, "0.015"},
		{500_000, "0.5"},
		{999_999, "0.999999"},
		{strategy.One, "1"},
		{2_500_000, "2.5"},
		{-15_000, "-0.015"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.in.String())
	}
}

func TestPPMRoundTrip(t *testing.T) {
	t.Parallel()
	for p := strategy.PPM(0); p <= strategy.One; p += 997 {
		got, err := strategy.ParsePPM(p.String())
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
}

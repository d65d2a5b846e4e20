package sjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// scalarValue decodes a string, number, date or boolean straight from its JSON text
// to the value unmarshalSingleValue returns for it. Each type's UnmarshalJSON runs a
// new json.Decoder (a buffer, reflection, a second scan for trailing data) for every
// field of every document read, the largest share of decoding. ok is false for any
// text it does not read plainly (a number out of range, a surrogate escape), which
// then takes the usual way; for every text it accepts, the value is the one
// encoding/json gives.
func scalarValue(data json.RawMessage, t elemType) (any, bool) {
	switch t {
	case elemTypeString:
		return jsonString(data)
	case elemTypeInt:
		if n, ok := jsonInt(data, 32); ok {
			return int32(n), true
		}
	case elemTypeLong:
		if n, ok := jsonInt(data, 64); ok {
			return n, true
		}
	case elemTypeDate:
		if n, ok := jsonInt(data, 64); ok {
			return time.UnixMilli(n), true
		}
	case elemTypeDouble:
		if isJSONNumber(data) {
			if f, err := strconv.ParseFloat(string(data), 64); err == nil {
				return f, true
			}
		}
	case elemTypeBool:
		switch {
		case bytes.Equal(data, []byte("true")):
			return true, true
		case bytes.Equal(data, []byte("false")):
			return false, true
		}
	}

	return nil, false
}

// jsonString decodes a JSON string literal of valid UTF-8 text: one without escapes
// straight from between its quotes, one with the escapes \" \\ \/ \b \f \n \r \t and
// \uXXXX outside the surrogate range by a loop over it.
func jsonString(data []byte) (any, bool) {
	if s, ok := plainString(data); ok {
		return s, true
	}

	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return nil, false
	}

	inner := data[1 : len(data)-1]
	if !utf8.Valid(inner) {
		return nil, false
	}

	out := make([]byte, 0, len(inner))

	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c == '"' || c < 0x20 {
			return nil, false
		}

		if c != '\\' {
			out = append(out, c)
			continue
		}

		i++
		if i >= len(inner) {
			return nil, false
		}

		switch inner[i] {
		case '"', '\\', '/':
			out = append(out, inner[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(inner) {
				return nil, false
			}

			r, err := strconv.ParseUint(string(inner[i+1:i+5]), 16, 16)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				return nil, false
			}

			out = utf8.AppendRune(out, rune(r))
			i += 4
		default:
			return nil, false
		}
	}

	return string(out), true
}

// jsonInt decodes a JSON integer literal (no fraction, no exponent) that fits in
// bitSize bits.
func jsonInt(data []byte, bitSize int) (int64, bool) {
	digits := data
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}

	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}

	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}

	n, err := strconv.ParseInt(string(data), 10, bitSize)

	return n, err == nil
}

// isJSONNumber reports whether data is a number by JSON's grammar, which is
// narrower than strconv.ParseFloat's ("inf", "0x1p3", ".5" and "1_0" are not).
func isJSONNumber(data []byte) bool {
	i := 0
	if i < len(data) && data[i] == '-' {
		i++
	}

	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return false
	}

	if i < len(data) && data[i] == '.' {
		start := i + 1
		if i = skipDigits(data, start); i == start {
			return false
		}
	}

	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}

		start := i
		if i = skipDigits(data, start); i == start {
			return false
		}
	}

	return i == len(data)
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}

	return i
}

package sjson

import (
	"bytes"
	"encoding/json"
	"sync"
	"unicode/utf8"

	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
)

// maxCachedSchemas bounds the decoded schemas kept; past it the table starts afresh.
const maxCachedSchemas = 4096

// schemaCache holds decoded document schemas by their JSON text. Documents of one
// collection share a handful of shapes, so the same few schemas are decoded with
// reflection for every document read: most of the cost of reading a document. A
// decoded schema is only ever read, so one copy serves every reader.
var schemaCache = struct {
	sync.RWMutex
	byText map[string]*schema
}{byText: make(map[string]*schema)}

// cachedSchema decodes a document's `$s` schema as Unmarshal did, once per text.
func cachedSchema(jsch []byte) (*schema, error) {
	schemaCache.RLock()
	sch, ok := schemaCache.byText[string(jsch)]
	schemaCache.RUnlock()

	if ok {
		return sch, nil
	}

	sch = new(schema)
	r := bytes.NewReader(jsch)
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()

	if err := dec.Decode(sch); err != nil {
		return nil, lazyerrors.Error(err)
	}

	if err := checkConsumed(dec, r); err != nil {
		return nil, lazyerrors.Error(err)
	}

	schemaCache.Lock()
	if len(schemaCache.byText) >= maxCachedSchemas {
		schemaCache.byText = make(map[string]*schema)
	}
	schemaCache.byText[string(jsch)] = sch
	schemaCache.Unlock()

	return sch, nil
}

// plainString returns the value of a JSON string literal that has no escapes and is
// valid UTF-8, which decodes to its bytes between the quotes exactly as
// encoding/json would decode it; ok is false for anything else.
func plainString(data []byte) (s string, ok bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}

	inner := data[1 : len(data)-1]
	for _, c := range inner {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}

	if !utf8.Valid(inner) {
		return "", false
	}

	return string(inner), true
}

// topLevelFields splits a JSON object into its members' raw values, as decoding it into
// map[string]json.RawMessage does (the last of repeated keys wins), without the
// reflection and copies of encoding/json: each value is checked by its own decoder
// afterwards. ok is false for any text it does not read plainly (a key with an
// escape, a malformed object), which the caller then decodes as before.
func topLevelFields(data []byte) (map[string]json.RawMessage, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}

	fields := make(map[string]json.RawMessage, 16)

	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return fields, skipSpace(data, i+1) == len(data)
	}

	for i < len(data) {
		keyEnd := skipString(data, i)
		if keyEnd < 0 {
			return nil, false
		}

		key, ok := plainString(data[i:keyEnd])
		if !ok {
			return nil, false
		}

		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}

		start := skipSpace(data, i+1)

		end := skipValue(data, start)
		if end < 0 {
			return nil, false
		}

		fields[key] = json.RawMessage(data[start:end])

		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, false
		}

		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return fields, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}

	return nil, false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}

	return i
}

// skipString returns the index after the string literal at i, or -1.
func skipString(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}

	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}

	return -1
}

// skipValue returns the index after the JSON value at i, or -1; a literal or number
// ends where the next separator starts (its own decoder checks it).
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}

	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0

		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				if i < 0 {
					return -1
				}

				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}

		return -1
	default:
		start := i
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if i == start {
					return -1
				}

				return i
			}
			i++
		}

		return -1
	}
}

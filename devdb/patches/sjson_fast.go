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

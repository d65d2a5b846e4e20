package backends

import "time"

// OrderedRange asks for the first documents of a date range in the order of a field: a
// `find` whose filter is exactly `{field: {$lte|$lt: date}}`, sorted by the field (then
// `_id`), with a limit. A backend may answer it with any superset of the documents that
// can be among the first Limit matches; the handler filters, sorts and limits again.
type OrderedRange struct {
	Field     string
	Upper     time.Time
	Inclusive bool
	Limit     int64
}

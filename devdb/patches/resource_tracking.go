package resource

// trackingEnabled turns FerretDB's resource tracking off. Track recorded every
// iterator in a pprof profile with its creation stack (a stack walk per query and
// per document source) and set a finalizer that panics when one is never closed:
// a leak detector for FerretDB's own tests, measured at about an eighth of the
// server's CPU time under the delivery worker's load. Iterators are still closed
// by their owners; only the bookkeeping about them is gone.
const trackingEnabled = false

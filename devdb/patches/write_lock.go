package handler

import (
	"context"
	"sync"

	"github.com/FerretDB/wire"
)

// collectionWrites are the commands that write one collection, named by the
// command's value: every write to a collection reads it and then writes it, so
// each takes that collection's lock for its whole run.
var collectionWrites = []string{
	"compact",
	"create",
	"createIndexes",
	"delete",
	"drop",
	"dropIndexes",
	"findAndModify",
	"findandmodify",
	"insert",
	"update",
}

// databaseWrites are the commands that write every collection of a database.
var databaseWrites = []string{
	"dropDatabase",
}

// serializeWrites makes every write to a collection run alone against other
// writes to the same collection, from any client, so that a write's
// read-modify-write of a document is atomic: SQLite serialises writers anyway,
// but FerretDB reads a document, changes it in memory and writes it back, and two
// writers interleaved there lost one write. Reads take no lock; they see each
// write's SQLite transaction whole or not at all.
func serializeWrites(commands map[string]*command) {
	locks := &writeLocks{databases: map[string]*databaseLock{}}

	for _, name := range collectionWrites {
		if cmd := commands[name]; cmd != nil {
			cmd.Handler = locks.wrap(cmd.Handler, false)
		}
	}

	for _, name := range databaseWrites {
		if cmd := commands[name]; cmd != nil {
			cmd.Handler = locks.wrap(cmd.Handler, true)
		}
	}

	if cmd := commands["renameCollection"]; cmd != nil {
		cmd.Handler = locks.wrapRename(cmd.Handler)
	}
}

// writeLocks holds a lock per database with a write in progress, and in it one
// per collection; entries are removed when their last holder lets go.
type writeLocks struct {
	mu        sync.Mutex
	databases map[string]*databaseLock
}

// databaseLock is held shared by collection writes, exclusively by database writes.
type databaseLock struct {
	sync.RWMutex
	holders     int
	collections map[string]*collectionLock
}

type collectionLock struct {
	sync.Mutex
	holders int
}

// wrap runs handler under the lock its command's namespace names; a command
// whose namespace cannot be read runs unlocked and reports its own error.
func (l *writeLocks) wrap(handler func(context.Context, *wire.OpMsg) (*wire.OpMsg, error), wholeDatabase bool) func(context.Context, *wire.OpMsg) (*wire.OpMsg, error) { //nolint:lll // for readability
	return func(ctx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
		dbName, collection, ok := writeNamespace(msg)
		if !ok {
			return handler(ctx, msg)
		}

		var unlock func()
		if wholeDatabase {
			unlock = l.lockDatabase(dbName)
		} else {
			unlock = l.lockCollection(dbName, collection)
		}

		defer unlock()

		return handler(ctx, msg)
	}
}

// wrapRename takes both databases of a rename exclusively, in a fixed order.
func (l *writeLocks) wrapRename(handler func(context.Context, *wire.OpMsg) (*wire.OpMsg, error)) func(context.Context, *wire.OpMsg) (*wire.OpMsg, error) { //nolint:lll // for readability
	return func(ctx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
		raw := msg.RawSection0()
		if raw == nil {
			return handler(ctx, msg)
		}

		doc, err := raw.Decode()
		if err != nil {
			return handler(ctx, msg)
		}

		from, _ := doc.Get("renameCollection").(string)
		to, _ := doc.Get("to").(string)
		names := []string{databaseOf(from), databaseOf(to)}

		if names[1] < names[0] {
			names[0], names[1] = names[1], names[0]
		}

		defer l.lockDatabase(names[0])()

		if names[1] != names[0] {
			defer l.lockDatabase(names[1])()
		}

		return handler(ctx, msg)
	}
}

func databaseOf(ns string) string {
	for i := 0; i < len(ns); i++ {
		if ns[i] == '.' {
			return ns[:i]
		}
	}

	return ns
}

// writeNamespace reads the database and collection a command names, from its body only
// (the documents it carries, which may be many, are not decoded here).
func writeNamespace(msg *wire.OpMsg) (string, string, bool) {
	raw := msg.RawSection0()
	if raw == nil {
		return "", "", false
	}

	doc, err := raw.Decode()
	if err != nil {
		return "", "", false
	}

	collection, ok := doc.Get(doc.Command()).(string)
	if !ok {
		return "", "", false
	}

	dbName, ok := doc.Get("$db").(string)
	if !ok {
		return "", "", false
	}

	return dbName, collection, true
}

func (l *writeLocks) lockCollection(dbName, collection string) func() {
	l.mu.Lock()
	db := l.database(dbName)
	c := db.collections[collection]

	if c == nil {
		c = new(collectionLock)
		db.collections[collection] = c
	}

	c.holders++
	l.mu.Unlock()

	db.RLock()
	c.Lock()

	return func() {
		c.Unlock()
		db.RUnlock()

		l.mu.Lock()
		defer l.mu.Unlock()

		if c.holders--; c.holders == 0 {
			delete(db.collections, collection)
		}

		l.release(dbName, db)
	}
}

func (l *writeLocks) lockDatabase(dbName string) func() {
	l.mu.Lock()
	db := l.database(dbName)
	l.mu.Unlock()

	db.Lock()

	return func() {
		db.Unlock()

		l.mu.Lock()
		defer l.mu.Unlock()

		l.release(dbName, db)
	}
}

// database returns the named database's lock with one more holder; l.mu is held.
func (l *writeLocks) database(name string) *databaseLock {
	db := l.databases[name]
	if db == nil {
		db = &databaseLock{collections: map[string]*collectionLock{}}
		l.databases[name] = db
	}

	db.holders++

	return db
}

// release drops one holder of a database's lock; l.mu is held.
func (l *writeLocks) release(name string, db *databaseLock) {
	if db.holders--; db.holders == 0 {
		delete(l.databases, name)
	}
}

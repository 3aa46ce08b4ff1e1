package handlers

import (
	"context"
	"runtime"
	"sync"
)

// walkCacheSize bounds the entries of a walkCache. The largest entry, a pair
// of trained models, takes a few hundred bytes, so the cache stays far below
// a megabyte.
const walkCacheSize = 512

// walkCache memoises the expensive results of the walkthrough: trained models
// per (run, step), sweep cells per (data, protocol, α, γ) and the early
// training curves. Every value is a pure function of its key, so a cached
// value is the one a fresh computation would give. Identical requests share
// one computation. Computations kept for later (the sweep) and those that a
// request waits for take slots from two pools of GOMAXPROCS each, so that a
// sweep of dozens of models does not delay a page. Its zero value is ready
// to use.
type walkCache struct {
	mu        sync.Mutex
	entries   []*walkEntry // most recently used first
	slots     chan struct{}
	keepSlots chan struct{}
}

// walkEntry is one memoised value. done is closed once value is set.
type walkEntry struct {
	key   string
	done  chan struct{}
	value any
	// waiters counts the requests waiting for the value. A computation that
	// gets a slot after every waiter left is skipped, unless keep is set.
	waiters int
	keep    bool
}

// walkMemo returns the value of key from the cache, computing it with compute
// if needed. The computation runs on its own goroutine once a slot is free.
// When a request gives up because ctx ends, a computation that has started
// finishes and is cached. One that waits for a slot is dropped when no
// request waits for it any more, unless keep is true. keep is for
// prefetching a value that no request needs yet.
func walkMemo[T any](ctx context.Context, w *walkCache, key string, keep bool, compute func() T) (T, error) {
	w.mu.Lock()
	if w.slots == nil {
		w.slots = make(chan struct{}, runtime.GOMAXPROCS(0))
		w.keepSlots = make(chan struct{}, runtime.GOMAXPROCS(0))
	}
	var e *walkEntry
	for i, c := range w.entries {
		if c.key == key {
			e = c
			copy(w.entries[1:i+1], w.entries[:i])
			w.entries[0] = e
			break
		}
	}
	if e == nil {
		e = &walkEntry{key: key, done: make(chan struct{})}
		w.entries = append([]*walkEntry{e}, w.entries...)
		if len(w.entries) > walkCacheSize {
			w.entries = w.entries[:walkCacheSize]
		}
		slots := w.slots
		if keep {
			slots = w.keepSlots
		}
		go w.compute(e, slots, func() any { return compute() })
	}
	e.keep = e.keep || keep
	e.waiters++
	w.mu.Unlock()

	var zero T
	select {
	case <-e.done:
		w.mu.Lock()
		e.waiters--
		w.mu.Unlock()
		v, ok := e.value.(T)
		if !ok {
			// Only a dropped computation leaves no value, and it is dropped
			// only when no request waits, so this is a safeguard.
			return zero, context.Canceled
		}
		return v, nil
	case <-ctx.Done():
		w.mu.Lock()
		e.waiters--
		w.mu.Unlock()
		return zero, ctx.Err()
	}
}

// walkPeek returns the cached value of key if it is complete.
func walkPeek[T any](w *walkCache, key string) (T, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var zero T
	for _, e := range w.entries {
		if e.key != key {
			continue
		}
		select {
		case <-e.done:
			if v, ok := e.value.(T); ok {
				return v, true
			}
		default:
		}
		return zero, false
	}
	return zero, false
}

// compute waits for a slot and fills e, unless every waiter left and keep is
// unset, in which case e is removed and its waiters (none, or late joiners)
// are released with no value.
func (w *walkCache) compute(e *walkEntry, slots chan struct{}, compute func() any) {
	slots <- struct{}{}
	defer func() { <-slots }()

	w.mu.Lock()
	if e.waiters == 0 && !e.keep {
		for i, c := range w.entries {
			if c == e {
				w.entries = append(w.entries[:i], w.entries[i+1:]...)
				break
			}
		}
		w.mu.Unlock()
		close(e.done)
		return
	}
	w.mu.Unlock()

	v := compute()
	w.mu.Lock()
	e.value = v
	w.mu.Unlock()
	close(e.done)
}

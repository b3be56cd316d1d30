package hunt

import (
	"math/bits"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
)

// A responder often holds the same days in two exports (mamori simulate
// --shape records,loganalytics writes them so): every record is read
// twice, and LOGS READ said twice the events that happened. The engine
// counts each record's hits once, by what all its exports write alike
// (event.RecordKey); the hunt now counts the records read by the same
// key, to say how many were read again.
//
// Counting every key of a 10 GB hunt would hold hundreds of megabytes, so
// each worker keeps a sample of them per kind (distinct sampling): the
// keys whose unit (the key itself, or for a key that holds its time, a
// hash of the time: event.TimeUnit) ends in at least the kind's level of
// zero bits, with how often each was read. A key so kept was kept from
// its first reading, so its count is exact; when the sample is full, the
// level goes up and half the keys go. Below the bound (level 0) every key
// is kept and the repeats are exact; past it, the repeats of the sample,
// scaled by 2^level, estimate them (the sample holds two to four
// thousand keys a worker), and
// an input without repeats still counts none. A record whose key holds
// its time is first asked whether its time is in the sample (its reader
// asks too, event.KeyLevels): past the bound, most records make no key.

// maxSampled bounds the keys a worker keeps per kind: its table has
// twice as many slots, 128 KiB, made whole with the first key (growing it
// cost more garbage than it spared), and the keys a raise keeps up to
// 64 KiB more. Past it a record's key is made for one record in 2^level:
// a hunt of 64 MB of Activity Log (27,000 records) made every key with a
// bound twice this, 6% of its CPU.
const maxSampled = 1 << 12

// sampled is one worker's sample of one kind's keys.
type sampled struct {
	slots []keySlot // open addressing by the key's top bits; 0 is empty
	n     int       // keys kept
	kept  []keySlot // where a level's raise sets the keys it keeps: no garbage a raise
}

type keySlot struct {
	key   uint64
	count uint32 // readings of the key
	unit  uint8  // trailing zero bits of its unit: the levels it stays in
}

// add notes a reading of key (not 0) whose unit has tz trailing zero
// bits, at *level, which it raises when the sample is full.
func (s *sampled) add(key uint64, tz int, level *int) {
	if tz < *level {
		return
	}
	if s.slots == nil {
		s.slots = make([]keySlot, 2*maxSampled)
	}
	if s.put(keySlot{key, 1, uint8(tz)}) && 2*s.n > len(s.slots) {
		s.grow(level)
	}
}

// put adds a slot's readings and reports whether its key is new.
func (s *sampled) put(k keySlot) bool {
	shift := 64 - bits.Len(uint(len(s.slots)-1))
	mask := len(s.slots) - 1
	// The top bits: a sampled key's low bits may all be zero (its own
	// unit).
	for i := int(k.key >> shift); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		switch sl.key {
		case k.key:
			sl.count += k.count
			return false
		case 0:
			*sl = k
			s.n++
			return true
		}
	}
}

// grow raises the level until the keys kept fit in half of the table,
// in the same table.
func (s *sampled) grow(level *int) {
	for 2*s.n > len(s.slots) {
		*level++
		s.kept = s.kept[:0]
		for _, sl := range s.slots {
			if sl.key != 0 && int(sl.unit) >= *level {
				s.kept = append(s.kept, sl)
			}
		}
		clear(s.slots)
		s.n = 0
		for _, sl := range s.kept {
			s.put(sl)
		}
	}
}

// keyCounts is one worker's samples and levels, per kind, and the
// scratch RecordKey builds keys in. Its readers see the levels
// (source.Options.KeyLevels): they run on the same goroutine.
type keyCounts struct {
	kinds  [event.KindCount]sampled
	levels event.KeyLevels
	buf    []byte
	// hash makes the keys with a store's secret (Config.KeySecret); nil:
	// the hunt's own.
	hash *event.KeyHash
	// reread is Config.Reread (a service's records read again, counted
	// by an earlier hunt); file is the last record's file, again its
	// offset there.
	reread map[string]int64
	file   string
	again  int64
}

// add notes a reading of ev's record.
func (k *keyCounts) add(ev *event.Event) {
	kind := int(ev.Kind)
	if kind >= len(k.kinds) {
		return
	}
	if k.reread != nil {
		if ev.Loc.File != k.file {
			k.file, k.again = ev.Loc.File, k.reread[ev.Loc.File]
		}
		if ev.Loc.Offset < k.again {
			return // read again for a window: counted by the hunt that first read it
		}
	}
	var unit uint64
	if event.KeyHoldsTime(ev) {
		// Most records of a big hunt stop here, no key made.
		if unit = event.TimeUnit(ev.Kind, ev.Time); bits.TrailingZeros64(unit) < k.levels[kind] {
			return
		}
	}
	key := k.hash.RecordKey(ev, &k.buf, &k.levels)
	if key == 0 {
		return
	}
	if unit == 0 {
		unit = key
	}
	k.kinds[kind].add(key, bits.TrailingZeros64(unit), &k.levels[kind])
}

// repeats is, per kind, the events read again (a key's readings after its
// first) that the workers' merged samples give.
func repeats(samples [event.KindCount]coverage.KeySample) [event.KindCount]coverage.Repeats {
	var out [event.KindCount]coverage.Repeats
	for k, s := range samples {
		out[k] = s.Repeats()
	}
	return out
}

// keySamples merges the workers' samples into one per kind, from the keys
// of the highest level any worker reached, which every worker kept from
// their first reading.
func keySamples(slots []readSlot) [event.KindCount]coverage.KeySample {
	var out [event.KindCount]coverage.KeySample
	for k := range out {
		level := 0
		for i := range slots {
			level = max(level, slots[i].keys.levels[k])
		}
		at := map[uint64]int{}
		var keys []coverage.KeyCount
		for i := range slots {
			for _, sl := range slots[i].keys.kinds[k].slots {
				if sl.key == 0 || int(sl.unit) < level {
					continue
				}
				if j, ok := at[sl.key]; ok {
					keys[j].Readings += sl.count
					continue
				}
				at[sl.key] = len(keys)
				keys = append(keys, coverage.KeyCount{Key: sl.key, Readings: sl.count, Unit: sl.unit})
			}
		}
		out[k] = coverage.KeySample{Level: level, Keys: keys}
	}
	return out
}

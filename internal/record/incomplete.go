package record

// Incomplete is what a decoder returns, beside its events, for a record it
// read for what it holds when the export lost part of it (a PowerShell
// export cut at ConvertTo-Json's depth): the events are used, and the
// reason, a constant sentence saying what was lost and which export keeps
// it, is told once per file, not as a record that could not be read.
type Incomplete string

func (r Incomplete) Error() string { return string(r) }

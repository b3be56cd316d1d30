package record

// Hint is what the container layer knows about a record before any decoder
// looks at it.
type Hint struct {
	// Format is how the record was framed: "json" for JSON (documents,
	// lines, envelopes), "csv" for a row of a Log Analytics CSV export
	// turned into an object of strings, "auditd" and "sysmon" for the
	// synthetic objects the host text readers build.
	Format string
	// Table is the Log Analytics table named by the export ($table or Type
	// column), when it names one.
	Table string
}

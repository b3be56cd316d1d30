package host

import (
	"errors"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// decodeMDE reads a DeviceProcessEvents row: the columns sit under
// properties in a streaming record and at the top level everywhere else.
// A CSV export gives every column as a string, which the record accessors
// read alike.
func decodeMDE(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	row := v
	if shape == ShapeMDEStreaming {
		if row = sc.Get(v, "properties"); row == nil {
			return out, errors.New("streaming record has no properties")
		}
	}
	action := sc.Str(row, "ActionType")
	if action != "" && !strings.EqualFold(action, "ProcessCreated") {
		return out, nil // not a process creation: nothing to report
	}

	// Timestamp is when the process started; the envelope's time and
	// TimeGenerated are when the record was published or ingested.
	ts := sc.FirstStr(row, "Timestamp", "Timestamp [UTC]", "TimeGenerated", "TimeGenerated [UTC]")
	if ts == "" && shape == ShapeMDEStreaming {
		ts = sc.Str(v, "time")
	}
	t, err := eventTime(ts)
	if err != nil {
		return out, err
	}

	e := newEvent(shape)
	e.Time = t
	e.Operation = "processcreated"
	e.Category = tableProcess
	if shape == ShapeMDEStreaming {
		e.Category = sc.Str(v, "category")
	}
	// Only the streaming record names the Entra tenant. A Log Analytics
	// row's TenantId is the workspace's id (its table reference: "The Log
	// Analytics workspace ID"), which taken for the tenant put a Sentinel
	// export's host alerts in a tenant of their own, apart from the
	// attack's incident; an Advanced Hunting row names none. Such a row
	// is placed as other logs that name no tenant are (by its folder).
	if shape == ShapeMDEStreaming {
		e.Tenant = sc.FirstStr(v, "tenantId", "TenantId")
	}
	e.ResourceID = strings.ToLower(sc.Str(row, "_ResourceId"))
	if dev, rep := sc.Str(row, "DeviceId"), sc.Str(row, "ReportId"); dev != "" && rep != "" {
		e.ID = dev + ":" + rep // ReportId is unique per device only
	}

	p := e.Process
	p.Host = sc.Str(row, "DeviceName")
	p.Image = joinPath(sc.Str(row, "FolderPath"), sc.Str(row, "FileName"))
	p.CommandLine = sc.Str(row, "ProcessCommandLine")
	p.ParentImage = joinPath(sc.Str(row, "InitiatingProcessFolderPath"), sc.Str(row, "InitiatingProcessFileName"))
	p.ParentCommand = sc.Str(row, "InitiatingProcessCommandLine")
	p.PID, _ = sc.Int(row, "ProcessId")
	p.ParentPID, _ = sc.Int(row, "InitiatingProcessId")
	p.SHA256 = strings.ToLower(sc.Str(row, "SHA256"))
	name := sc.Str(row, "AccountName")
	p.User = windowsAccount(sc.Str(row, "AccountDomain"), name)
	// The account is a principal of the tenant when Entra names it (a
	// domain user of a joined machine: its UPN or object id). A machine's
	// own account (root, azureuser, SYSTEM, a local admin) is in every
	// machine: as a principal it would tie every machine's alerts into one
	// incident. It stays the process's user, as auditd's and Sysmon's do.
	id, upn := sc.Str(row, "AccountObjectId"), sc.Str(row, "AccountUpn")
	if id != "" || upn != "" {
		e.Principal = event.Principal{ID: id, UPN: upn, Name: name}
	}
	return append(out, e), nil
}

// joinPath returns the full path of a file from Defender's FolderPath and
// FileName. FolderPath of a process event normally holds the full path
// already; when it is only the folder, the name is joined with the
// folder's own separator.
func joinPath(folder, file string) string {
	switch {
	case folder == "":
		return file
	case file == "" || hasSuffixFold(folder, file):
		return folder
	}
	sep := "/"
	if strings.Contains(folder, `\`) {
		sep = `\`
	}
	return strings.TrimRight(folder, sep) + sep + file
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

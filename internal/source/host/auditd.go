package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// decodeAuditd reads SplitAuditd's object for one audit event. Only an
// execve is a process creation: an event with an EXECVE record, or whose
// SYSCALL record is execve or execveat, and that did not fail
// (success=no). Other events (logins, credential changes, configuration,
// failed execs) decode to nothing. The object is the splitter's own, so
// members are read by their exact names.
func decodeAuditd(v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	sys, args := v.Get("SYSCALL"), v.Get("EXECVE")
	op, isExec := auditExecName(sys)
	if (args == nil && !isExec) || str(sys, "success") == "no" {
		return out, nil
	}
	t, err := auditTime(str(v, "time"))
	if err != nil {
		return out, err
	}

	e := newEvent(ShapeAuditd)
	e.Time = t
	e.Operation = op
	e.Status = str(sys, "success")
	p := e.Process
	p.Host = str(v, "node")
	if p.Host == "" {
		p.Host = str(v, "syslog_host")
	}
	e.ID = str(v, "time") + ":" + str(v, "serial")
	if p.Host != "" {
		e.ID = p.Host + ":" + e.ID // serials restart per host
	}

	p.Image = known(str(sys, "exe"))
	if p.Image == "" {
		p.Image = known(str(v.Get("PATH", "0"), "name"))
	}
	p.CommandLine = auditArgs(args)
	if p.CommandLine == "" {
		p.CommandLine = str(v.Get("PROCTITLE"), "proctitle")
	}
	if p.CommandLine == "" {
		p.CommandLine = known(str(sys, "comm"))
	}
	p.PID, _ = strconv.ParseInt(str(sys, "pid"), 10, 64)
	p.ParentPID, _ = strconv.ParseInt(str(sys, "ppid"), 10, 64)

	// The enriched format names the users; the raw one gives numbers. auid
	// is the login user, who stays the same across su and sudo. Neither is
	// an Azure principal: uid 0 on one machine is not uid 0 on another, so
	// they stay with the process and never link alerts as a principal.
	p.User = firstOf(str(sys, "UID"), str(sys, "uid"))
	if auid := firstOf(str(sys, "AUID"), str(sys, "auid")); auid != "unset" && auid != "4294967295" && auid != "-1" {
		p.LoginUser = auid
	}
	return append(out, e), nil
}

// auditExec is decodeAuditd's test of whether an event is a process
// start, on the records Build writes the event from: it has an EXECVE
// record, or its SYSCALL fields (the first of each name, as the object
// keeps them) name execve or execveat; and success is not "no".
func auditExec(recs []auditRecord) bool {
	var sys auditSyscall
	args := false
	for _, r := range recs {
		switch r.typ {
		case "EXECVE":
			args = true
		case "SYSCALL":
			sys.present = true
			for _, f := range r.fields {
				sys.set(f)
			}
		}
	}
	_, isExec := execName(sys.present, sys.name, sys.arch, sys.syscall)
	return (args || isExec) && sys.success != "no"
}

// auditSyscall is what auditExec reads of an event's SYSCALL records.
type auditSyscall struct {
	present                            bool
	name, arch, syscall, success       string
	hasName, hasArch, hasCall, hasSucc bool
}

// set keeps f when it is the first field of its name.
func (s *auditSyscall) set(f auditField) {
	switch f.key {
	case "SYSCALL":
		keepFirst(&s.name, &s.hasName, f)
	case "arch":
		keepFirst(&s.arch, &s.hasArch, f)
	case "syscall":
		keepFirst(&s.syscall, &s.hasCall, f)
	case "success":
		keepFirst(&s.success, &s.hasSucc, f)
	}
}

// keepFirst sets dst to f's value unless a field set it before.
func keepFirst(dst *string, seen *bool, f auditField) {
	if !*seen {
		*dst, *seen = auditValue("SYSCALL", f), true
	}
}

// execve and execveat by architecture (the audit arch field), for logs
// without the enriched syscall name.
var execSyscalls = map[string][2]string{
	"c000003e": {"59", "322"},  // x86_64
	"c00000b7": {"221", "281"}, // aarch64
	"40000003": {"11", "358"},  // i386
	"40000028": {"11", "387"},  // arm
}

// auditExecName reports whether a SYSCALL record is an execve or execveat,
// and which (the event's operation).
func auditExecName(sys *fastjson.Value) (string, bool) {
	return execName(sys != nil, str(sys, "SYSCALL"), str(sys, "arch"), str(sys, "syscall"))
}

// execName is auditExecName on the SYSCALL fields it reads.
func execName(present bool, name, arch, syscall string) (string, bool) {
	if !present {
		return "execve", false
	}
	if name == "execve" || name == "execveat" {
		return name, true
	}
	nums, ok := execSyscalls[arch]
	if !ok {
		nums = execSyscalls["c000003e"] // the common case on Azure VMs
	}
	switch syscall {
	case nums[0], "execve":
		return "execve", true
	case nums[1], "execveat":
		return "execveat", true
	}
	return "execve", false
}

// auditArgs joins the EXECVE arguments a0…a(argc-1) with spaces, stopping
// at the first one missing.
func auditArgs(args *fastjson.Value) string {
	if args == nil {
		return ""
	}
	argc, err := strconv.Atoi(str(args, "argc"))
	if err != nil || argc < 0 {
		argc = -1 // no usable count: read until an argument is missing
	}
	var b strings.Builder
	for i := 0; argc < 0 || i < argc; i++ {
		a := args.Get("a" + strconv.Itoa(i))
		if a == nil {
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(a.GetStringBytes())
	}
	return b.String()
}

// auditTime reads the SECONDS.FRACTION of msg=audit(…) exactly (a float
// would round the milliseconds).
func auditTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, record.ErrNoTime
	}
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 || len(frac) > 9 {
		return time.Time{}, fmt.Errorf("bad audit time %q", record.Clip(s, 48))
	}
	var ns int64
	if frac != "" {
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return time.Time{}, fmt.Errorf("bad audit time %q", record.Clip(s, 48))
		}
		ns = f * int64(pow10[9-len(frac)])
	}
	return time.Unix(n, ns).UTC(), nil
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// str returns a string member by exact name, copied; "" when absent.
func str(v *fastjson.Value, key string) string {
	if v == nil {
		return ""
	}
	m := v.Get(key)
	if m == nil {
		return ""
	}
	return string(m.GetStringBytes())
}

// known drops auditd's markers of an unknown value.
func known(s string) string {
	if s == "(null)" || s == "?" {
		return ""
	}
	return s
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

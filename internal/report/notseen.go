package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/plural"
)

// WriteNotSeen prints, after the incidents, the kinds of log the rules
// read that the input did not hold, so that no alert for them is not read
// as nothing having happened. It prints nothing when there are none.
func WriteNotSeen(w io.Writer, gaps []coverage.Gap) error {
	return writeNotSeen(w, "NOT SEEN: the input held none of these logs, so the rules that read them could not alert", gaps)
}

// WriteStoreNotSeen is WriteNotSeen for the logs a serve's store has
// never read.
func WriteStoreNotSeen(w io.Writer, gaps []coverage.Gap) error {
	return writeNotSeen(w, "NOT SEEN: the store has read none of these logs, so the rules that read them cannot alert", gaps)
}

func writeNotSeen(w io.Writer, header string, gaps []coverage.Gap) error {
	if len(gaps) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\n" + header + "\n")
	for _, g := range gaps {
		fmt.Fprintf(&b, "  %s: %s", g.Source, GapCounts(g))
		if len(g.Examples) > 0 {
			// Titles come from rule files, the user's too: escaped.
			quoted := make([]string, len(g.Examples))
			for i, t := range g.Examples {
				quoted[i] = `"` + Terminal(t) + `"`
			}
			fmt.Fprintf(&b, "\n    e.g. %s", strings.Join(quoted, ", "))
		}
		fmt.Fprintf(&b, "\n    export: %s\n", g.Export)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteNotSeenByTenant writes, in data of several tenants, the logs each
// tenant's exports lacked while others' held them: the input's NOT SEEN
// cannot say it, since those logs were read.
func WriteNotSeenByTenant(w io.Writer, byTenant []coverage.TenantGaps) error {
	return writeNotSeenByTenant(w, "NOT SEEN FOR SOME TENANTS: other tenants' exports held these logs and theirs did not, so the rules that read them could not alert for them", byTenant)
}

// WriteStoreNotSeenByTenant is WriteNotSeenByTenant for a serve's store.
func WriteStoreNotSeenByTenant(w io.Writer, byTenant []coverage.TenantGaps) error {
	return writeNotSeenByTenant(w, "NOT SEEN FOR SOME TENANTS: the store has read these logs of other tenants and never theirs, so the rules that read them cannot alert for them", byTenant)
}

func writeNotSeenByTenant(w io.Writer, header string, byTenant []coverage.TenantGaps) error {
	if len(byTenant) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\n" + header + "\n")
	for _, t := range byTenant {
		fmt.Fprintf(&b, "  %s\n", tenantGapsLine(t))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TenantGapsInLine names each tenant's gaps on one line, for standard
// error.
func TenantGapsInLine(byTenant []coverage.TenantGaps) string {
	parts := make([]string, len(byTenant))
	for i, t := range byTenant {
		parts[i] = tenantGapsLine(t)
	}
	return strings.Join(parts, "; ")
}

// tenantGapsLine names one tenant's gaps; a tenant id is a record's text:
// escaped.
func tenantGapsLine(t coverage.TenantGaps) string {
	return "tenant " + Terminal(t.Tenant) + ": " + GapsInLine(t.Gaps)
}

// GapCounts says how many rules and correlations a gap leaves idle, as
// "3 rules, 1 correlation".
func GapCounts(g coverage.Gap) string {
	var parts []string
	if len(g.Rules) > 0 {
		parts = append(parts, plural.Count(len(g.Rules), "rule", "rules"))
	}
	if len(g.Correlations) > 0 {
		parts = append(parts, plural.Count(len(g.Correlations), "correlation", "correlations"))
	}
	return strings.Join(parts, ", ")
}

// GapsInLine names the gaps on one line, for standard error: "Entra ID
// sign-in logs (1 rule, 1 correlation), DNS lookups (2 rules)".
func GapsInLine(gaps []coverage.Gap) string {
	parts := make([]string, len(gaps))
	for i, g := range gaps {
		parts[i] = g.Source + " (" + GapCounts(g) + ")"
	}
	return strings.Join(parts, ", ")
}

package htmlreport

import (
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/posture"
)

// Posture is a posture run to show in the report: its findings in the
// order the checks give (what to fix first) and the score per area.
type Posture struct {
	Findings  []posture.Finding
	Scores    []posture.AreaScore
	Tenant    string
	Collected time.Time
}

// postureView is the posture section's data, every string clean()ed.
type postureView struct {
	Tenant, Collected           string
	Failed, NotAssessed, Passed int
	Scores                      []scoreView
	Findings                    []findingView
}

type scoreView struct {
	Area, Text, Class string
}

type findingView struct {
	Check, Title, Status, StatusText, Sev, Scope, ScopeID, Summary, Why, Fix string
	Evidence, Missing                                                        []string
}

// postureStatusText is the word a reader sees for each verdict.
var postureStatusText = map[posture.Status]string{posture.Pass: "pass", posture.Fail: "fail", posture.NotAssessed: "not assessed"}

func postureSection(p *Posture) *postureView {
	if p == nil {
		return nil
	}
	pv := &postureView{Tenant: clean(p.Tenant)}
	if !p.Collected.IsZero() {
		pv.Collected = p.Collected.UTC().Format(time.DateTime) + " UTC"
	}
	for _, s := range p.Scores {
		sv := scoreView{Area: clean(s.Area), Text: "not assessed", Class: "na"}
		if s.Score >= 0 {
			sv.Text = strconv.Itoa(s.Score) + " / 100"
			sv.Class = "fail"
			if s.Score >= 80 {
				sv.Class = "pass"
			}
		}
		pv.Scores = append(pv.Scores, sv)
	}
	for _, f := range p.Findings {
		switch f.Status {
		case posture.Fail:
			pv.Failed++
		case posture.NotAssessed:
			pv.NotAssessed++
		default:
			pv.Passed++
		}
		// The name reads better; the ID is one hover away.
		scope := f.Scope
		if f.ScopeName != "" {
			scope = f.ScopeName
		}
		fv := findingView{Check: clean(f.Check), Title: clean(f.Title), Status: strings.ReplaceAll(string(f.Status), "_", "-"),
			StatusText: postureStatusText[f.Status], Sev: clean(strings.ToLower(f.Severity)), Scope: clean(scope), ScopeID: clean(f.Scope),
			Summary: clean(f.Summary), Why: clean(f.Why), Fix: clean(f.Fix), Missing: cleanAll(f.Missing)}
		for i, e := range f.Evidence {
			if i == maxEvidence {
				fv.Evidence = append(fv.Evidence, clean("… and "+strconv.Itoa(len(f.Evidence)-i)+" more"))
				break
			}
			fv.Evidence = append(fv.Evidence, clean(e.Text()))
		}
		pv.Findings = append(pv.Findings, fv)
	}
	return pv
}

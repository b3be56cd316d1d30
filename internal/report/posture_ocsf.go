package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/posture"
)

// ocsfComplianceClassUID is OCSF 1.8.0's Compliance Finding class.
const ocsfComplianceClassUID = 2003

// ocsfComplianceStatus maps a check's verdict to compliance.status_id:
// 1 Pass, 3 Fail, and 0 Unknown for not assessed (OCSF has no closer word;
// the caption says what happened).
var ocsfComplianceStatus = map[posture.Status]ocsfSev{
	posture.Pass:        {1, "Pass"},
	posture.Fail:        {3, "Fail"},
	posture.NotAssessed: {0, "Not assessed"},
}

type ocsfComplianceFinding struct {
	ocsfBase
	Message     string            `json:"message,omitempty"`
	Compliance  ocsfCompliance    `json:"compliance"`
	FindingInfo ocsfPostureInfo   `json:"finding_info"`
	Remediation *ocsfRemediation  `json:"remediation,omitempty"`
	Metadata    ocsfMetadata      `json:"metadata"`
	Cloud       ocsfCloud         `json:"cloud"`
	Resources   []ocsfNamed       `json:"resources,omitempty"`
	Unmapped    *ocsfPostureExtra `json:"unmapped,omitempty"`
}

type ocsfCompliance struct {
	Control   string   `json:"control"`
	Standards []string `json:"standards"`
	StatusID  int      `json:"status_id"`
	Status    string   `json:"status"`
}

type ocsfPostureInfo struct {
	UID   string   `json:"uid"`
	Title string   `json:"title"`
	Desc  string   `json:"desc,omitempty"`
	Types []string `json:"types,omitempty"`
}

type ocsfRemediation struct {
	Desc string `json:"desc"`
}

type ocsfPostureExtra struct {
	Evidence []posture.Evidence `json:"evidence,omitempty"`
	Missing  []string           `json:"missing_permissions,omitempty"`
}

// writePostureOCSF writes one OCSF Compliance Finding (class_uid 2003) per
// line. The mapping from posture.Finding:
//
//	compliance.control            Check; standards ["mamori posture"]
//	compliance.status_id, status  pass 1 Pass, fail 3 Fail, not_assessed 0 "Not assessed"
//	finding_info.uid              sha256(Check, Scope), stable across runs
//	finding_info.title, desc      Title, Why; types ["posture.<Area>"]
//	message                       Summary
//	remediation.desc              Fix
//	severity_id, severity         Severity (low 2 … critical 5)
//	cloud.account                 the subscription, for a subscription's finding
//	resources                     Scope and ScopeName
//	unmapped                      Evidence and Missing permissions
func writePostureOCSF(w io.Writer, findings []posture.Finding, p ProductInfo, collected time.Time) error {
	at := collected
	if at.IsZero() {
		at = time.Now()
	}
	for i := range findings {
		if err := writeJSONLine(w, toOCSFCompliance(&findings[i], p, epochMillis(at))); err != nil {
			return err
		}
	}
	return nil
}

func toOCSFCompliance(f *posture.Finding, p ProductInfo, now int64) *ocsfComplianceFinding {
	st := ocsfComplianceStatus[f.Status]
	sev := ocsfSev{99, titleWord(f.Severity)} // Other: a word OCSF does not have
	if s, ok := alert.ParseSeverity(f.Severity); ok {
		sev = ocsfSeverity[s]
	}
	uid := sha256.Sum256([]byte(f.Check + "\x00" + f.Scope))
	o := &ocsfComplianceFinding{
		ocsfBase:   findingBase(ocsfComplianceClassUID, "Compliance Finding", now, sev),
		Message:    f.Summary,
		Compliance: ocsfCompliance{Control: f.Check, Standards: []string{"mamori posture"}, StatusID: st.id, Status: st.name},
		FindingInfo: ocsfPostureInfo{UID: hex.EncodeToString(uid[:16]), Title: f.Title, Desc: f.Why,
			Types: []string{"posture." + f.Area}},
		Metadata: ocsfMeta(p),
		Cloud:    ocsfCloud{Provider: "Azure"},
	}
	if f.Fix != "" {
		o.Remediation = &ocsfRemediation{Desc: f.Fix}
	}
	if id, ok := strings.CutPrefix(f.Scope, "/subscriptions/"); ok {
		o.Cloud.Account = &ocsfAccount{UID: id, TypeID: ocsfAccountAzSub, Type: "Azure Subscription"}
	}
	if f.Scope != "" {
		o.Resources = []ocsfNamed{{UID: f.Scope, Name: f.ScopeName}}
	}
	if len(f.Evidence) > 0 || len(f.Missing) > 0 {
		o.Unmapped = &ocsfPostureExtra{Evidence: f.Evidence, Missing: f.Missing}
	}
	return o
}

// titleWord capitalises a severity word as OCSF captions are written.
func titleWord(s string) string {
	if s == "" {
		return "Unknown"
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

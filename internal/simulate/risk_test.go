package simulate

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// riskFolders are the folders of ID Protection's exports (risk.go).
var riskFolders = []string{"insights-logs-userriskevents", "insights-logs-serviceprincipalriskevents"}

// isRiskFile says whether a written file (a path tree returns) is one of
// the detections' exports.
func isRiskFile(p string) bool {
	p = filepath.ToSlash(p)
	return slices.ContainsFunc(riskFolders, func(f string) bool { return strings.HasPrefix(p, f+"/") })
}

// TestRiskDetectionsLeaveEveryOtherFileAsItWas: the detections draw from
// their own stream and are written after everything else, so every other
// file of a seed is byte for byte what the simulator wrote before them,
// whatever the size, shapes, host log or compression. (Turned off, the
// simulator writes what it wrote before them: the hooks that note the
// sign-ins only read their rows. When they were added, the files of six
// tenants were also compared with those of the binary built before.)
func TestRiskDetectionsLeaveEveryOtherFileAsItWas(t *testing.T) {
	t.Parallel()
	risk := 0
	for _, opt := range []Options{
		{Seed: 1, Days: testDays, Scenarios: Scenarios()},
		{Seed: 2, Days: testDays, Size: "medium", SignInShape: ShapeRecords, Shape: "records,loganalytics", Gzip: true,
			Scenarios: []string{"gpu-scaleset-chain", "ml-batch-aci-fanout", "data-scientist-takeover-twin"}},
		{Seed: 3, Days: 6},
		{Seed: 4, Days: 30, HostLog: LogMDE, MachineOS: OSWindows, Scenarios: []string{"slow-attack", "data-scientist-takeover", "subscription-moved"}},
	} {
		with, _ := write(t, opt)
		opt.noRiskDetections = true
		without, _ := write(t, opt)
		a, b := tree(t, with), tree(t, without)
		for name := range a {
			if isRiskFile(name) {
				risk++
				delete(a, name)
			}
		}
		if len(a) != len(b) {
			t.Errorf("seed %d: %d other files with risk detections, %d without", opt.Seed, len(a), len(b))
		}
		for name, body := range b {
			if isRiskFile(name) {
				t.Errorf("seed %d: %s written with risk detections turned off", opt.Seed, name)
			}
			if name == "truth.json" {
				body, a[name] = withoutRiskRules(t, body), withoutRiskRules(t, a[name])
			}
			if !bytes.Equal(body, a[name]) {
				t.Errorf("seed %d: %s differs once risk detections are written", opt.Seed, name)
			}
		}
	}
	if risk == 0 {
		t.Error("no risk detection written: nothing was compared")
	}
}

// withoutRiskRules is truth.json without the rules on risk detections,
// which only the detections add to the attacks.
func withoutRiskRules(t *testing.T, b []byte) []byte {
	t.Helper()
	var tr Truth
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	drop := func(l []string) []string {
		return slices.DeleteFunc(l, func(r string) bool { return r == ruleRiskDetection || r == ruleRiskThen })
	}
	for i := range tr.Attacks {
		tr.Attacks[i].MustFire, tr.Attacks[i].MustNotFire = drop(tr.Attacks[i].MustFire), drop(tr.Attacks[i].MustNotFire)
	}
	out, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The attacks' truth names what their detections raise: the GPU chain's
// guest, rated high, raises azure.identity.risk_detection, and every
// attack whose risky sign-in pairs with its compute pairs through the
// detection too; its look-alike must leave both quiet.
func TestRiskDetectionsTruth(t *testing.T) {
	t.Parallel()
	_, tr := write(t, Options{Seed: 5, Days: 20, Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin"}})
	for _, a := range tr.Attacks {
		switch {
		case !a.Twin && (!slices.Contains(a.MustFire, ruleRiskDetection) || !slices.Contains(a.MustFire, ruleRiskThen)):
			t.Errorf("%s: must fire %v", a.Scenario, a.MustFire)
		case a.Twin && (!slices.Contains(a.MustNotFire, ruleRiskDetection) || !slices.Contains(a.MustNotFire, ruleRiskThen)):
			t.Errorf("%s: must not fire %v", a.Scenario, a.MustNotFire)
		}
	}
}

func TestSameSeedWritesTheSameRiskDetections(t *testing.T) {
	t.Parallel()
	opt := Options{Seed: 8, Days: 20, Scenarios: []string{"gpu-scaleset-chain", "ml-batch-aci-fanout", "data-scientist-takeover-twin"}}
	a, _ := write(t, opt)
	b, _ := write(t, opt)
	ta, tb := tree(t, a), tree(t, b)
	n := 0
	for name, body := range ta {
		if !isRiskFile(name) {
			continue
		}
		n++
		if !bytes.Equal(body, tb[name]) {
			t.Errorf("same seed wrote different bytes in %s", name)
		}
	}
	for name := range tb {
		if _, ok := ta[name]; isRiskFile(name) && !ok {
			t.Errorf("%s written the second time only", name)
		}
	}
	if n == 0 {
		t.Fatal("no risk detection written")
	}
}

// riskRecord as a test reads it back: only what the checks need.
type readRisk struct {
	Time, Category, OperationName, TenantID, CorrelationID, Identity string
	CallerIPAddress, Location                                        *string
	Properties                                                       struct {
		ID, RiskType, RiskEventType, RiskState, RiskLevel, RiskDetail, Source string
		DetectionTimingType, Activity                                         string
		RequestID, CorrelationID, IPAddress                                   *string
		Location                                                              *struct{ CountryOrRegion string }
		ActivityDateTime, DetectedDateTime, LastUpdatedDateTime               time.Time
		UserID, UserPrincipalName, ServicePrincipalID, AppID                  string
		KeyIDs                                                                []string
		AdditionalInfo, TokenIssuerType                                       string
	}
	file string
}

// who are the ids a detection names, lower case.
func (r readRisk) who() []string {
	p := r.Properties
	return slices.DeleteFunc([]string{strings.ToLower(p.UserID), strings.ToLower(p.UserPrincipalName), strings.ToLower(p.ServicePrincipalID), strings.ToLower(p.AppID)},
		func(s string) bool { return s == "" })
}

// readRisks reads every detection under dir.
func readRisks(t *testing.T, dir string) []readRisk {
	t.Helper()
	var out []readRisk
	for _, f := range riskFolders {
		err := filepath.WalkDir(filepath.Join(dir, f), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
				var r readRisk
				if err := json.Unmarshal(line, &r); err != nil {
					t.Errorf("%s:%d: %v", rel, i+1, err)
					continue
				}
				r.file = filepath.ToSlash(rel)
				out = append(out, r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// signInRow is a sign-in row of the Log Analytics export, what the checks need.
type signInRow struct {
	Id, IPAddress, UserId, ServicePrincipalId, RiskLevelDuringSignIn string
	UserPrincipalName, ServicePrincipalName                          string
	TimeGenerated                                                    time.Time
}

// readSignIns reads the sign-in rows under dir (SignInShape loganalytics) by id.
func readSignIns(t *testing.T, dir string) map[string]signInRow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "signins", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sign-in export (%v)", err)
	}
	out := map[string]signInRow{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rows []signInRow
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range rows {
			out[r.Id] = r
		}
	}
	return out
}

// Values Graph documents for a riskDetection's and a
// servicePrincipalRiskDetection's fields (the ones this tenant can have).
var (
	userRiskEvents = []string{"unlikelyTravel", "anonymizedIPAddress", "maliciousIPAddress", "unfamiliarFeatures", "leakedCredentials",
		"investigationsThreatIntelligence", "generic", "adminConfirmedUserCompromised", "passwordSpray", "impossibleTravel",
		"newCountry", "anomalousToken", "tokenIssuerAnomaly", "suspiciousBrowser", "suspiciousInboxForwarding", "anomalousUserActivity"}
	spRiskEvents = []string{"suspiciousSignins", "investigationsThreatIntelligence", "leakedCredentials",
		"adminConfirmedServicePrincipalCompromised", "anomalousServicePrincipalActivity", "suspiciousAPITraffic"}
	riskStates  = []string{"none", "confirmedSafe", "remediated", "dismissed", "atRisk", "confirmedCompromised"}
	riskLevels  = []string{"low", "medium", "high"}
	riskDetails = []string{"none", "adminGeneratedTemporaryPassword", "userPerformedSecuredPasswordChange", "userPerformedSecuredPasswordReset",
		"adminConfirmedSigninSafe", "aiConfirmedSigninSafe", "userPassedMFADrivenByRiskBasedPolicy", "adminDismissedAllRiskForUser",
		"adminConfirmedSigninCompromised", "adminConfirmedUserCompromised", "adminConfirmedServicePrincipalCompromised", "adminDismissedAllRiskForServicePrincipal"}
	hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// TestRiskDetectionsReadAsAzureWritesThem: every record of the two
// exports is in diagnostic settings' shape: its category's folder and
// hour, the envelope's time in the US locale's form, a 64-digit id,
// documented values, times in order, and a sign-in's detection from the
// sign-in's address, about its user.
func TestRiskDetectionsReadAsAzureWritesThem(t *testing.T) {
	t.Parallel()
	dir, truth := write(t, Options{Seed: 6, Days: 30, Scenarios: Scenarios()})
	signIns := readSignIns(t, dir)
	risks := readRisks(t, dir)
	if len(risks) == 0 {
		t.Fatal("no risk detection written")
	}
	kinds := map[string]int{}
	byID := map[string][]readRisk{}
	for _, r := range risks {
		p := r.Properties
		byID[p.ID] = append(byID[p.ID], r)
		kinds[r.Category+" "+p.Activity+" "+p.DetectionTimingType+" "+p.RiskState]++
		bad := func(format string, args ...any) {
			t.Helper()
			t.Errorf("%s: detection %.8s: "+format, append([]any{r.file, p.ID}, args...)...)
		}
		folder, events, op := "insights-logs-userriskevents", userRiskEvents, "User Risk Detection"
		if r.Category == "ServicePrincipalRiskEvents" {
			folder, events, op = "insights-logs-serviceprincipalriskevents", spRiskEvents, "Service Principal Risk Detection"
		} else if r.Category != "UserRiskEvents" {
			bad("category %q", r.Category)
		}
		at, err := time.Parse("1/2/2006 3:04:05 PM", r.Time)
		if err != nil {
			bad("time %q is not in the US locale's form: %v", r.Time, err)
		}
		if !at.Equal(p.LastUpdatedDateTime.Truncate(time.Second)) {
			bad("written at %s, last updated at %s", r.Time, p.LastUpdatedDateTime)
		}
		if want := folder + "/tenantId=" + truth.Tenant + "/" + hourPath(at) + "/PT1H.json"; r.file != want {
			bad("in %s, want %s", r.file, want)
		}
		if r.OperationName != op || r.TenantID != truth.Tenant || r.CorrelationID != p.ID || p.Source != "IdentityProtection" || p.TokenIssuerType != "AzureAD" {
			bad("envelope %s/%s/%s, source %s, issuer %s", r.OperationName, r.TenantID, r.CorrelationID, p.Source, p.TokenIssuerType)
		}
		if !hex64.MatchString(p.ID) {
			bad("id %q is not 64 lower-case hex digits", p.ID)
		}
		if !slices.Contains(events, p.RiskEventType) || !slices.Contains(riskStates, p.RiskState) || !slices.Contains(riskLevels, p.RiskLevel) || !slices.Contains(riskDetails, p.RiskDetail) {
			bad("event type %q, state %q, level %q, detail %q: not documented values", p.RiskEventType, p.RiskState, p.RiskLevel, p.RiskDetail)
		}
		if (p.RiskState == "atRisk") != (p.RiskDetail == "none") {
			bad("state %s with detail %s", p.RiskState, p.RiskDetail)
		}
		if p.DetectionTimingType != "realtime" && p.DetectionTimingType != "offline" {
			bad("timing %q", p.DetectionTimingType)
		}
		if p.ActivityDateTime.IsZero() || p.DetectedDateTime.Before(p.ActivityDateTime) || p.LastUpdatedDateTime.Before(p.DetectedDateTime) {
			bad("activity %s, detected %s, updated %s: out of order", p.ActivityDateTime, p.DetectedDateTime, p.LastUpdatedDateTime)
		}
		if late := p.DetectedDateTime.Sub(p.ActivityDateTime); (p.DetectionTimingType == "realtime") != (late < time.Minute) {
			bad("%s detection %s after its activity", p.DetectionTimingType, late)
		}
		var info []struct{ Key, Value string }
		if err := json.Unmarshal([]byte(p.AdditionalInfo), &info); err != nil {
			bad("additionalInfo %q is not a JSON array of pairs: %v", p.AdditionalInfo, err)
		}
		switch p.Activity {
		case "signin", "servicePrincipal":
			if p.RequestID == nil || p.CorrelationID == nil || p.IPAddress == nil || p.Location == nil || r.CallerIPAddress == nil {
				bad("a sign-in's detection without its request, correlation, address or location")
				continue
			}
			s, ok := signIns[*p.RequestID]
			if !ok {
				bad("request %s is no sign-in of the export", *p.RequestID)
				continue
			}
			if s.IPAddress != *p.IPAddress || *r.CallerIPAddress != s.IPAddress {
				bad("from %s, the sign-in it mirrors from %s", *p.IPAddress, s.IPAddress)
			}
			if !s.TimeGenerated.Equal(p.ActivityDateTime) {
				bad("activity at %s, the sign-in at %s", p.ActivityDateTime, s.TimeGenerated)
			}
			if p.Activity == "signin" && (s.UserId != p.UserID || r.Category != "UserRiskEvents" || p.RiskType != p.RiskEventType) {
				bad("about user %s (%s), the sign-in %s's", p.UserID, r.Category, s.UserId)
			}
			if p.Activity == "servicePrincipal" && (s.ServicePrincipalId != p.ServicePrincipalID || r.Category != "ServicePrincipalRiskEvents" || len(p.KeyIDs) != 1) {
				bad("about service principal %s (%s, keys %v), the sign-in %s's", p.ServicePrincipalID, r.Category, p.KeyIDs, s.ServicePrincipalId)
			}
		case "user":
			if p.RequestID != nil || p.CorrelationID != nil || p.IPAddress != nil || p.Location != nil || r.CallerIPAddress != nil || p.DetectionTimingType != "offline" {
				bad("a detection about the user names a sign-in's request, address or location, or is not offline")
			}
		default:
			bad("activity %q", p.Activity)
		}
	}
	// A detection resolved later is written again, the same but for its
	// state and when it was updated.
	for id, rs := range byID {
		slices.SortFunc(rs, func(a, b readRisk) int {
			return a.Properties.LastUpdatedDateTime.Compare(b.Properties.LastUpdatedDateTime)
		})
		for i, r := range rs[1:] {
			first, p := rs[0].Properties, r.Properties
			if rs[i].Properties.LastUpdatedDateTime.Equal(p.LastUpdatedDateTime) || first.RiskState != "atRisk" || p.RiskState == "atRisk" ||
				first.ActivityDateTime != p.ActivityDateTime || first.DetectedDateTime != p.DetectedDateTime || first.RiskEventType != p.RiskEventType {
				t.Errorf("detection %.8s: written at %s as %s, then at %s as %s", id, first.LastUpdatedDateTime, first.RiskState, p.LastUpdatedDateTime, p.RiskState)
			}
		}
	}
	// Each kind the tenant has: attacks' realtime and offline detections,
	// the service principal's, and the tenant's own resolved ones.
	for _, k := range []string{
		"UserRiskEvents signin realtime atRisk", "UserRiskEvents signin offline atRisk", "UserRiskEvents signin realtime dismissed",
		"UserRiskEvents signin realtime remediated", "ServicePrincipalRiskEvents servicePrincipal offline atRisk",
	} {
		if kinds[k] == 0 {
			t.Errorf("no %s detection; kinds: %v", k, kinds)
		}
	}
}

// TestAttackDetectionsNameTheAttacksPrincipals: what ID Protection finds
// of an attack (a detection at an address an attack signed in from,
// within its span) names only that attack's principals; every attack
// whose sign-in the log rates risky has detections, the service principal
// attack has its own, and a twin's or the traveller's risky sign-in is
// dismissed, not left at risk.
func TestAttackDetectionsNameTheAttacksPrincipals(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{3, 4} {
		dir, truth := write(t, Options{Seed: seed, Days: 30, Scenarios: Scenarios()})
		owned := truth.Owned()
		isOwned := func(ip string) bool {
			a, err := netip.ParseAddr(ip)
			return err == nil && slices.ContainsFunc(owned, func(p netip.Prefix) bool { return p.Contains(a) })
		}
		within := func(x Attack, at time.Time) bool { return !at.Before(x.Start) && !at.After(x.End) }
		signIns := readSignIns(t, dir)
		// The addresses each attack signed in from, none the tenant's.
		from := map[string][]int{} // address -> attacks
		risky := map[int]bool{}    // attacks with a sign-in rated risky
		for _, s := range signIns {
			for i, x := range truth.Attacks {
				names := []string{strings.ToLower(s.UserId), strings.ToLower(s.ServicePrincipalId)}
				if x.Twin || !within(x, s.TimeGenerated) || isOwned(s.IPAddress) || !slices.ContainsFunc(names, func(n string) bool { return n != "" && slices.Contains(x.Principals, n) }) {
					continue
				}
				from[s.IPAddress] = append(from[s.IPAddress], i)
				if s.RiskLevelDuringSignIn != "" && s.RiskLevelDuringSignIn != "none" {
					risky[i] = true
				}
			}
		}
		found := map[int]int{}
		resolved := map[string]bool{}
		risks := readRisks(t, dir)
		for _, r := range risks {
			if r.Properties.RiskState != "atRisk" {
				resolved[r.Properties.ID] = true
			}
		}
		for _, r := range risks {
			p := r.Properties
			if p.IPAddress == nil {
				continue
			}
			// Attacks may share an address, on days apart: the detection
			// is of the one whose span holds it and that it names.
			var near []string
			of := -1
			for _, i := range from[*p.IPAddress] {
				x := truth.Attacks[i]
				if !within(x, p.ActivityDateTime) {
					continue
				}
				near = append(near, x.Scenario)
				if !slices.ContainsFunc(r.who(), func(w string) bool { return !slices.Contains(x.Principals, w) }) {
					of = i
				}
			}
			if len(near) == 0 {
				continue
			}
			if of < 0 {
				t.Errorf("seed %d: detection %.8s from %s names %v, not all principals of one of %v", seed, p.ID, *p.IPAddress, r.who(), near)
				continue
			}
			x := truth.Attacks[of]
			found[of]++
			if resolved[p.ID] {
				t.Errorf("seed %d, %s: the attack's detection %.8s (%s) was dismissed", seed, x.Scenario, p.ID, p.RiskEventType)
			}
			if x.Scenario == "ml-batch-aci-fanout" && r.Category != "ServicePrincipalRiskEvents" {
				t.Errorf("seed %d: the service principal's attack has a %s detection", seed, r.Category)
			}
		}
		for i := range risky {
			if found[i] == 0 {
				t.Errorf("seed %d, %s: its sign-in is rated risky, and no detection mirrors it", seed, truth.Attacks[i].Scenario)
			}
		}
		for i, x := range truth.Attacks {
			if x.Scenario == "ml-batch-aci-fanout" && found[i] != 1 {
				t.Errorf("seed %d: %d detections of the service principal's attack, want one", seed, found[i])
			}
		}
		// The twins' and the traveller's risky sign-ins are the tenant's
		// people at a hotel: at risk, then dismissed.
		traveller := travellerOf(truth)
		twin := func(r readRisk) bool {
			return slices.ContainsFunc(truth.Attacks, func(x Attack) bool {
				return x.Twin && within(x, r.Properties.ActivityDateTime) && slices.ContainsFunc(r.who(), func(w string) bool { return slices.Contains(x.Principals, w) })
			})
		}
		n := 0
		for _, r := range risks {
			p := r.Properties
			if p.IPAddress == nil || isOwned(*p.IPAddress) || !slices.Contains(r.who(), traveller) && !twin(r) {
				continue
			}
			n++
			// (One found in the export's last days may be dismissed after it.)
			if !resolved[p.ID] && p.LastUpdatedDateTime.Before(time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("seed %d: %s's detection %.8s from %s stays at risk", seed, p.UserPrincipalName, p.ID, *p.IPAddress)
			}
		}
		if n == 0 {
			t.Errorf("seed %d: no detection of a twin's or the traveller's trip", seed)
		}
	}
}

// The truth's takeover types are the rules' own: each rule on the
// detections that names the list names this one, so that a type added to
// a rule is due in the attacks that raise it.
func TestTakeoverTypesAreTheRules(t *testing.T) {
	t.Parallel()
	n := 0
	for _, f := range []string{"risk_detection.yml", "risk_detection_then_quota_or_compute.yml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "identity", f))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc struct {
				Detection struct {
					Takeover map[string][]string `yaml:"takeover"`
				} `yaml:"detection"`
			}
			if err := dec.Decode(&doc); err != nil {
				break
			}
			if list, ok := doc.Detection.Takeover["risk.event_type"]; ok {
				n++
				if !slices.Equal(list, takeoverTypes) {
					t.Errorf("%s: takeover %v, the simulator's %v", f, list, takeoverTypes)
				}
			}
		}
	}
	if n != 2 {
		t.Errorf("%d takeover lists in the rules, want 2", n)
	}
}

package simulate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Entra ID Protection's risk detections, as diagnostic settings export
// the categories UserRiskEvents and ServicePrincipalRiskEvents to a
// storage account: what the tenant's sign-in log already rates risky, one
// detection per risk event type, and what it does not: an offline
// detection hours after an attacker's sign-in, a leaked service
// principal's secret used from an attacker's address. The tenant's own
// people have theirs too: an unfamiliar sign-in an administrator
// dismisses, one a risk policy remediates with MFA, leaked credentials
// changed, the traveller's trips.
//
// Every value here draws from a stream of its own (gen.rk), and the
// records are written after every other (riskDetections): every other
// file of a seed is byte for byte what it was before them. The sign-ins
// they mirror are noted as they are written (noteSignIn), their ids read
// from the row after the row drew them.

// newRiskRand is the stream the risk detections draw from.
func newRiskRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7269736b)) }

// mirror is a sign-in a detection may mirror: what it was, the ids its
// row drew, and the injection that wrote it (-1: the benign history).
type mirror struct {
	at       time.Time
	s        signin
	id, corr string
	inject   int
}

// spMirror is a service principal's sign-in written by an injection.
type spMirror struct {
	at            time.Time
	a             app
	ip, country   string
	id, corr, key string
	inject        int
}

// Benign detections of the tenant's people (lifeRisk.kind).
const (
	lifeDismissed  = iota // an unfamiliar sign-in, low, an administrator dismisses it
	lifeRemediated        // the risk policy asks for MFA and the user passes it
	lifeLeaked            // credentials found leaked, the password changed the next working day
)

// lifeRisk is one benign detection chosen on its day.
type lifeRisk struct {
	kind int
	m    mirror // the sign-in (lifeLeaked: a sign-in of the day, for its day, and the user drawn)
}

// Risk details of the detections this tenant resolves.
const (
	adminDismissed  = "adminDismissedAllRiskForUser"
	mfaRemediated   = "userPassedMFADrivenByRiskBasedPolicy"
	passwordChanged = "userPerformedSecuredPasswordChange"
)

// noteSignIn notes a sign-in just written: one ID Protection rated
// risky, or an ordinary one of the benign history a detection of the
// day may mirror.
func (g *gen) noteSignIn(at time.Time, s signin, row map[string]any) {
	m := mirror{at: at, s: s, id: row["Id"].(string), corr: row["CorrelationId"].(string), inject: -1}
	if g.track {
		m.inject = g.cur
	}
	switch {
	case s.Risk != "" && s.Risk != "none":
		g.risky = append(g.risky, m)
	case !g.track && s.Fail == 0 && s.MFA:
		g.today = append(g.today, m)
	}
}

// noteSPSignIn notes a service principal's sign-in an injection wrote.
func (g *gen) noteSPSignIn(at time.Time, a app, ip, country string, row map[string]any) {
	if g.track {
		g.spIn = append(g.spIn, spMirror{at: at, a: a, ip: ip, country: country,
			id: row["Id"].(string), corr: row["CorrelationId"].(string), key: row["ServicePrincipalCredentialKeyId"].(string), inject: g.cur})
	}
}

// benignRiskDay chooses, at the end of a day of the benign history, its
// detections among the day's ordinary sign-ins: one in seven days per
// 40 people, a handful a week in a medium tenant. Only the day's sign-ins
// are kept meanwhile, whatever the tenant's size.
func (g *gen) benignRiskDay() {
	today := g.today
	g.today = g.today[:0]
	if g.opt.noRiskDetections || len(today) == 0 {
		return
	}
	for range g.scale {
		if g.rk.IntN(7) != 0 {
			continue
		}
		switch k := g.rk.IntN(10); {
		case k == 0:
			m := pick(g.rk, today)
			p := pick(g.rk, g.t.People)
			m.s = signin{UPN: p.UPN, OID: p.OID}
			g.life = append(g.life, lifeRisk{kind: lifeLeaked, m: m})
		case k < 4:
			// The tenant's sign-in risk policy (MFA from medium risk up)
			// covers the ops team alone: everyone else's detections stay
			// at risk until an administrator dismisses them, as the
			// attacks' and the traveller's do.
			ops := slices.DeleteFunc(slices.Clone(today), func(m mirror) bool { return !g.inOps(m.s.OID) })
			if len(ops) > 0 {
				g.life = append(g.life, lifeRisk{kind: lifeRemediated, m: pick(g.rk, ops)})
			}
		default:
			g.life = append(g.life, lifeRisk{kind: lifeDismissed, m: pick(g.rk, today)})
		}
	}
}

// inOps says whether oid is one of the ops team's.
func (g *gen) inOps(oid string) bool {
	return slices.ContainsFunc(g.t.Ops, func(i int) bool { return g.t.People[i].OID == oid })
}

// riskDetections writes every detection, once the injections are done:
// the benign history's, then one per risk event type of each risky
// sign-in (an attacker's stays at risk; a twin's or the traveller's is
// dismissed), an offline detection for half the attacks, and one of the
// service principal an attack signs in as.
func (g *gen) riskDetections(attacks []Attack) {
	if g.opt.noRiskDetections {
		return
	}
	for _, l := range g.life {
		g.lifeDetection(l)
	}
	offline := map[int]bool{}
	raised := map[int]bool{} // attacks a detection of which azure.identity.risk_detection raises
	for _, m := range g.risky {
		attack := m.inject >= 0 && !attacks[m.inject].Twin
		for _, typ := range riskEventTypes(m.s) {
			d := g.signInDetection(m, typ, m.s.Risk, m.s.RiskState, false)
			if g.detect(d) && attack && d.raised() {
				raised[m.inject] = true
			}
			if !attack {
				g.resolve(d, "dismissed", adminDismissed)
			}
		}
		// Hours later the offline models see what the sign-in was: a
		// replayed session's token, or a trip no one makes in hours.
		if attack && !offline[m.inject] {
			offline[m.inject] = true
			if g.rk.IntN(2) == 0 {
				typ := "unlikelyTravel"
				if m.s.MFA {
					typ = "anomalousToken"
				}
				if d := g.signInDetection(m, typ, pick(g.rk, []string{"medium", "high"}), "atRisk", true); g.detect(d) && d.raised() {
					raised[m.inject] = true
				}
			}
		}
	}
	seen := map[int]bool{}
	for _, m := range g.spIn {
		if attacks[m.inject].Twin || seen[m.inject] {
			continue
		}
		seen[m.inject] = true
		if d := g.spDetection(m); g.detect(d) && d.raised() {
			raised[m.inject] = true
		}
	}
	riskTruth(attacks, raised)
}

// Rules on the detections, as truth.json names them.
const (
	ruleRiskDetection   = "azure.identity.risk_detection"
	ruleRiskThen        = "azure.identity.risk_detection_then_quota_or_compute"
	ruleRiskySignInThen = "azure.signin.risky_then_quota_or_compute"
)

// takeoverTypes are the detections azure.identity.risk_detection raises
// whatever their level: the account's secret or token is out. The rules'
// list, copied (TestTakeoverTypesAreTheRules keeps the two equal): the
// truth is the simulator's own, not read from what it measures.
var takeoverTypes = []string{"leakedCredentials", "anomalousToken", "tokenIssuerAnomaly", "attackerinTheMiddle", "passwordSpray",
	"maliciousIPAddress", "investigationsThreatIntelligence", "suspiciousAPITraffic",
	"adminConfirmedUserCompromised", "adminConfirmedServicePrincipalCompromised"}

// raised says whether azure.identity.risk_detection raises an open
// detection d: high, or of a takeover type.
func (d detection) raised() bool {
	return d.state == "atRisk" && (d.level == "high" || slices.Contains(takeoverTypes, d.event))
}

// riskTruth adds to each attack what its detections make the rules do.
// An attack whose risky sign-in is paired with its compute
// (risky_then_quota_or_compute) is paired through the detection that
// mirrors the sign-in too, at its level; a look-alike the sign-in's
// pairing must leave quiet, the detection's must too, and its dismissed
// medium detections raise nothing alone.
func riskTruth(attacks []Attack, raised map[int]bool) {
	for i := range attacks {
		a := &attacks[i]
		if raised[i] {
			a.MustFire = append(a.MustFire, ruleRiskDetection)
		}
		if slices.Contains(a.MustFire, ruleRiskySignInThen) {
			a.MustFire = append(a.MustFire, ruleRiskThen)
		}
		if slices.Contains(a.MustNotFire, ruleRiskySignInThen) {
			a.MustNotFire = append(a.MustNotFire, ruleRiskThen)
			if a.Twin {
				a.MustNotFire = append(a.MustNotFire, ruleRiskDetection)
			}
		}
	}
}

// riskEventTypes are the risk event types of a risky sign-in's row.
func riskEventTypes(s signin) []string {
	var out []string
	if err := json.Unmarshal([]byte(cmp.Or(s.RiskEvents, attackerRiskEvents)), &out); err != nil {
		panic(err) // built by this package
	}
	return out
}

// detection is one risk detection, of a user or of a service principal
// (sp), as one record of its category writes it.
type detection struct {
	sp                              bool
	id, event, state, level, detail string
	timing, activity                string
	request, corr, ip, country      string // "" for a detection about the user, not a sign-in
	act, detected, updated          time.Time
	oid, name, appID, key, agent    string
}

// signInDetection is a detection of sign-in m: realtime, seconds after
// it, or offline, two to eight hours after.
func (g *gen) signInDetection(m mirror, typ, level, state string, offline bool) detection {
	d := detection{id: g.detectionID(), event: typ, state: state, level: level, detail: "none", timing: "realtime", activity: "signin",
		request: m.id, corr: m.corr, ip: m.s.IP, country: cmp.Or(m.s.Country, "NL"), act: m.at,
		oid: m.s.OID, name: m.s.UPN, agent: userAgent(m.s.AppID)} // the sign-in log's display name, which is the UPN here
	d.detected = m.at.Add(2*time.Second + jitter(g.rk, 20*time.Second))
	if offline {
		d.timing = "offline"
		d.detected = m.at.Add(2*time.Hour + jitter(g.rk, 6*time.Hour))
	}
	d.updated = d.detected.Add(jitter(g.rk, 5*time.Second))
	return d
}

// lifeDetection writes a benign detection of the tenant's people.
func (g *gen) lifeDetection(l lifeRisk) {
	switch l.kind {
	case lifeLeaked:
		// About the user, not a sign-in: found on the day, offline, and
		// the password changed in the working hours after.
		found := l.m.at.Truncate(24 * time.Hour).Add(jitter(g.rk, 24*time.Hour))
		d := detection{id: g.detectionID(), event: "leakedCredentials", state: "atRisk", level: "medium", detail: "none",
			timing: "offline", activity: "user", act: found, oid: l.m.s.OID, name: l.m.s.UPN}
		d.detected = found.Add(time.Hour + jitter(g.rk, 5*time.Hour))
		d.updated = d.detected.Add(jitter(g.rk, 5*time.Second))
		g.detect(d)
		g.resolve(d, "remediated", passwordChanged)
	case lifeRemediated:
		d := g.signInDetection(l.m, "unfamiliarFeatures", "medium", "remediated", false)
		d.detail = mfaRemediated
		g.detect(d)
	default:
		d := g.signInDetection(l.m, "unfamiliarFeatures", "low", "atRisk", false)
		g.detect(d)
		g.resolve(d, "dismissed", adminDismissed)
	}
}

// resolve writes d's update: dismissed or remediated in the working
// hours of the next weekday, at least an hour after it was found.
func (g *gen) resolve(d detection, state, detail string) {
	d.state, d.detail = state, detail
	at := d.updated.Truncate(24 * time.Hour).Add(8*time.Hour + jitter(g.rk, 9*time.Hour))
	for at.Before(d.updated.Add(time.Hour)) || at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
		at = at.AddDate(0, 0, 1)
	}
	d.updated = at
	g.detect(d)
}

// spDetection is the offline detection of service principal sign-in m:
// its secret used from an address Microsoft's threat intelligence knows,
// or sign-ins unlike its own.
func (g *gen) spDetection(m spMirror) detection {
	d := detection{sp: true, id: g.detectionID(), event: pick(g.rk, []string{"suspiciousSignins", "investigationsThreatIntelligence"}),
		state: "atRisk", level: pick(g.rk, []string{"medium", "high"}), detail: "none", timing: "offline", activity: "servicePrincipal",
		request: m.id, corr: m.corr, ip: m.ip, country: m.country, act: m.at,
		oid: m.a.OID, name: m.a.Name, appID: m.a.AppID, key: m.key, agent: spAgent}
	d.detected = m.at.Add(2*time.Hour + jitter(g.rk, 6*time.Hour))
	d.updated = d.detected.Add(jitter(g.rk, 5*time.Second))
	return d
}

// detectionID draws a detection's id: 64 lower-case hex digits.
func (g *gen) detectionID() string {
	return fmt.Sprintf("%016x%016x%016x%016x", g.rk.Uint64(), g.rk.Uint64(), g.rk.Uint64(), g.rk.Uint64())
}

// User agents the detections' additionalInfo names.
const (
	browserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
	cliAgent     = "python-requests/2.32.3" // MSAL for Python, under the Azure CLI
	spAgent      = "azsdk-python-identity/1.19.0 Python/3.11.9 (Linux-6.8.0-1017-azure-x86_64-with-glibc2.39)"
)

func userAgent(appID string) string {
	if appID == appCLI || appID == appPS {
		return cliAgent
	}
	return browserAgent
}

// riskPlace is a detection's location, as ID Protection geolocates its
// address.
type riskPlace struct {
	City    string `json:"city"`
	State   string `json:"state"`
	Country string `json:"countryOrRegion"`
	Geo     geo    `json:"geoCoordinates"`
}

type geo struct {
	Lat float64 `json:"latitude"`
	Lon float64 `json:"longitude"`
}

// places are where the tenant's and its visitors' addresses are, by
// country: the office, the traveller's trips; and Azure's East US region,
// where the attackers' addresses (attackerIPs) are.
var places = map[string]riskPlace{
	"NL":    {"Amsterdam", "Noord-Holland", "NL", geo{52.374, 4.8897}},
	"US":    {"New York", "New York", "US", geo{40.7143, -74.006}},
	"SG":    {"Singapore", "Central Singapore", "SG", geo{1.2897, 103.8501}},
	"JP":    {"Tokyo", "Tokyo", "JP", geo{35.6895, 139.6917}},
	"BR":    {"Sao Paulo", "Sao Paulo", "BR", geo{-23.5475, -46.6361}},
	"ZA":    {"Johannesburg", "Gauteng", "ZA", geo{-26.2023, 28.0436}},
	"azure": {"Boydton", "Virginia", "US", geo{36.6676, -78.3875}},
}

func placeOf(ip, country string) *riskPlace {
	p, ok := places[country]
	if slices.Contains(attackerIPs, ip) {
		p, ok = places["azure"]
	}
	if !ok {
		p = riskPlace{Country: country}
	}
	return &p
}

// riskRecord is a detection's diagnostic record: a struct rather than the
// maps the other records are, so that its keys keep the order of the
// category's sample record rather than the alphabet's.
type riskRecord struct {
	Time             string     `json:"time"`
	ResourceID       string     `json:"resourceId"`
	OperationName    string     `json:"operationName"`
	OperationVersion string     `json:"operationVersion"`
	Category         string     `json:"category"`
	TenantID         string     `json:"tenantId"`
	ResultSignature  string     `json:"resultSignature"`
	DurationMs       int        `json:"durationMs"`
	CallerIPAddress  *string    `json:"callerIpAddress"`
	CorrelationID    string     `json:"correlationId"`
	Identity         string     `json:"identity"`
	Level            int        `json:"Level"`
	Location         *string    `json:"location"`
	Properties       riskObject `json:"properties"`
}

// riskObject is Graph's riskDetection (a user's) or
// servicePrincipalRiskDetection: the fields of the other kind are left
// out.
type riskObject struct {
	ID                  string     `json:"id"`
	RequestID           *string    `json:"requestId"`
	CorrelationID       *string    `json:"correlationId"`
	RiskType            string     `json:"riskType,omitempty"` // the deprecated name, users' only
	RiskEventType       string     `json:"riskEventType"`
	RiskState           string     `json:"riskState"`
	RiskLevel           string     `json:"riskLevel"`
	RiskDetail          string     `json:"riskDetail"`
	Source              string     `json:"source"`
	DetectionTimingType string     `json:"detectionTimingType"`
	Activity            string     `json:"activity"`
	IPAddress           *string    `json:"ipAddress"`
	Location            *riskPlace `json:"location"`
	ActivityDateTime    string     `json:"activityDateTime"`
	DetectedDateTime    string     `json:"detectedDateTime"`
	LastUpdatedDateTime string     `json:"lastUpdatedDateTime"`
	UserID              string     `json:"userId,omitempty"`
	UserDisplayName     string     `json:"userDisplayName,omitempty"`
	UserPrincipalName   string     `json:"userPrincipalName,omitempty"`
	SPID                string     `json:"servicePrincipalId,omitempty"`
	SPDisplayName       string     `json:"servicePrincipalDisplayName,omitempty"`
	AppID               string     `json:"appId,omitempty"`
	KeyIDs              []string   `json:"keyIds,omitempty"`
	AdditionalInfo      string     `json:"additionalInfo"`
	TokenIssuerType     string     `json:"tokenIssuerType"`
}

// riskStamp is a detection's times in Graph's form.
func riskStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// localeTime is the envelope's time as a live capture of these categories
// wrote it: the US locale's, to the second.
func localeTime(t time.Time) string { return t.UTC().Format("1/2/2006 3:04:05 PM") }

// orNull is s, or JSON's null for "".
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// detect writes d's record in the hour it was last updated, unless that
// is after the export's last day.
func (g *gen) detect(d detection) bool {
	if !d.updated.Before(g.opt.Start.AddDate(0, 0, g.opt.Days)) {
		return false
	}
	o := riskObject{ID: d.id, RequestID: orNull(d.request), CorrelationID: orNull(d.corr), RiskEventType: d.event,
		RiskState: d.state, RiskLevel: d.level, RiskDetail: d.detail, Source: "IdentityProtection",
		DetectionTimingType: d.timing, Activity: d.activity, IPAddress: orNull(d.ip),
		ActivityDateTime: riskStamp(d.act), DetectedDateTime: riskStamp(d.detected), LastUpdatedDateTime: riskStamp(d.updated),
		AdditionalInfo: "[]", TokenIssuerType: "AzureAD"}
	if d.ip != "" {
		o.Location = placeOf(d.ip, d.country)
	}
	if d.agent != "" {
		o.AdditionalInfo = string(marshal([]struct{ Key, Value string }{{"userAgent", d.agent}}))
	}
	r := riskRecord{Time: localeTime(d.updated), ResourceID: "/tenants/" + g.t.ID + "/providers/Microsoft.aadiam",
		OperationName: "User Risk Detection", OperationVersion: "1.0", Category: "UserRiskEvents", TenantID: g.t.ID,
		ResultSignature: "None", CallerIPAddress: orNull(d.ip), CorrelationID: d.id, Identity: d.name, Level: 4,
		Location: orNull(d.country)}
	folder := "insights-logs-userriskevents"
	if d.sp {
		folder = "insights-logs-serviceprincipalriskevents"
		r.OperationName, r.Category = "Service Principal Risk Detection", "ServicePrincipalRiskEvents"
		o.SPID, o.SPDisplayName, o.AppID, o.KeyIDs = d.oid, d.name, d.appID, []string{d.key}
	} else {
		o.RiskType = d.event
		o.UserID, o.UserDisplayName, o.UserPrincipalName = d.oid, d.name, d.name
	}
	r.Properties = o
	g.add(folder+"/tenantId="+g.t.ID+"/"+hourPath(d.updated)+"/PT1H.json", kindLines, d.updated, marshal(r))
	return true
}

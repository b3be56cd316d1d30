package report

import (
	"slices"
	"strings"
)

// attackTactics maps Sigma's tactic tags (attack.privilege_escalation,
// also written privilege-escalation) to ATT&CK Enterprise tactic ids and
// names.
var attackTactics = map[string]ocsfNamed{
	"reconnaissance":       {"TA0043", "Reconnaissance"},
	"resource_development": {"TA0042", "Resource Development"},
	"initial_access":       {"TA0001", "Initial Access"},
	"execution":            {"TA0002", "Execution"},
	"persistence":          {"TA0003", "Persistence"},
	"privilege_escalation": {"TA0004", "Privilege Escalation"},
	"defense_evasion":      {"TA0005", "Defense Evasion"},
	"credential_access":    {"TA0006", "Credential Access"},
	"discovery":            {"TA0007", "Discovery"},
	"lateral_movement":     {"TA0008", "Lateral Movement"},
	"collection":           {"TA0009", "Collection"},
	"command_and_control":  {"TA0011", "Command and Control"},
	"exfiltration":         {"TA0010", "Exfiltration"},
	"impact":               {"TA0040", "Impact"},
}

// technique is an ATT&CK technique's name and the tactics (as tag names)
// it serves, used to pair an alert's technique tags with its tactic tags.
type technique struct {
	name    string
	tactics []string
}

// Tactic sets shared by several techniques.
var (
	validAccountsTactics = []string{"defense_evasion", "persistence", "privilege_escalation", "initial_access"}
	persistPrivesc       = []string{"persistence", "privilege_escalation"}
	execPersistPrivesc   = []string{"execution", "persistence", "privilege_escalation"}
)

// attackTechniques names the techniques of the cloud takeover and
// cryptojacking chain mamori's rules tag. A technique not listed here is
// still reported, by id alone.
var attackTechniques = map[string]technique{
	"T1059":     {"Command and Scripting Interpreter", []string{"execution"}},
	"T1059.009": {"Cloud API", []string{"execution"}},
	"T1070":     {"Indicator Removal", []string{"defense_evasion"}},
	"T1071":     {"Application Layer Protocol", []string{"command_and_control"}},
	"T1078":     {"Valid Accounts", validAccountsTactics},
	"T1078.004": {"Cloud Accounts", validAccountsTactics},
	"T1090":     {"Proxy", []string{"command_and_control"}},
	"T1098":     {"Account Manipulation", persistPrivesc},
	"T1098.001": {"Additional Cloud Credentials", persistPrivesc},
	"T1098.003": {"Additional Cloud Roles", persistPrivesc},
	"T1105":     {"Ingress Tool Transfer", []string{"command_and_control"}},
	"T1110":     {"Brute Force", []string{"credential_access"}},
	"T1110.003": {"Password Spraying", []string{"credential_access"}},
	"T1110.004": {"Credential Stuffing", []string{"credential_access"}},
	"T1136":     {"Create Account", []string{"persistence"}},
	"T1136.003": {"Cloud Account", []string{"persistence"}},
	"T1053":     {"Scheduled Task/Job", execPersistPrivesc},
	"T1053.003": {"Cron", execPersistPrivesc},
	"T1190":     {"Exploit Public-Facing Application", []string{"initial_access"}},
	"T1484":     {"Domain or Tenant Policy Modification", []string{"defense_evasion", "privilege_escalation"}},
	"T1484.002": {"Trust Modification", []string{"defense_evasion", "privilege_escalation"}},
	"T1496":     {"Resource Hijacking", []string{"impact"}},
	"T1496.001": {"Compute Hijacking", []string{"impact"}},
	"T1496.004": {"Cloud Service Hijacking", []string{"impact"}},
	"T1526":     {"Cloud Service Discovery", []string{"discovery"}},
	"T1528":     {"Steal Application Access Token", []string{"credential_access"}},
	"T1531":     {"Account Access Removal", []string{"impact"}},
	"T1535":     {"Unused/Unsupported Cloud Regions", []string{"defense_evasion"}},
	"T1543":     {"Create or Modify System Process", persistPrivesc},
	"T1543.002": {"Systemd Service", persistPrivesc},
	"T1550":     {"Use Alternate Authentication Material", []string{"defense_evasion", "lateral_movement"}},
	"T1550.001": {"Application Access Token", []string{"defense_evasion", "lateral_movement"}},
	"T1556":     {"Modify Authentication Process", []string{"credential_access", "defense_evasion", "persistence"}},
	"T1556.006": {"Multi-Factor Authentication", []string{"credential_access", "defense_evasion", "persistence"}},
	"T1562":     {"Impair Defenses", []string{"defense_evasion"}},
	"T1562.008": {"Disable or Modify Cloud Logs", []string{"defense_evasion"}},
	"T1578":     {"Modify Cloud Compute Infrastructure", []string{"defense_evasion"}},
	"T1578.002": {"Create Cloud Instance", []string{"defense_evasion"}},
	"T1580":     {"Cloud Infrastructure Discovery", []string{"discovery"}},
	"T1621":     {"Multi-Factor Authentication Request Generation", []string{"credential_access"}},
	"T1651":     {"Cloud Administration Command", []string{"execution"}},
}

// attackTags reads an alert's ATT&CK tags: technique ids ("attack.t1496",
// "attack.t1098.003", upper-cased) and tactic names ("attack.impact",
// hyphens read as underscores), each once, in tag order. Group and
// software tags (attack.g0139, attack.s0002) and anything else are not
// returned.
func attackTags(tags []string) (techniques, tactics []string) {
	for _, t := range tags {
		rest, ok := cutPrefixFold(t, "attack.")
		if !ok {
			continue
		}
		rest = strings.ToLower(rest)
		switch {
		case isTechniqueID(rest):
			if id := strings.ToUpper(rest); !slices.Contains(techniques, id) {
				techniques = append(techniques, id)
			}
		default:
			name := strings.ReplaceAll(rest, "-", "_")
			if _, ok := attackTactics[name]; ok && !slices.Contains(tactics, name) {
				tactics = append(tactics, name)
			}
		}
	}
	return techniques, tactics
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// isTechniqueID matches t1234 and t1234.567.
func isTechniqueID(s string) bool {
	if (len(s) != 5 && len(s) != 9) || s[0] != 't' || !allDigits(s[1:5]) {
		return false
	}
	return len(s) == 5 || (s[5] == '.' && allDigits(s[6:]))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ocsfAttacks builds finding_info.attacks. Each technique gets one entry
// per tactic tag it serves (a sub-technique also names its parent); a
// technique not in attackTechniques takes the alert's tactic when the
// alert has exactly one; a tactic tag no technique used gets an entry of
// its own, so no tag is lost.
func ocsfAttacks(tags []string) []ocsfAttack {
	techs, tactics := attackTags(tags)
	var out []ocsfAttack
	used := make(map[string]bool, len(tactics))
	for _, id := range techs {
		parent, _, isSub := strings.Cut(id, ".") // parent is id itself when not a sub-technique
		base := ocsfAttack{Technique: &ocsfNamed{UID: parent, Name: attackTechniques[parent].name}}
		if isSub {
			base.SubTechnique = &ocsfNamed{UID: id, Name: attackTechniques[id].name}
		}
		var mine []string
		if known, ok := attackTechniques[id]; ok {
			for _, t := range tactics {
				if slices.Contains(known.tactics, t) {
					mine = append(mine, t)
				}
			}
		} else if len(tactics) == 1 {
			mine = tactics
		}
		if len(mine) == 0 {
			out = append(out, base)
			continue
		}
		for _, t := range mine {
			a := base
			tac := attackTactics[t]
			a.Tactic = &tac
			used[t] = true
			out = append(out, a)
		}
	}
	for _, t := range tactics {
		if !used[t] {
			tac := attackTactics[t]
			out = append(out, ocsfAttack{Tactic: &tac})
		}
	}
	return out
}

package report

import (
	"reflect"
	"testing"
)

func TestOCSFAttacks(t *testing.T) {
	t.Parallel()
	tech := func(uid, name string) *ocsfNamed { return &ocsfNamed{UID: uid, Name: name} }
	impact := tech("TA0040", "Impact")
	privesc := tech("TA0004", "Privilege Escalation")
	persist := tech("TA0003", "Persistence")
	cases := []struct {
		name string
		tags []string
		want []ocsfAttack
	}{
		{"no tags, no attacks", nil, nil},
		{"technique with its tactic",
			[]string{"attack.impact", "attack.t1496"},
			[]ocsfAttack{{Tactic: impact, Technique: tech("T1496", "Resource Hijacking")}}},
		{"sub-technique names its parent",
			[]string{"attack.t1098.003", "attack.privilege_escalation"},
			[]ocsfAttack{{Tactic: privesc, Technique: tech("T1098", "Account Manipulation"), SubTechnique: tech("T1098.003", "Additional Cloud Roles")}}},
		{"a technique serving two tagged tactics gets an entry for each",
			[]string{"attack.persistence", "attack.privilege-escalation", "attack.t1098"},
			[]ocsfAttack{
				{Tactic: persist, Technique: tech("T1098", "Account Manipulation")},
				{Tactic: privesc, Technique: tech("T1098", "Account Manipulation")},
			}},
		{"a tactic the technique does not serve stands alone",
			[]string{"attack.impact", "attack.t1098.003"},
			[]ocsfAttack{
				{Technique: tech("T1098", "Account Manipulation"), SubTechnique: tech("T1098.003", "Additional Cloud Roles")},
				{Tactic: impact},
			}},
		{"an unknown technique takes the only tactic",
			[]string{"attack.T1234", "attack.impact"},
			[]ocsfAttack{{Tactic: impact, Technique: tech("T1234", "")}}},
		{"groups, software, duplicates and other tags are ignored",
			[]string{"attack.g0139", "attack.s0002", "attack.t1496", "ATTACK.T1496", "cve.2021-44228", "attack.t12", "attack.t1496.0x1"},
			[]ocsfAttack{{Technique: tech("T1496", "Resource Hijacking")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := ocsfAttacks(c.tags); !reflect.DeepEqual(got, c.want) {
				t.Errorf("ocsfAttacks(%q):\n got %s\nwant %s", c.tags, show(got), show(c.want))
			}
		})
	}
}

func show(as []ocsfAttack) string {
	s := ""
	for _, a := range as {
		s += "{"
		for _, n := range []*ocsfNamed{a.Tactic, a.Technique, a.SubTechnique} {
			if n != nil {
				s += n.UID + ":" + n.Name + " "
			} else {
				s += "- "
			}
		}
		s += "} "
	}
	return s
}

package source

import "testing"

// TestCategoryShortcutPointsAtTheRightFamily guards the shortcut table:
// each entry must name the family at that position of the switchboard.
func TestCategoryShortcutPointsAtTheRightFamily(t *testing.T) {
	t.Parallel()
	want := map[string]string{"Administrative": "activity", "SignInLogs": "signin", "AuditLogs": "audit",
		"NetworkSecurityGroupFlowEvent": "flow", "AZFWDnsQuery": "firewall", "AdvancedHunting-DeviceProcessEvents": "process"}
	for cat, prefix := range want {
		rec := map[string]string{
			"activity": `{"time":"2026-01-01T00:00:00Z","category":"Administrative","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","resourceId":"/subscriptions/s/resourceGroups/r","resultType":"Success","identity":{"claims":{}}}`,
			"signin":   `{"time":"2026-01-01T00:00:00Z","category":"SignInLogs","operationName":"Sign-in activity","properties":{"id":"1","createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"a@b","status":{"errorCode":0}}}`,
			"audit":    `{"time":"2026-01-01T00:00:00Z","category":"AuditLogs","operationName":"Add user","properties":{"id":"1","activityDisplayName":"Add user","activityDateTime":"2026-01-01T00:00:00Z","category":"UserManagement"}}`,
			"flow":     `{"time":"2026-01-01T00:00:00Z","category":"NetworkSecurityGroupFlowEvent","resourceId":"/subscriptions/s","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[]}}`,
			"firewall": `{"time":"2026-01-01T00:00:00Z","category":"AZFWDnsQuery","properties":{"SourceIp":"10.0.0.1","QueryName":"example.com."}}`,
			"process":  `{"time":"2026-01-01T00:00:00Z","category":"AdvancedHunting-DeviceProcessEvents","properties":{"Timestamp":"2026-01-01T00:00:00Z","ActionType":"ProcessCreated","FileName":"a"}}`,
		}[prefix]
		r, st := readBytes(t, []byte(rec+"\n"))
		names := st.ShapeNames()
		if len(names) != 1 || len(names[0]) < len(prefix) || names[0][:len(prefix)] != prefix || len(r.errs) > 0 {
			t.Errorf("%s: shapes %v errors %v, want a %s shape", cat, names, r.errs, prefix)
		}
	}
}

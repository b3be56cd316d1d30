package incident

import (
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

// An incident's principals are listed as titles show them: a service
// principal by name and the start of its id, a user's object id not at
// all when her UPN is listed (her other alerts), else by her UPN and id.
func TestWhoListsAPersonOnce(t *testing.T) {
	alerts := []alert.Alert{
		{Principal: "mei@contoso.example"},
		{Principal: "0275485b-dd57-4c5c-b5f0-6639af431b60", PrincipalName: "mei@contoso.example"},
		{Principal: "9d91a9a9-0000-4000-8000-000000000001", PrincipalName: "aml-training-pipeline"},
		{Principal: "77777777-0000-4000-8000-000000000002", PrincipalName: "kim@contoso.example"},
		{Principal: "jonas@contoso.example"},
	}
	names := NamesOf(alerts)
	var all []string
	for _, a := range alerts {
		all = append(all, a.Principal)
	}
	got := names.Who(all)
	want := []string{"mei@contoso.example", "aml-training-pipeline (9d91a9a9)", "kim@contoso.example (77777777)", "jonas@contoso.example"}
	if !slices.Equal(got, want) {
		t.Errorf("Who = %q, want %q", got, want)
	}
	if got := names.Show("0275485b-dd57-4c5c-b5f0-6639af431b60"); got != "mei@contoso.example (0275485b)" {
		t.Errorf("Show = %q", got)
	}
	if got := names.Show("someone-else"); got != "someone-else" {
		t.Errorf("Show of an unnamed principal = %q", got)
	}
}

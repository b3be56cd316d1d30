package posture

import (
	"encoding/json"
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// Compute usages and Microsoft.Quota limits.

// rawName is the {"value", "localizedValue"} pair usages and quotas use.
type rawName struct {
	Value          flexString `json:"value"`
	LocalizedValue flexString `json:"localizedValue"`
}

func parseUsage(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		Name         rawName `json:"name"`
		CurrentValue flexInt `json:"currentValue"`
		Limit        flexInt `json:"limit"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.Name.Value == "" {
		return errNoID
	}
	sub, region := s.sub(vals[0]), strings.ToLower(vals[1])
	sub.Usages[region] = append(sub.Usages[region], Usage{
		Name: string(raw.Name.Value), Localized: string(raw.Name.LocalizedValue),
		Current: raw.CurrentValue.Value, Limit: raw.Limit.Value,
		CurrentSet: raw.CurrentValue.Set, LimitSet: raw.Limit.Set,
	})
	return err
}

func parseQuota(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		Name       flexString `json:"name"`
		Properties struct {
			Limit struct {
				Value flexInt `json:"value"`
			} `json:"limit"`
			Name              rawName  `json:"name"`
			IsQuotaApplicable flexBool `json:"isQuotaApplicable"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	p := raw.Properties
	name := string(p.Name.Value)
	if name == "" {
		name = string(raw.Name)
	}
	if name == "" {
		return errNoID
	}
	sub, region := s.sub(vals[0]), strings.ToLower(vals[1])
	sub.Quotas[region] = append(sub.Quotas[region], Quota{
		Name: name, Localized: string(p.Name.LocalizedValue),
		Limit: p.Limit.Value.Value, Applicable: p.IsQuotaApplicable.Value,
	})
	return err
}

// Virtual machines: GET /subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines
// (Virtual Machines - List All, api-version 2024-11-01), read twice. The
// plain list is VirtualMachine resources: {"id", "name", "location",
// "properties": {"hardwareProfile": {"vmSize"}, ...}} (azure-rest-api-specs
// VirtualMachine_ListAll_MaximumSet_Gen.json). With statusOnly=true each
// item carries the run-time status instead: {"id", "name", "location",
// "properties": {"instanceView": {"statuses": [{"code":
// "PowerState/deallocated", ...}]}}}, the VirtualMachineInstanceView and
// InstanceViewStatus of the same spec; it is not documented to carry the
// size, so the size comes from the plain list and the two are joined by ID.

// rawVM is what either list says of one VM.
type rawVM struct {
	ID         flexString `json:"id"`
	Name       flexString `json:"name"`
	Location   flexString `json:"location"`
	Properties struct {
		HardwareProfile struct {
			VMSize flexString `json:"vmSize"`
		} `json:"hardwareProfile"`
		InstanceView struct {
			Statuses []struct {
				Code flexString `json:"code"`
			} `json:"statuses"`
		} `json:"instanceView"`
	} `json:"properties"`
}

// vm decodes one item of either list and returns the subscription's VM
// it describes, created on first sight, filled with its name and region.
func vm(s *Snapshot, vals []string, item json.RawMessage) (*VM, *rawVM, error) {
	var raw rawVM
	err := decodeItem(item, &raw)
	if fatal(err) {
		return nil, nil, err
	}
	id := strings.TrimSpace(string(raw.ID))
	if id == "" {
		return nil, nil, errNoID
	}
	sub := s.sub(vals[0])
	v := sub.VMs[strings.ToLower(id)]
	if v == nil {
		v = &VM{ID: id}
		sub.VMs[strings.ToLower(id)] = v
	}
	if raw.Name != "" {
		v.Name = string(raw.Name)
	}
	if raw.Location != "" {
		v.Location = record.Region(string(raw.Location))
	}
	return v, &raw, err
}

func parseVM(s *Snapshot, vals []string, item json.RawMessage) error {
	v, raw, err := vm(s, vals, item)
	if v == nil {
		return err
	}
	v.Listed = true
	if size := strings.TrimSpace(string(raw.Properties.HardwareProfile.VMSize)); size != "" {
		v.Size = size
	}
	return err
}

func parseVMStatus(s *Snapshot, vals []string, item json.RawMessage) error {
	v, raw, err := vm(s, vals, item)
	if v == nil {
		return err
	}
	v.StatusListed = true
	// The size too, should a statusOnly answer carry it.
	if size := strings.TrimSpace(string(raw.Properties.HardwareProfile.VMSize)); size != "" && v.Size == "" {
		v.Size = size
	}
	for _, st := range raw.Properties.InstanceView.Statuses {
		if state, ok := strings.CutPrefix(strings.ToLower(string(st.Code)), "powerstate/"); ok {
			v.Power = state
		}
	}
	return err
}

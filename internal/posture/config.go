package posture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Config holds every threshold and list the checks use, so a tenant's own
// rules (its break-glass accounts, how many VM creators it accepts) are
// data, not code. DefaultConfig gives the values docs/posture-checks.md
// documents; LoadConfig overlays a YAML file on them.
type Config struct {
	// BreakGlass lists the emergency accounts (UPNs or object IDs) and
	// groups (object IDs) that conditional access may exclude.
	BreakGlass []string `yaml:"break_glass"`
	// AdminRoles are the Entra role template IDs that must be behind MFA.
	AdminRoles []string `yaml:"admin_roles"`
	// GraphPrivileged also treats every role Graph marks isPrivileged as an
	// admin role, when it has holders.
	GraphPrivileged bool `yaml:"graph_privileged"`
	// EvidenceLimit caps the evidence lines of one finding; the rest are
	// counted in one last line.
	EvidenceLimit int `yaml:"evidence_limit"`
	// Severity overrides a check's severity (critical, high, medium, low).
	Severity map[string]string `yaml:"severity"`

	MFA          MFAConfig          `yaml:"mfa"`
	Separation   SeparationConfig   `yaml:"admin_separation"`
	ComputeRoles ComputeRolesConfig `yaml:"compute_role_holders"`
	RootRoles    []string           `yaml:"root_roles"`
	Quota        QuotaConfig        `yaml:"quota"`
	Monitoring   MonitoringConfig   `yaml:"monitoring"`
	Alerts       AlertsConfig       `yaml:"alerts"`
	Defender     []DefenderPlan     `yaml:"defender_plans"`
	Policy       PolicyConfig       `yaml:"policy"`
}

// MFAConfig tunes posture.identity.mfa_registration.
type MFAConfig struct {
	// IncludeGuests also counts guests, who usually register MFA in their
	// home tenant and so show as unregistered here.
	IncludeGuests bool `yaml:"include_guests"`
}

// SeparationConfig tunes posture.identity.admin_separation.
type SeparationConfig struct {
	// EverydayPlans are service plan names (a trailing "*" is a prefix)
	// that make an account an everyday one: mail, SharePoint, Teams, Office.
	EverydayPlans []string `yaml:"everyday_plans"`
	// SyncedIsEveryday counts accounts synced from on-premises AD.
	SyncedIsEveryday bool `yaml:"synced_is_everyday"`
}

// ComputeRolesConfig tunes posture.rbac.compute_role_holders.
type ComputeRolesConfig struct {
	Max       int      `yaml:"max"`        // principals per subscription that may create VMs
	MaxGuests int      `yaml:"max_guests"` // guests among them
	Actions   []string `yaml:"actions"`    // an action any of which makes a role VM-creating
}

// QuotaConfig tunes posture.quota.unused_headroom and
// posture.quota.dormant_capacity.
type QuotaConfig struct {
	// HighCoreLimit is the unused vCPU limit at or above which a non-GPU
	// family, a region's total or its spot cores count as headroom, and
	// the vCPUs at or above which a deallocated VM without GPUs counts as
	// dormant capacity.
	HighCoreLimit int64 `yaml:"high_core_limit"`
	// ExtraGPUFamilies adds families to the embedded GPU list.
	ExtraGPUFamilies []string `yaml:"extra_gpu_families"`
}

// MonitoringConfig tunes posture.monitoring.activity_log_export.
type MonitoringConfig struct {
	RetentionDays       int      `yaml:"retention_days"`
	ActivityCategories  []string `yaml:"activity_categories"`
	EntraCategories     []string `yaml:"entra_categories"`
	RequireTenantExport bool     `yaml:"require_tenant_export"`
}

// AlertsConfig tunes posture.monitoring.quota_and_compute_alerts.
type AlertsConfig struct {
	QuotaOperations   []string `yaml:"quota_operations"`
	ComputeOperations []string `yaml:"compute_operations"`
}

// DefenderPlan is one Defender for Cloud plan that must be on.
type DefenderPlan struct {
	Name    string `yaml:"name"`
	SubPlan string `yaml:"sub_plan"` // empty: any sub-plan
}

// PolicyConfig tunes posture.policy.allowed_vm_skus_locations.
type PolicyConfig struct {
	// SKUDefinitions and LocationDefinitions are built-in policy GUIDs.
	SKUDefinitions      []string `yaml:"sku_definitions"`
	LocationDefinitions []string `yaml:"location_definitions"`
	// RequireBoth fails unless both a size and a location policy apply.
	RequireBoth bool `yaml:"require_both"`
}

// Well-known identifiers, written once.
const (
	azureManagementApp  = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
	userAccessAdminRole = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	allowedVMSKUsPolicy = "cccc23c7-8427-4f53-ad12-b6a63eb452b3"
	allowedLocationsPol = "e56962a6-4747-49cd-b67b-bf8b01975c4c"
	globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
	privilegedRoleAdmin = "e8611ab8-c189-46e8-94e1-60213ab1f814"
)

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		// The roles Microsoft's "Require MFA for administrators" template covers.
		AdminRoles: []string{
			globalAdministrator,
			"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", // Application Administrator
			"c4e39bd9-1100-46d3-8c65-fb160da0071f", // Authentication Administrator
			"b0f54661-2d74-4c50-afa3-1ec803f12efe", // Billing Administrator
			"158c047a-c907-4556-b7ef-446551a6b5f7", // Cloud Application Administrator
			"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", // Conditional Access Administrator
			"29232cdf-9323-42fd-ade2-1d097af3e4de", // Exchange Administrator
			"729827e3-9c14-49f7-bb1b-9608f156bbb8", // Helpdesk Administrator
			"966707d0-3269-4727-9be2-8c3a10f19b9d", // Password Administrator
			"7be44c8a-adaf-4e2a-84d6-ab2649e08a13", // Privileged Authentication Administrator
			privilegedRoleAdmin,
			"194ae4cb-b126-40b2-bd5b-6091b380977d", // Security Administrator
			"f28a1f50-f6e7-4571-818b-6a12f2af6b6c", // SharePoint Administrator
			"fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
		},
		GraphPrivileged: true,
		EvidenceLimit:   20,
		Severity:        map[string]string{},
		Separation: SeparationConfig{
			EverydayPlans: []string{
				"EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_DESKLESS", "EXCHANGE_S_ESSENTIALS",
				"SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE", "SHAREPOINTDESKLESS", "SHAREPOINTWAC",
				"TEAMS1", "TEAMS_*", "MCOSTANDARD", "OFFICESUBSCRIPTION", "OFFICE_BUSINESS",
			},
			SyncedIsEveryday: true,
		},
		ComputeRoles: ComputeRolesConfig{
			Max:     5,
			Actions: []string{"Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachineScaleSets/write"},
		},
		RootRoles: []string{userAccessAdminRole},
		Quota:     QuotaConfig{HighCoreLimit: 100},
		Monitoring: MonitoringConfig{
			RetentionDays:      90,
			ActivityCategories: []string{"Administrative", "Security", "Policy"},
			// A stolen service principal's sign-ins (where its secret was
			// used from: the ML, Batch and container fan-out's way in) are
			// only in their own category, not in SignInLogs.
			EntraCategories:     []string{"SignInLogs", "ServicePrincipalSignInLogs", "AuditLogs"},
			RequireTenantExport: true,
		},
		Alerts: AlertsConfig{
			QuotaOperations: []string{
				"Microsoft.Quota/quotas/write",
				"Microsoft.Capacity/resourceProviders/locations/serviceLimits/write",
				"Microsoft.Support/supportTickets/write",
			},
			ComputeOperations: []string{
				"Microsoft.Compute/virtualMachines/write",
				"Microsoft.Compute/virtualMachineScaleSets/write",
			},
		},
		Defender: []DefenderPlan{{Name: "VirtualMachines", SubPlan: "P2"}, {Name: "Arm"}},
		Policy: PolicyConfig{
			SKUDefinitions:      []string{allowedVMSKUsPolicy},
			LocationDefinitions: []string{allowedLocationsPol},
		},
	}
}

// maxConfigBytes bounds a config file: it is a short hand-written list.
const maxConfigBytes = 1 << 20

// LoadConfig reads a YAML file over DefaultConfig: keys it sets replace the
// defaults (lists are replaced, not merged), keys it omits keep them. An
// unknown key is an error naming its line, so a typo never silently falls
// back to a default.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("posture config: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return Config{}, fmt.Errorf("posture config %s: %w", path, err)
	}
	if len(raw) > maxConfigBytes {
		return Config{}, fmt.Errorf("posture config %s: larger than %d bytes", path, maxConfigBytes)
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		return Config{}, fmt.Errorf("posture config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig is LoadConfig on bytes already read.
func ParseConfig(raw []byte) (Config, error) {
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	return cfg, cfg.validate()
}

// validate rejects values no check can use.
func (c *Config) validate() error {
	var errs []error
	if c.ComputeRoles.Max < 0 || c.ComputeRoles.MaxGuests < 0 {
		errs = append(errs, errors.New("compute_role_holders: max and max_guests must be 0 or more"))
	}
	if c.Quota.HighCoreLimit < 1 {
		errs = append(errs, errors.New("quota.high_core_limit must be 1 or more"))
	}
	if c.Monitoring.RetentionDays < 1 {
		errs = append(errs, errors.New("monitoring.retention_days must be 1 or more"))
	}
	if c.EvidenceLimit < 1 {
		errs = append(errs, errors.New("evidence_limit must be 1 or more"))
	}
	for name, sev := range c.Severity {
		if _, ok := severityWeight[strings.ToLower(sev)]; !ok {
			errs = append(errs, fmt.Errorf("severity.%s: %q is not critical, high, medium or low", name, sev))
		}
		if _, ok := checkByName(name); !ok {
			errs = append(errs, fmt.Errorf("severity: no check named %q", name))
		}
	}
	if c.Severity == nil {
		c.Severity = map[string]string{}
	}
	return errors.Join(errs...)
}

package spec

import (
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
)

// Superadmin is the cluster's first superadmin. Its keypair and password are generated
// once per stack and kept as secrets, unless the stack gives its own (superadmin.accessKey
// with the secret keys superadminSecretKey and superadminPassword). The verification
// logs in as it.
type Superadmin struct {
	// Email is its login; default superadmin@backendai.local.
	Email string `json:"email,omitempty" pulumi:"email,optional"`
	// Username is its user name; default "superadmin".
	Username string `json:"username,omitempty" pulumi:"username,optional"`
	// Domain, Group and ResourcePolicy name rows the stack's fixtures declare (the domain,
	// its project the superadmin joins, and the user and keypair resource policy); each
	// "default" unless given.
	Domain         string `json:"domain,omitempty" pulumi:"domain,optional"`
	Group          string `json:"group,omitempty" pulumi:"group,optional"`
	ResourcePolicy string `json:"resourcePolicy,omitempty" pulumi:"resourcePolicy,optional"`
	// AccessKey is the stack's own access key; empty: generated.
	AccessKey string `json:"accessKey,omitempty" pulumi:"accessKey,optional"`
	// SecretKey and Password come from the secret config keys superadminSecretKey and
	// superadminPassword; empty: generated.
	SecretKey string `json:"-"`
	Password  string `json:"-"`
}

// DefaultSuperadminEmail is the superadmin's login unless the stack names another.
const DefaultSuperadminEmail = "superadmin@backendai.local"

func defaultSuperadmin() Superadmin {
	return Superadmin{Email: DefaultSuperadminEmail, Username: "superadmin", Domain: "default", Group: "default", ResourcePolicy: "default"}
}

// ResourcePreset is a session size the Web UI and the client offer (Backend.AI's
// resource_presets table).
type ResourcePreset struct {
	Name string `json:"name,omitempty" pulumi:"name"`
	// ResourceSlots are the slot amounts as Backend.AI writes them: cpu cores, mem in
	// bytes, cuda.device, ...
	ResourceSlots map[string]string `json:"resourceSlots,omitempty" pulumi:"resourceSlots"`
	// SharedMemory is /dev/shm's size in bytes; empty: Backend.AI's default.
	SharedMemory string `json:"sharedMemory,omitempty" pulumi:"sharedMemory,optional"`
}

// DefaultResourcePresets are Backend.AI's own example presets
// (fixtures/manager/example-resource-presets.json): the CPU ones, and the GPU ones when
// an agent has CUDA devices (nvidia or the mock plugin), whole devices only.
func (c Cluster) DefaultResourcePresets() []ResourcePreset {
	presets := []ResourcePreset{
		{Name: "cpu01-small", ResourceSlots: map[string]string{"cpu": "1", "mem": "1073741824"}},
		{Name: "cpu02-medium", ResourceSlots: map[string]string{"cpu": "4", "mem": "8589934592"}, SharedMemory: "1073741824"},
		{Name: "cpu03-large", ResourceSlots: map[string]string{"cpu": "8", "mem": "17179869184"}, SharedMemory: "2147483648"},
	}
	cuda := false
	for _, n := range c.Nodes {
		for _, a := range n.Accelerators {
			cuda = cuda || a.Kind == AcceleratorNVIDIA || a.Kind == AcceleratorMock
		}
	}
	if cuda {
		presets = append(presets,
			ResourcePreset{Name: "cuda01-small", ResourceSlots: map[string]string{"cpu": "1", "mem": "4294967296", "cuda.device": "1"}},
			ResourcePreset{Name: "cuda02-medium", ResourceSlots: map[string]string{"cpu": "4", "mem": "17179869184", "cuda.device": "2"}, SharedMemory: "1073741824"},
			ResourcePreset{Name: "cuda03-large", ResourceSlots: map[string]string{"cpu": "8", "mem": "34359738368", "cuda.device": "4"}, SharedMemory: "2147483648"},
		)
	}
	return presets
}

var (
	slotName   = regexp.MustCompile(`^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)?$`)
	accessKeyF = regexp.MustCompile(`^[A-Z0-9]{16,32}$`)
)

func (c Cluster) validateAccounts(bad func(field, format string, args ...any)) {
	s := c.Superadmin
	if _, err := mail.ParseAddress(s.Email); err != nil || s.Email == "" {
		bad("superadmin.email", "%q is not an email address", s.Email)
	}
	for field, v := range map[string]string{"username": s.Username, "domain": s.Domain, "group": s.Group, "resourcePolicy": s.ResourcePolicy} {
		if v == "" {
			bad("superadmin."+field, "is empty")
		}
	}
	switch {
	case s.AccessKey != "" && !accessKeyF.MatchString(s.AccessKey):
		bad("superadmin.accessKey", "%q is not an access key (16 to 32 upper-case letters and digits, e.g. AKIA...)", s.AccessKey)
	case !c.secretsApart && (s.AccessKey == "") != (s.SecretKey == ""):
		bad("superadmin.accessKey", "the stack's own keypair needs both superadmin.accessKey and the secret superadminSecretKey; give both, or neither to have them generated")
	case s.SecretKey != "" && len(s.SecretKey) < minSecret:
		bad("superadminSecretKey", "is shorter than %d characters", minSecret)
	}
	if s.Password != "" && len(s.Password) < minSecret {
		bad("superadminPassword", "is shorter than %d characters", minSecret)
	}
	if !c.TestCluster {
		switch {
		case slices.Contains(Published.AccessKeys, s.AccessKey):
			bad("superadmin.accessKey", "%s is Backend.AI's published example access key: whoever reaches the API would be superadmin; give your own, or leave it out to have one generated", s.AccessKey)
		case slices.Contains(Published.Passwords, s.Password):
			bad("superadminPassword", "is one of Backend.AI's published example passwords; give your own, or leave it out to have one generated")
		}
	}
	names := map[string]int{}
	for i, p := range c.ResourcePresets {
		f := fmt.Sprintf("resourcePresets[%d]", i)
		if p.Name == "" {
			bad(f+".name", "is empty")
		} else if j, dup := names[p.Name]; dup {
			bad(f+".name", "%q is already resourcePresets[%d]", p.Name, j)
		}
		names[p.Name] = i
		if len(p.ResourceSlots) == 0 {
			bad(f+".resourceSlots", "is empty: a preset needs at least cpu and mem")
		}
		for _, k := range slices.Sorted(maps.Keys(p.ResourceSlots)) {
			if !slotName.MatchString(k) {
				bad(f+".resourceSlots", "%q is not a slot name (cpu, mem, cuda.device, ...)", k)
			} else if _, err := strconv.ParseFloat(p.ResourceSlots[k], 64); err != nil {
				bad(f+".resourceSlots."+k, "%q is not a number", p.ResourceSlots[k])
			}
		}
		if _, err := strconv.ParseUint(p.SharedMemory, 10, 64); p.SharedMemory != "" && err != nil {
			bad(f+".sharedMemory", "%q is not a size in bytes", p.SharedMemory)
		}
	}
}

package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// Secrets are services' shared secrets, generated once and kept
// (backendai:index:Secrets): one value per name, 32 random bytes as URL-safe base64,
// as Backend.AI's installers make them (`secrets.token_urlsafe(32)`). A name added later
// gets its own; the others keep theirs until the resource is replaced.
type Secrets struct{}

// SecretsArgs name the secrets.
type SecretsArgs struct {
	Names []string `pulumi:"names"`
}

// SecretsState holds the generated values by name.
type SecretsState struct {
	SecretsArgs
	Values map[string]string `pulumi:"values" provider:"secret"`
}

func (s *Secrets) Annotate(a infer.Annotator) {
	a.SetToken("index", "Secrets")
	a.Describe(&s, "Services' shared secrets, generated once (32 random bytes each) and kept as secrets.")
}

func (a *SecretsArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Names, "The secrets' names; each gets its own value.")
}

func (s *SecretsState) Annotate(a infer.Annotator) {
	a.Describe(&s.Values, "The secrets' values, by name.")
}

func (s *Secrets) Create(ctx context.Context, req infer.CreateRequest[SecretsArgs]) (infer.CreateResponse[SecretsState], error) {
	state := SecretsState{SecretsArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[SecretsState]{ID: req.Name, Output: state}, nil
	}
	values, err := generateSecrets(req.Inputs.Names, nil)
	state.Values = values
	return infer.CreateResponse[SecretsState]{ID: req.Name, Output: state}, err
}

// Update keeps every value whose name stays, and makes one for each new name.
func (s *Secrets) Update(ctx context.Context, req infer.UpdateRequest[SecretsArgs, SecretsState]) (infer.UpdateResponse[SecretsState], error) {
	state := SecretsState{SecretsArgs: req.Inputs, Values: req.State.Values}
	if req.DryRun {
		return infer.UpdateResponse[SecretsState]{Output: state}, nil
	}
	values, err := generateSecrets(req.Inputs.Names, req.State.Values)
	state.Values = values
	return infer.UpdateResponse[SecretsState]{Output: state}, err
}

// generateSecrets are a value per name: kept's, or a new one.
func generateSecrets(names []string, kept map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range slices.Sorted(slices.Values(names)) {
		if v, ok := kept[name]; ok {
			out[name] = v
			continue
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		out[name] = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}
